//! Escalations to 12315 (docs/escalation.md#delivery): delivery through the `builtin` connector (the queue of
//! the regulators of the unit's region) or an HTTP gateway, retries until the escalation is
//! dead, re-drives, and the handling steps recorded by regulators or reported by gateways.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde_json::json;

use super::notices::{Notice, send_notice};
use super::{CaseContext, CaseError};
use crate::config::BUILTIN_CONNECTOR;
use crate::domain::access::Actor;
use crate::domain::dispute::TimelineKind;
use crate::domain::escalation::EscalationState;
use crate::domain::region::RegionCode;
use crate::domain::role::Role;
use crate::error::ErrorCode;
use crate::jobs::{Job, enqueue_job_until};
use crate::store::disputes::{Dispute, append_event, find_dispute};
use crate::store::schema::{escalation_updates, escalations, users};
use crate::store::users::User;
use crate::store::{DbConn, StoreError, new_id, to_db_time};

/// The regulators whose region contains `region_code`.
pub fn regulators_of(conn: &mut DbConn, region_code: &str) -> Result<Vec<User>, StoreError> {
    let Ok(region) = RegionCode::parse(region_code) else {
        return Ok(Vec::new());
    };
    let all: Vec<User> = users::table
        .filter(users::role.eq(Role::Regulator.as_str()))
        .filter(users::is_active.eq(true))
        .select(User::as_select())
        .load(conn)?;
    Ok(all
        .into_iter()
        .filter(|u| {
            u.region_code
                .as_deref()
                .and_then(|r| RegionCode::parse(r).ok())
                .is_some_and(|own| own.contains(&region))
        })
        .collect())
}

fn record(
    conn: &mut DbConn,
    escalation_id: &str,
    status: EscalationState,
    note: Option<&str>,
    actor: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::insert_into(escalation_updates::table)
        .values((
            escalation_updates::id.eq(new_id()),
            escalation_updates::escalation_id.eq(escalation_id),
            escalation_updates::status.eq(status.as_str()),
            escalation_updates::note.eq(note),
            escalation_updates::actor_id.eq(actor),
            escalation_updates::created_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    Ok(())
}

fn notice_for(dispute: &Dispute, zh: &str, en: &str) -> Notice {
    Notice::Update {
        case_number: dispute.case_number.clone(),
        what_zh: zh.into(),
        what_en: en.into(),
    }
}

/// Adds the job that delivers escalation `id`; failures are retried for
/// `escalation.retry_hours`, then the escalation is dead.
pub fn queue_delivery(
    conn: &mut DbConn,
    ctx: &CaseContext,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    enqueue_job_until(
        conn,
        &Job::DeliverEscalation {
            escalation_id: id.into(),
        },
        // The give-up moment bounds the retries, not a count.
        i64::from(u16::MAX),
        now,
        Some(now + Duration::hours(ctx.escalation.retry_hours)),
    )
}

/// What a delivery needs: the connector, the stored packet, and whether it is still pending.
pub fn delivery_of(
    conn: &mut DbConn,
    escalation_id: &str,
) -> Result<Option<(String, String, bool)>, StoreError> {
    Ok(escalations::table
        .find(escalation_id)
        .select((
            escalations::connector,
            escalations::packet,
            escalations::state,
        ))
        .first::<(String, String, String)>(conn)
        .optional()?
        .map(|(connector, packet, state)| {
            (
                connector,
                packet,
                state == EscalationState::Pending.as_str(),
            )
        }))
}

/// Marks a pending escalation delivered through `connector`, with a timeline entry; the
/// `builtin` connector also tells the regulators of the region. Idempotent: an escalation
/// already delivered is left alone, so a retried or duplicated job changes nothing.
pub fn mark_delivered(
    conn: &mut DbConn,
    ctx: &CaseContext,
    escalation_id: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    crate::store::write_transaction(conn, |conn| {
        let moved = diesel::update(
            escalations::table
                .filter(escalations::id.eq(escalation_id))
                .filter(escalations::state.eq(EscalationState::Pending.as_str())),
        )
        .set((
            escalations::state.eq(EscalationState::Delivered.as_str()),
            escalations::delivered_at.eq(Some(to_db_time(now))),
            escalations::dead_at.eq(None::<chrono::NaiveDateTime>),
            escalations::delivery_attempts.eq(escalations::delivery_attempts + 1),
        ))
        .execute(conn)?;
        if moved == 0 {
            return Ok(false);
        }
        let (dispute_id, connector): (String, String) = escalations::table
            .find(escalation_id)
            .select((escalations::dispute_id, escalations::connector))
            .first(conn)?;
        let (dispute, _) = find_dispute(conn, &dispute_id)?.ok_or(StoreError::NotFound)?;
        record(
            conn,
            escalation_id,
            EscalationState::Delivered,
            None,
            None,
            now,
        )?;
        append_event(
            conn,
            &dispute.id,
            TimelineKind::EscalationDelivered,
            None,
            &dispute.status,
            &dispute.status,
            &json!({"connector": connector}),
            now,
        )?;
        if connector == BUILTIN_CONNECTOR {
            let notice = notice_for(
                &dispute,
                "一件未和解的消费纠纷已转入本辖区 12315 处理队列。",
                "An unsettled dispute has entered your region's 12315 queue.",
            );
            for regulator in regulators_of(conn, &dispute.region_code)? {
                send_notice(conn, ctx, &regulator, &dispute, &notice, true, now)?;
            }
        }
        Ok(true)
    })
}

/// Records a failed delivery attempt; when `dead`, delivery has given up and the escalation
/// waits for an admin to re-drive it.
pub fn record_failure(
    conn: &mut DbConn,
    escalation_id: &str,
    error: &str,
    dead: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    crate::store::write_transaction(conn, |conn| {
        diesel::update(escalations::table.find(escalation_id))
            .set((
                escalations::delivery_attempts.eq(escalations::delivery_attempts + 1),
                escalations::last_delivery_error.eq(Some(error)),
            ))
            .execute(conn)?;
        if dead {
            diesel::update(escalations::table.find(escalation_id))
                .set(escalations::dead_at.eq(Some(to_db_time(now))))
                .execute(conn)?;
            let dispute_id: String = escalations::table
                .find(escalation_id)
                .select(escalations::dispute_id)
                .first(conn)?;
            if let Some((dispute, _)) = find_dispute(conn, &dispute_id)? {
                append_event(
                    conn,
                    &dispute.id,
                    TimelineKind::EscalationDeliveryDead,
                    None,
                    &dispute.status,
                    &dispute.status,
                    &json!({"last_error": error}),
                    now,
                )?;
            }
        }
        Ok(())
    })
}

/// Sends a dead escalation again on an admin's word, audited.
pub fn redrive_by(
    conn: &mut DbConn,
    ctx: &CaseContext,
    actor: &Actor,
    escalation_id: &str,
    now: DateTime<Utc>,
) -> Result<(), CaseError> {
    crate::store::write_transaction(conn, |conn| {
        redrive(conn, ctx, escalation_id, now)?;
        crate::store::audit::record_action(
            conn,
            actor,
            "escalation.redrive",
            "escalation",
            escalation_id,
            None,
            &serde_json::json!({}),
            now,
        )
        .map_err(CaseError::from)
    })
}

/// Records a regulator's 12315 handling step of an escalation of their region (`region`).
#[expect(
    clippy::too_many_arguments,
    reason = "the step, its note and who records it are all needed"
)]
pub fn record_by_regulator(
    conn: &mut DbConn,
    ctx: &CaseContext,
    regulator: &User,
    region: &RegionCode,
    escalation_id: &str,
    to: EscalationState,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), CaseError> {
    let inside = crate::store::disputes::region_of_escalation(conn, escalation_id)?
        .is_some_and(|code| RegionCode::parse(&code).is_ok_and(|r| region.contains(&r)));
    if !inside {
        return Err(CaseError::NotFound("escalation"));
    }
    crate::store::write_transaction(conn, |conn| {
        update(
            conn,
            ctx,
            escalation_id,
            Recorder::Regulator(regulator),
            to,
            note,
            now,
        )
    })
    .map(drop)
}

/// Starts delivery of a dead escalation again, with a fresh retry window.
pub fn redrive(
    conn: &mut DbConn,
    ctx: &CaseContext,
    escalation_id: &str,
    now: DateTime<Utc>,
) -> Result<(), CaseError> {
    crate::store::write_transaction(conn, |conn| {
        let revived = diesel::update(
            escalations::table
                .find(escalation_id)
                .filter(escalations::dead_at.is_not_null())
                .filter(escalations::state.eq(EscalationState::Pending.as_str())),
        )
        .set(escalations::dead_at.eq(None::<chrono::NaiveDateTime>))
        .execute(conn)?;
        if revived == 0 {
            let exists = escalations::table
                .find(escalation_id)
                .count()
                .get_result::<i64>(conn)?
                > 0;
            return Err(if exists {
                CaseError::Conflict(
                    ErrorCode::EscalationNotDead,
                    "Only an escalation whose delivery gave up can be re-driven.".into(),
                )
            } else {
                CaseError::NotFound("escalation")
            });
        }
        queue_delivery(conn, ctx, escalation_id, now)?;
        Ok(())
    })
}

/// An escalation whose delivery gave up.
#[derive(Debug, Clone, Queryable)]
pub struct DeadDelivery {
    pub id: String,
    pub dispute_id: String,
    pub case_number: String,
    pub connector: String,
    pub delivery_attempts: i64,
    pub last_delivery_error: Option<String>,
    pub created_at: chrono::NaiveDateTime,
    pub dead_at: Option<chrono::NaiveDateTime>,
}

/// Every escalation whose delivery gave up, oldest first.
pub fn list_dead(conn: &mut DbConn) -> Result<Vec<DeadDelivery>, StoreError> {
    use crate::store::schema::disputes;
    Ok(escalations::table
        .inner_join(disputes::table)
        .filter(escalations::dead_at.is_not_null())
        .order(escalations::dead_at)
        .select((
            escalations::id,
            escalations::dispute_id,
            disputes::case_number,
            escalations::connector,
            escalations::delivery_attempts,
            escalations::last_delivery_error,
            escalations::created_at,
            escalations::dead_at,
        ))
        .load(conn)?)
}

/// Who records a handling step.
#[derive(Debug, Clone, Copy)]
pub enum Recorder<'a> {
    /// A regulator of the region, one step at a time.
    Regulator(&'a User),
    /// The gateway of `connector` on its signed callback; it may report a later step
    /// without the ones between, and repeating the current step changes nothing.
    Gateway(&'a str),
}

/// Records the handling step `to` (with `note`, required when not accepted). Returns whether
/// anything changed.
pub fn update(
    conn: &mut DbConn,
    ctx: &CaseContext,
    escalation_id: &str,
    by: Recorder<'_>,
    to: EscalationState,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, CaseError> {
    let (state, dispute_id, connector): (String, String, String) = escalations::table
        .find(escalation_id)
        .select((
            escalations::state,
            escalations::dispute_id,
            escalations::connector,
        ))
        .first(conn)
        .optional()?
        .ok_or(CaseError::NotFound("escalation"))?;
    let from = EscalationState::parse(&state).ok_or_else(|| StoreError::Corrupt(state.clone()))?;
    let allowed = match by {
        Recorder::Regulator(_) => from.may_become(to),
        Recorder::Gateway(name) if name != connector => {
            return Err(CaseError::NotFound("escalation"));
        }
        Recorder::Gateway(_) if from == to => return Ok(false),
        Recorder::Gateway(_) => from.may_reach(to),
    };
    if !allowed {
        return Err(CaseError::Conflict(
            ErrorCode::InvalidEscalationTransition,
            format!(
                "An escalation that is {} cannot become {}.",
                from.as_str(),
                to.as_str()
            ),
        ));
    }
    if to.needs_note() && note.is_none_or(|n| n.trim().chars().count() < 2) {
        return Err(CaseError::invalid(
            "note",
            "reason_required",
            "give the reason for not accepting",
        ));
    }
    let moved = diesel::update(
        escalations::table
            .filter(escalations::id.eq(escalation_id))
            .filter(escalations::state.eq(from.as_str())),
    )
    .set(escalations::state.eq(to.as_str()))
    .execute(conn)?;
    if moved == 0 {
        return Err(CaseError::Conflict(
            ErrorCode::EscalationChangedConcurrently,
            "The escalation changed meanwhile; reload it.".into(),
        ));
    }
    let (regulator, reported_by) = match by {
        Recorder::Regulator(user) => (Some(user.id.as_str()), "regulator"),
        Recorder::Gateway(name) => (None, name),
    };
    record(conn, escalation_id, to, note, regulator, now)?;
    let (dispute, _) = find_dispute(conn, &dispute_id)?.ok_or(CaseError::NotFound("dispute"))?;
    if to == EscalationState::CaseFiled {
        super::metrics::on_case_filed(conn, &dispute, now)?;
    }
    append_event(
        conn,
        &dispute.id,
        TimelineKind::EscalationStatus,
        regulator.map(|id| (id, "regulator")),
        &dispute.status,
        &dispute.status,
        &json!({"status": to.as_str(), "note": note, "reported_by": reported_by}),
        now,
    )?;
    let notice = notice_for(
        &dispute,
        &format!("12315 处理进展：{}。", to.as_str()),
        &format!("12315 handling: {}.", to.as_str()),
    );
    if let Some(consumer) = crate::store::users::find_user(conn, &dispute.consumer_id)? {
        send_notice(conn, ctx, &consumer, &dispute, &notice, false, now)?;
    }
    Ok(true)
}

/// An escalation in a regulator's queue.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub id: String,
    pub dispute_id: String,
    pub case_number: String,
    pub business_id: String,
    pub region_code: String,
    pub reason: String,
    pub initiated_by: String,
    pub state: String,
    pub created_at: DateTime<Utc>,
}

/// Escalations of disputes in regions starting with `region_prefix`, newest first.
pub fn queue(
    conn: &mut DbConn,
    region_prefix: &str,
    state: Option<&str>,
    limit: i64,
) -> Result<Vec<QueueItem>, StoreError> {
    use crate::store::schema::disputes;
    let mut query = escalations::table
        .inner_join(disputes::table)
        .filter(crate::in_region!(disputes::region_code, region_prefix))
        .order((escalations::created_at.desc(), escalations::id.desc()))
        .limit(limit)
        .select((
            escalations::id,
            escalations::dispute_id,
            disputes::case_number,
            disputes::business_id,
            disputes::region_code,
            escalations::reason,
            escalations::initiated_by,
            escalations::state,
            escalations::created_at,
        ))
        .into_boxed();
    if let Some(state) = state {
        query = query.filter(escalations::state.eq(state.to_string()));
    }
    type Row = (
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        chrono::NaiveDateTime,
    );
    let rows: Vec<Row> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(
                id,
                dispute_id,
                case_number,
                business_id,
                region_code,
                reason,
                initiated_by,
                state,
                created_at,
            )| QueueItem {
                id,
                dispute_id,
                case_number,
                business_id,
                region_code,
                reason,
                initiated_by,
                state,
                created_at: crate::store::from_db_time(created_at),
            },
        )
        .collect())
}
