//! Keeps the daily metric counters (DESIGN §5) in step with dispute events, in the same
//! transaction as each event.

use chrono::{DateTime, Utc};
use chrono_tz::Asia::Shanghai;
use diesel::prelude::*;

use super::CaseContext;
use crate::domain::metrics::{Counters, Step, StepFacts, step_counters};
use crate::store::disputes::Dispute;
use crate::store::metrics::{DayKey, bump};
use crate::store::negotiation::find_settlement;
use crate::store::schema::businesses;
use crate::store::{DbConn, StoreError, from_db_time};

fn key(conn: &mut DbConn, d: &Dispute, at: DateTime<Utc>) -> Result<DayKey, StoreError> {
    let association_id: Option<String> = businesses::table
        .find(&d.business_id)
        .select(businesses::association_id)
        .first(conn)
        .optional()?
        .flatten();
    Ok(DayKey {
        day: at.with_timezone(&Shanghai).date_naive(),
        unit_id: d.unit_id.clone(),
        region_code: d.region_code.clone(),
        industry_code: d.industry_code.clone(),
        association_id,
    })
}

/// A dispute was filed.
pub fn on_filed(conn: &mut DbConn, d: &Dispute) -> Result<(), StoreError> {
    let at = from_db_time(d.filed_at);
    let k = key(conn, d, at)?;
    bump(
        conn,
        &k,
        &Counters {
            filed: 1,
            ..Counters::default()
        },
    )
}

/// Counts a step of `d` (already saved).
pub fn on_transition(
    conn: &mut DbConn,
    ctx: &CaseContext,
    d: &Dispute,
    step: &Step,
) -> Result<(), StoreError> {
    let now = step.at;
    let filed_at = from_db_time(d.filed_at);
    let concludes = step.to.is_terminal() && !step.from.is_terminal();
    let settlement = if concludes {
        find_settlement(conn, &d.id)?.map(|s| (from_db_time(s.agreed_at), s.amount_fen))
    } else {
        None
    };
    let facts = StepFacts {
        filed_at,
        first_contact_due_at: from_db_time(d.first_contact_due_at),
        settlement_due_at: from_db_time(d.settlement_due_at),
        settlement,
        rating: d.rating,
        concluded_at: d.concluded_at.map(from_db_time),
        cycle_working_days: if concludes {
            i64::from(ctx.calendar.working_days_between(filed_at, now))
        } else {
            0
        },
    };
    for (at, delta) in step_counters(step, &facts) {
        let k = key(conn, d, at)?;
        bump(conn, &k, &delta)?;
    }
    Ok(())
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
