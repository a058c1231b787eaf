//! The sweeper: applies every lapse of docs/lifecycle.md#transitions that is due. Each dispute is handled in its
//! own transaction through the same rules as a person's action, with the optimistic version
//! check, so several nodes sweeping at once change each dispute once and notify once.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::actions::{Acting, Action, act};
use super::{CaseContext, CaseError};
use crate::domain::dispute::TimelineKind;
use crate::store::disputes::append_event;
use crate::store::timers::{
    awaiting_confirmation, expire_offer, expired_open_offers, first_contact_lapsed,
    fulfilment_lapsed, settlement_lapsed,
};
use crate::store::{DbConn, StoreError, from_db_time};

/// What one sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepReport {
    pub first_contacts_flagged: usize,
    pub escalated_unsettled: usize,
    pub escalated_unfulfilled: usize,
    pub resolved_unanswered: usize,
    pub offers_expired: usize,
    pub reminders_sent: usize,
    pub digests_sent: usize,
    pub anonymised: usize,
    pub reports_archived: usize,
    /// Audit entries put onto the hash chain (docs/metrics.md#audit).
    pub audit_sealed: usize,
}

impl SweepReport {
    /// Whether the sweep changed no dispute and sent nothing (sealing audit entries aside).
    pub fn is_quiet(&self) -> bool {
        *self
            == Self {
                audit_sealed: self.audit_sealed,
                ..Self::default()
            }
    }
}

/// Disputes due for each lapse at `now`.
fn candidates(conn: &mut DbConn, now: DateTime<Utc>) -> Result<Vec<(String, Action)>, StoreError> {
    let mut due = Vec::new();
    let first = first_contact_lapsed(conn, now)?;
    due.extend(first.into_iter().map(|id| (id, Action::FirstContactLapsed)));
    let unsettled = settlement_lapsed(conn, now)?;
    due.extend(
        unsettled
            .into_iter()
            .map(|id| (id, Action::SettlementLapsed)),
    );
    let unfulfilled = fulfilment_lapsed(conn, now)?;
    due.extend(
        unfulfilled
            .into_iter()
            .map(|id| (id, Action::FulfilmentLapsed)),
    );
    let fulfilled = awaiting_confirmation(conn)?;
    for (id, fulfilled_at, policy) in fulfilled {
        let window = serde_json::from_str::<crate::domain::policy::DeadlinePolicy>(&policy)
            .map(|p| p.confirmation_window_days)
            .unwrap_or(7);
        if fulfilled_at.is_some_and(|f| from_db_time(f) + Duration::days(i64::from(window)) < now) {
            due.push((id, Action::ConfirmationLapsed));
        }
    }
    Ok(due)
}

/// Closes open offers past their expiry, each with a timeline entry.
fn expire_offers(conn: &mut DbConn, now: DateTime<Utc>) -> Result<usize, StoreError> {
    crate::store::write_transaction(conn, |conn| {
        let expired = expired_open_offers(conn, now)?;
        for (offer_id, dispute_id, status) in &expired {
            let closed = expire_offer(conn, offer_id, now)?;
            if closed {
                append_event(
                    conn,
                    dispute_id,
                    TimelineKind::OfferExpired,
                    None,
                    status,
                    status,
                    &json!({"offer_id": offer_id}),
                    now,
                )?;
            }
        }
        Ok(expired.len())
    })
}

/// At most this many batches of 1,000 audit entries are sealed per sweep, so that a burst of
/// writes cannot hold up the timers; the rest wait for the next sweep.
const SEAL_BATCHES_PER_SWEEP: usize = 50;

/// Applies every lapse due at `now`. Disputes another node or person changed meanwhile are
/// left to the next sweep.
pub fn sweep(
    conn: &mut DbConn,
    ctx: &CaseContext,
    now: DateTime<Utc>,
) -> Result<SweepReport, StoreError> {
    // First, so that no failure below keeps audit entries off the chain; a broken chain is
    // reported and never stops the timers.
    let audit_sealed = crate::store::audit::seal_waiting(conn, SEAL_BATCHES_PER_SWEEP)
        .unwrap_or_else(|error| {
            tracing::error!(%error, "audit entries not sealed");
            0
        });
    let mut report = SweepReport {
        offers_expired: expire_offers(conn, now)?,
        audit_sealed,
        ..SweepReport::default()
    };
    for (id, action) in candidates(conn, now)? {
        let outcome = crate::store::write_transaction(conn, |conn| {
            act(conn, ctx, &id, &Acting::system(), &action, now)
        });
        match outcome {
            Ok(()) => match action {
                Action::FirstContactLapsed => report.first_contacts_flagged += 1,
                Action::SettlementLapsed => report.escalated_unsettled += 1,
                Action::FulfilmentLapsed => report.escalated_unfulfilled += 1,
                Action::ConfirmationLapsed => report.resolved_unanswered += 1,
                _ => {}
            },
            Err(CaseError::Rule(_) | CaseError::Conflict(..) | CaseError::NotFound(_)) => {}
            Err(CaseError::Store(e)) => return Err(e),
            Err(other) => return Err(StoreError::Corrupt(other.to_string())),
        }
    }
    report.reminders_sent = super::reminders::send_reminders(conn, ctx, now)?;
    report.digests_sent = super::reminders::send_digests(conn, ctx, now)?;
    report.anonymised = super::retention::anonymise_expired(conn, ctx, now)?;
    if let Some(hour) = ctx.report_hour {
        report.reports_archived = crate::oversight::reports::run_schedule(conn, hour, now)?;
    }
    Ok(report)
}
