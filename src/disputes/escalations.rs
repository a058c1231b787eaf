//! Escalations to 12315 (docs/escalation.md#delivery): delivery through the `builtin` connector (the queue of
//! the regulators of the unit's region) or an HTTP gateway, retries until the escalation is
//! dead, re-drives, and the handling steps recorded by regulators or reported by gateways.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::notices::{Arg, EmailBatch, Notice, Said, send_notice};
use super::{CaseContext, CaseError};
use crate::config::BUILTIN_CONNECTOR;
use crate::domain::access::Actor;
use crate::domain::bureau::{BureauDue, bureau_dues};
use crate::domain::calendar::Calendar;
use crate::domain::dispute::TimelineKind;
use crate::domain::escalation::EscalationState;
use crate::domain::policy::DeadlinePolicy;
use crate::domain::region::RegionCode;
use crate::error::ErrorCode;
use crate::jobs::{Job, enqueue_jobs};
use crate::store::disputes::{Dispute, append_event, find_dispute, find_disputes};
use crate::store::escalations as stored;
use crate::store::escalations::BureauSource;
use crate::store::users::User;
use crate::store::{DbConn, StoreError, from_db_time};

/// The regulators whose region contains `region_code`, read once per write transaction.
pub fn regulators_of(conn: &mut DbConn, region_code: &str) -> Result<Vec<User>, StoreError> {
    let Ok(region) = RegionCode::parse(region_code) else {
        return Ok(Vec::new());
    };
    // A regulator's region contains this one when it is this one or encloses it.
    let regions: Vec<String> = std::iter::successors(Some(region), RegionCode::parent)
        .map(|r| r.as_str().to_string())
        .collect();
    crate::store::transaction_state::remembered(conn, "regulators", region_code, |conn| {
        crate::store::users::active_regulators(conn, &regions)
    })
}

fn notice_for(dispute: &Dispute, what: Said) -> Notice {
    Notice::Update {
        case_number: dispute.case_number.clone(),
        what,
    }
}

/// Adds the jobs that deliver escalations `ids` (made at `now`) in one statement; failures are
/// retried for `escalation.retry_hours`, then the escalation is dead.
pub fn queue_deliveries(
    conn: &mut DbConn,
    ctx: &CaseContext,
    ids: &[String],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let jobs: Vec<Job> = ids
        .iter()
        .map(|id| Job::DeliverEscalation {
            escalation_id: id.clone(),
        })
        .collect();
    enqueue_jobs(
        conn,
        &jobs,
        // The give-up moment bounds the retries, not a count.
        i64::from(u16::MAX),
        now,
        Some(now + Duration::hours(ctx.escalation.retry_hours)),
    )
}

/// What the deliveries of escalations `ids` need, by escalation: the connector, the stored
/// packet, and whether it is still pending. One statement for them all.
pub fn deliveries_of(
    conn: &mut DbConn,
    ids: &[String],
) -> Result<HashMap<String, (String, String, bool)>, StoreError> {
    Ok(stored::find_deliveries(conn, ids)?
        .into_iter()
        .map(|(id, connector, packet, state)| {
            let pending = state == EscalationState::Pending.as_str();
            (id, (connector, packet, pending))
        })
        .collect())
}

/// Marks those of escalations `ids` still pending delivered, each through its connector and
/// with a timeline entry, in the caller's write transaction; the `builtin` connector also
/// tells the regulators of the region. Idempotent: an escalation already delivered is left
/// alone, so a retried or duplicated job changes nothing. A statement each for the
/// escalations, their disputes and their handling steps, however many they are.
pub fn mark_delivered(
    conn: &mut DbConn,
    ctx: &CaseContext,
    ids: &[String],
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let marked = stored::mark_delivered(conn, ids, now)?;
    if marked.is_empty() {
        return Ok(0);
    }
    let escalation_ids: Vec<&str> = marked.iter().map(|(id, ..)| id.as_str()).collect();
    stored::insert_updates(
        conn,
        &escalation_ids,
        EscalationState::Delivered,
        None,
        None,
        now,
    )?;
    let dispute_ids: Vec<String> = marked.iter().map(|(_, d, _)| d.clone()).collect();
    let disputes = find_disputes(conn, &dispute_ids)?;
    // A regulator is told of a turn's deliveries in one email.
    let emails = EmailBatch::open();
    for (_, dispute_id, connector) in &marked {
        let dispute = disputes.get(dispute_id).ok_or(StoreError::NotFound)?;
        append_event(
            conn,
            &dispute.id,
            &dispute.region_code,
            TimelineKind::EscalationDelivered,
            None,
            &dispute.status,
            &dispute.status,
            &json!({"connector": connector}),
            now,
        )?;
        if connector == BUILTIN_CONNECTOR {
            let notice = notice_for(dispute, Said::new("notice-escalation-queued"));
            let regulators = regulators_of(conn, &dispute.region_code)?;
            send_notice(conn, ctx, &regulators, dispute, &notice, true, now)?;
        }
    }
    emails.finish(conn, ctx, now)?;
    Ok(marked.len())
}

/// Records a failed delivery attempt of a pending escalation (one delivered meanwhile is left
/// alone); when `dead`, delivery has given up and the escalation waits for an admin to
/// re-drive it.
pub fn record_failure(
    conn: &mut DbConn,
    escalation_id: &str,
    error: &str,
    dead: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    crate::store::write_transaction(conn, |conn| {
        if !stored::record_failed_attempt(conn, escalation_id, error)? {
            return Ok(());
        }
        if dead {
            stored::mark_dead(conn, escalation_id, now)?;
            let dispute_id = stored::dispute_of(conn, escalation_id)?;
            if let Some((dispute, _)) = find_dispute(conn, &dispute_id)? {
                append_event(
                    conn,
                    &dispute.id,
                    &dispute.region_code,
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

/// Records a regulator's 12315 handling step of an escalation of their region (`region`);
/// answers the escalated dispute's id.
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
) -> Result<String, CaseError> {
    let dispute_id = crate::store::disputes::region_of_escalation(conn, escalation_id)?
        .filter(|(code, _)| RegionCode::parse(code).is_ok_and(|r| region.contains(&r)))
        .map(|(_, dispute_id)| dispute_id)
        .ok_or(CaseError::NotFound("escalation"))?;
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
    .map(|_| dispute_id)
}

/// Starts delivery of a dead escalation again, with a fresh retry window.
pub fn redrive(
    conn: &mut DbConn,
    ctx: &CaseContext,
    escalation_id: &str,
    now: DateTime<Utc>,
) -> Result<(), CaseError> {
    crate::store::write_transaction(conn, |conn| {
        if !stored::revive(conn, escalation_id)? {
            let exists = stored::escalation_exists(conn, escalation_id)?;
            return Err(if exists {
                CaseError::Conflict(
                    ErrorCode::EscalationNotDead,
                    "Only an escalation whose delivery gave up can be re-driven.".into(),
                )
            } else {
                CaseError::NotFound("escalation")
            });
        }
        queue_deliveries(conn, ctx, &[escalation_id.to_string()], now)?;
        Ok(())
    })
}

/// Who records a handling step.
#[derive(Debug, Clone, Copy)]
pub enum Recorder<'a> {
    /// A regulator of the region, one step at a time.
    Regulator(&'a User),
    /// The mediator of the escalation's mediation, ending it (docs/mediation.md).
    Mediator(&'a User),
    /// A regulator referring the case to mediation: the steps up to `mediating`, recorded as
    /// theirs without a notice each (the referral's own notice tells the parties).
    Referral(&'a User),
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
    let (state, dispute_id, connector) =
        stored::find_state(conn, escalation_id)?.ok_or(CaseError::NotFound("escalation"))?;
    let from = EscalationState::parse(&state).ok_or_else(|| StoreError::Corrupt(state.clone()))?;
    let allowed = match by {
        Recorder::Regulator(_) | Recorder::Mediator(_) | Recorder::Referral(_) => {
            from.may_become(to)
        }
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
    // A mediation's end is its mediator's to record (docs/mediation.md#the-outcome).
    if matches!(by, Recorder::Regulator(_))
        && matches!(
            to,
            EscalationState::Mediated | EscalationState::MediationFailed
        )
        && crate::store::mediations::open_mediation_of(conn, &dispute_id)?.is_some()
    {
        return Err(CaseError::Conflict(
            ErrorCode::MediationRunning,
            "A mediator mediates this case: they record its outcome, or withdraw the referral first."
                .into(),
        ));
    }
    if to.needs_note() && note.is_none_or(|n| n.trim().chars().count() < 2) {
        return Err(CaseError::invalid(
            "note",
            "reason_required",
            "give the reason for not accepting",
        ));
    }
    if !stored::move_state(conn, escalation_id, from, to)? {
        return Err(CaseError::Conflict(
            ErrorCode::EscalationChangedConcurrently,
            "The escalation changed meanwhile; reload it.".into(),
        ));
    }
    let (regulator, reported_by) = match by {
        Recorder::Regulator(user) | Recorder::Referral(user) => {
            (Some(user.id.as_str()), "regulator")
        }
        Recorder::Mediator(user) => (Some(user.id.as_str()), "mediator"),
        Recorder::Gateway(name) => (None, name),
    };
    stored::insert_updates(conn, &[escalation_id], to, note, regulator, now)?;
    let (dispute, _) = find_dispute(conn, &dispute_id)?.ok_or(CaseError::NotFound("dispute"))?;
    if to == EscalationState::CaseFiled {
        super::metrics::on_case_filed(conn, &dispute, now)?;
    }
    append_event(
        conn,
        &dispute.id,
        &dispute.region_code,
        TimelineKind::EscalationStatus,
        regulator.map(|id| (id, reported_by)),
        &dispute.status,
        &dispute.status,
        &json!({"status": to.as_str(), "note": note, "reported_by": reported_by}),
        now,
    )?;
    if matches!(by, Recorder::Referral(_)) {
        return Ok(true);
    }
    let notice = notice_for(
        &dispute,
        Said::new("notice-escalation-progress")
            .with("state", Arg::Label("escalation_state", to.as_str().into())),
    );
    if let Some(consumer) = crate::store::users::find_user(conn, &dispute.consumer_id)? {
        send_notice(conn, ctx, [&consumer], &dispute, &notice, false, now)?;
    }
    // The end of a mediation is told to both parties (docs/escalation.md#the-bureaus-own-deadlines):
    // the business's staff too, in the app and by email.
    if matches!(
        to,
        EscalationState::Mediated | EscalationState::MediationFailed
    ) {
        let staff = crate::store::users::staff_of(conn, &dispute.business_id)?;
        let active = staff.iter().filter(|s| s.is_active);
        send_notice(conn, ctx, active, &dispute, &notice, true, now)?;
    }
    Ok(true)
}

/// The bureau's limits on the escalation `src` describes, as they stand
/// (docs/escalation.md#the-bureaus-own-deadlines).
pub fn bureau_dues_of_source(
    calendar: &Calendar,
    src: &BureauSource,
) -> Result<Vec<BureauDue>, StoreError> {
    let policy = DeadlinePolicy::from_stored(&src.policy)
        .map_err(|e| StoreError::Corrupt(format!("dispute policy: {e}")))?;
    let steps: Vec<(EscalationState, DateTime<Utc>)> = src
        .steps
        .iter()
        .filter_map(|(state, at)| Some((state.parse().ok()?, from_db_time(*at))))
        .collect();
    Ok(bureau_dues(
        &policy.bureau,
        calendar,
        from_db_time(src.arrived_at),
        src.state.parse()?,
        &steps,
    ))
}

/// The bureau's limit running now on an escalation: the one due first among those not met.
#[derive(Debug, Clone, Copy)]
pub struct RunningLimit {
    pub deadline: crate::domain::bureau::BureauDeadline,
    pub due_at: DateTime<Utc>,
}

/// The running limit of each of the escalations `sources` describe that has one, by
/// escalation id and by dispute id (the queue lists escalations, an officer's list disputes).
pub fn running_limits(
    calendar: &Calendar,
    sources: &[BureauSource],
) -> Result<HashMap<String, RunningLimit>, StoreError> {
    let mut out = HashMap::new();
    for src in sources {
        let dues = bureau_dues_of_source(calendar, src)?;
        let running = dues
            .iter()
            .filter(|d| d.met_at.is_none())
            .min_by_key(|d| d.due.due_at);
        if let Some(due) = running {
            let limit = RunningLimit {
                deadline: due.deadline,
                due_at: due.due.due_at,
            };
            out.insert(src.escalation_id.clone(), limit);
            out.insert(src.dispute_id.clone(), limit);
        }
    }
    Ok(out)
}
