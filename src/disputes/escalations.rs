//! Escalations to 12315 through the `builtin` connector: delivery puts the case in the queue
//! of the regulators of the unit's region (and tells them), who then record its handling.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;

use super::notices::{Notice, send_notice};
use super::{CaseContext, CaseError};
use crate::domain::escalation::EscalationState;
use crate::domain::region::RegionCode;
use crate::domain::role::Role;
use crate::store::disputes::{Dispute, append_event, find_dispute};
use crate::store::schema::{escalation_updates, escalations, users};
use crate::store::users::User;
use crate::store::{DbConn, StoreError, new_id, to_db_time};

/// The regulators whose region contains `region_code`.
fn regulators_of(conn: &mut DbConn, region_code: &str) -> Result<Vec<User>, StoreError> {
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

/// Delivers a pending escalation to the regulators of its region. Idempotent: an escalation
/// already delivered is left alone, so a retried or duplicated job changes nothing.
pub fn deliver(
    conn: &mut DbConn,
    ctx: &CaseContext,
    escalation_id: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    conn.transaction(|conn| {
        let moved = diesel::update(
            escalations::table
                .filter(escalations::id.eq(escalation_id))
                .filter(escalations::state.eq(EscalationState::Pending.as_str())),
        )
        .set(escalations::state.eq(EscalationState::Delivered.as_str()))
        .execute(conn)?;
        if moved == 0 {
            return Ok(false);
        }
        let dispute_id: String = escalations::table
            .find(escalation_id)
            .select(escalations::dispute_id)
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
            "escalation_delivered",
            None,
            &dispute.status,
            &dispute.status,
            &json!({"connector": "builtin"}),
            now,
        )?;
        let notice = notice_for(
            &dispute,
            "一件未和解的消费纠纷已转入本辖区 12315 处理队列。",
            "An unsettled dispute has entered your region's 12315 queue.",
        );
        for regulator in regulators_of(conn, &dispute.region_code)? {
            send_notice(conn, ctx, &regulator, &dispute, &notice, true, now)?;
        }
        Ok(true)
    })
}

/// Records the regulator's handling step `to` (with `note`, required when not accepted).
pub fn update(
    conn: &mut DbConn,
    ctx: &CaseContext,
    escalation_id: &str,
    regulator: &User,
    to: EscalationState,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), CaseError> {
    let (state, dispute_id): (String, String) = escalations::table
        .find(escalation_id)
        .select((escalations::state, escalations::dispute_id))
        .first(conn)
        .optional()?
        .ok_or(CaseError::NotFound("escalation"))?;
    let from = EscalationState::parse(&state).ok_or_else(|| StoreError::Corrupt(state.clone()))?;
    if !from.may_become(to) {
        return Err(CaseError::Conflict(
            "invalid_escalation_transition",
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
            "escalation_changed_concurrently",
            "The escalation changed meanwhile; reload it.".into(),
        ));
    }
    record(conn, escalation_id, to, note, Some(&regulator.id), now)?;
    let (dispute, _) = find_dispute(conn, &dispute_id)?.ok_or(CaseError::NotFound("dispute"))?;
    append_event(
        conn,
        &dispute.id,
        "escalation_status",
        Some((&regulator.id, "regulator")),
        &dispute.status,
        &dispute.status,
        &json!({"status": to.as_str(), "note": note}),
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
    Ok(())
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
        .filter(disputes::region_code.like(format!("{region_prefix}%")))
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
