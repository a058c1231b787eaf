//! Keeps the daily metric counters (DESIGN §5) in step with dispute events, in the same
//! transaction as each event.

use chrono::{DateTime, Utc};
use chrono_tz::Asia::Shanghai;
use diesel::prelude::*;

use super::CaseContext;
use crate::domain::dispute::{Actor, Event, Status};
use crate::domain::metrics::Counters;
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

/// What one transition changed, as `act` saw it.
#[derive(Debug, Clone, Copy)]
pub struct Change {
    pub from: Status,
    pub to: Status,
    pub event: Event,
    pub actor: Actor,
    pub first_contact_now: bool,
    pub fulfilment_marked: bool,
}

/// Counts a transition of `d` (already saved) at `now`.
pub fn on_transition(
    conn: &mut DbConn,
    ctx: &CaseContext,
    d: &Dispute,
    change: &Change,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut today = Counters::default();
    if change.actor == Actor::Merchant {
        today.handled = 1;
    }
    if change.to.is_terminal() && !change.from.is_terminal() {
        let due = from_db_time(d.settlement_due_at);
        let filed = from_db_time(d.filed_at);
        today.concluded = 1;
        today.cycle_days_sum = i64::from(ctx.calendar.working_days_between(filed, now));
        match change.to {
            Status::Resolved => {
                today.settled = 1;
                if let Some(s) = find_settlement(conn, &d.id)? {
                    if from_db_time(s.agreed_at) <= due {
                        today.concluded_on_time = 1;
                    }
                    if change.fulfilment_marked {
                        today.recovered_fen = s.amount_fen;
                    }
                }
            }
            Status::Withdrawn => {
                today.withdrawn = 1;
                // A withdrawal after agreeing a settlement still ends it without escalation.
                if now <= due || find_settlement(conn, &d.id)?.is_some() {
                    today.concluded_on_time = 1;
                }
            }
            Status::Escalated => {
                today.escalated = 1;
                if change.event == Event::Decline && now <= due {
                    today.concluded_on_time = 1;
                }
            }
            _ => {}
        }
    }
    if today != Counters::default() {
        let k = key(conn, d, now)?;
        bump(conn, &k, &today)?;
    }
    if change.first_contact_now && now <= from_db_time(d.first_contact_due_at) {
        // Counted on the filing day: the first-contact rate is over disputes filed.
        let k = key(conn, d, from_db_time(d.filed_at))?;
        bump(
            conn,
            &k,
            &Counters {
                first_contact_on_time: 1,
                ..Counters::default()
            },
        )?;
    }
    if change.event == Event::Rate
        && let (Some(rating), Some(concluded)) = (d.rating, d.concluded_at)
    {
        // Counted on the conclusion day: satisfaction is over disputes concluded.
        let k = key(conn, d, from_db_time(concluded))?;
        bump(
            conn,
            &k,
            &Counters {
                rated: 1,
                rating_sum: rating,
                rated_high: i64::from(rating >= 4),
                ..Counters::default()
            },
        )?;
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
