//! Keeps the metric counters (docs/metrics.md#counters) in step with dispute events, in the
//! same transaction as each event (a filing's in its follow-up,
//! docs/architecture.md#filing-follow-up).

use chrono::{DateTime, Utc};
use chrono_tz::Asia::Shanghai;

use super::CaseContext;
use crate::domain::dispute::Status;
use crate::domain::metrics::{Counters, Step, StepFacts, step_counters};
use crate::store::disputes::Dispute;
use crate::store::metrics::{DayKey, bump};
use crate::store::negotiation::find_settlement;
use crate::store::{DbConn, StoreError, from_db_time};

fn key(conn: &mut DbConn, d: &Dispute, at: DateTime<Utc>) -> Result<DayKey, StoreError> {
    let association_id = crate::store::businesses::association_of(conn, &d.business_id)?;
    Ok(key_with(d, at, association_id))
}

fn key_with(d: &Dispute, at: DateTime<Utc>, association_id: Option<String>) -> DayKey {
    DayKey {
        day: at.with_timezone(&Shanghai).date_naive(),
        unit_id: d.unit_id.clone(),
        region_code: d.region_code.clone(),
        industry_code: d.industry_code.clone(),
        association_id,
    }
}

/// A dispute was filed with a business of `association_id`.
pub fn on_filed(
    conn: &mut DbConn,
    d: &Dispute,
    association_id: Option<String>,
) -> Result<(), StoreError> {
    let k = key_with(d, from_db_time(d.filed_at), association_id);
    bump(
        conn,
        &k,
        &Counters {
            filed: 1,
            ..Counters::default()
        },
    )
}

/// What the metrics need of a dispute as it was just before a step.
#[derive(Debug, Clone, Copy)]
pub struct Before {
    first_contacted_at: Option<DateTime<Utc>>,
    first_contact_lapse_counted: bool,
    paused_since: Option<DateTime<Utc>>,
}

impl Before {
    /// Takes the facts from the dispute before the step changes it.
    pub fn of(d: &Dispute) -> Self {
        Self {
            first_contacted_at: d.first_contacted_at.map(from_db_time),
            first_contact_lapse_counted: d.first_contact_lapsed_at.is_some(),
            paused_since: d.paused_at.map(from_db_time),
        }
    }
}

/// Counts a step of `d` (already saved), `before` being the dispute just before it.
pub fn on_transition(
    conn: &mut DbConn,
    ctx: &CaseContext,
    d: &Dispute,
    before: &Before,
    step: &Step,
) -> Result<(), StoreError> {
    let agreement_fen = if step.from == Status::Settled {
        find_settlement(conn, &d.id)?.map(|s| s.amount_fen)
    } else {
        None
    };
    let facts = StepFacts {
        filed_at: from_db_time(d.filed_at),
        first_contact_due_at: from_db_time(d.first_contact_due_at),
        settlement_due_at: from_db_time(d.settlement_due_at),
        first_contacted_at: before.first_contacted_at,
        first_contact_lapse_counted: before.first_contact_lapse_counted,
        paused_since: before.paused_since.filter(|_| step.from == Status::Paused),
        agreement_fen,
        rating: d.rating,
        concluded_at: d.concluded_at.map(from_db_time),
        visit_rating: if step.event == crate::domain::dispute::Event::Rate {
            crate::store::following::latest_visit_rating(conn, &d.id)?
        } else {
            None
        },
    };
    let counters = step_counters(step, &facts, &ctx.calendar);
    if counters.is_empty() {
        return Ok(());
    }
    let association_id = crate::store::businesses::association_of(conn, &d.business_id)?;
    for (at, delta) in counters {
        bump(conn, &key_with(d, at, association_id.clone()), &delta)?;
    }
    Ok(())
}

/// A return visit of `d` moved the satisfaction said at its latest visit from `before` to
/// `after` (docs/following.md#return-visits): counted on the day `d` concluded while the
/// consumer has not rated it in the app, never for a dispute ruled no consumer dispute.
pub fn on_return_visit(
    conn: &mut DbConn,
    d: &Dispute,
    before: Option<i64>,
    after: Option<i64>,
) -> Result<(), StoreError> {
    let Some(concluded) = d.concluded_at.map(from_db_time) else {
        return Ok(());
    };
    if d.rating.is_some() || d.status == Status::Rejected.as_str() || before == after {
        return Ok(());
    }
    let k = key(conn, d, concluded)?;
    bump(
        conn,
        &k,
        &crate::domain::metrics::visit_counters(before, after),
    )
}

/// The regulator turned an escalation into an enforcement case (诉转案).
pub fn on_case_filed(conn: &mut DbConn, d: &Dispute, now: DateTime<Utc>) -> Result<(), StoreError> {
    let k = key(conn, d, now)?;
    bump(
        conn,
        &k,
        &Counters {
            case_filed: 1,
            ..Counters::default()
        },
    )
}
