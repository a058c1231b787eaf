//! The sweeper: applies every lapse of docs/lifecycle.md#transitions that is due. Up to 100
//! disputes are handled in one transaction through the same rules as a person's action, with
//! the optimistic version check, so several nodes sweeping at once change each dispute once and
//! notify once; on PostgreSQL a node skips the disputes another node's sweep holds, so they
//! share the work. A batch whose lapse fails for one dispute is applied again with a savepoint
//! per dispute, so one failing dispute does not hold up the others. A batch's emails go out
//! one per person and kind of notice ([`EmailBatch`]).

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::actions::{Acting, Action, EscalationBatch, act_on_read};
use super::notices::EmailBatch;
use super::{CaseContext, CaseError};
use crate::domain::dispute::{Deadline, TimelineKind};
use crate::domain::policy::DeadlinePolicy;
use crate::store::disputes::append_event;
use crate::store::timers::{
    PageEnd, Seen, awaiting_confirmation, claim_for_sweep, expire_offer, expired_open_offers,
    lapsed,
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
    /// Filings whose follow-up had not run 10 minutes on, queued for it again
    /// (docs/architecture.md#filing-follow-up).
    pub follow_ups_queued_again: usize,
}

impl SweepReport {
    /// Adds the lapses another pass applied.
    pub fn add_lapses(&mut self, pass: &Self) {
        self.first_contacts_flagged += pass.first_contacts_flagged;
        self.escalated_unsettled += pass.escalated_unsettled;
        self.escalated_unfulfilled += pass.escalated_unfulfilled;
        self.resolved_unanswered += pass.resolved_unanswered;
    }

    /// Whether the sweep changed no dispute and sent nothing (sealing audit entries aside).
    pub fn is_quiet(&self) -> bool {
        *self
            == Self {
                audit_sealed: self.audit_sealed,
                ..Self::default()
            }
    }
}

/// The next page of disputes due for `action` at `now`, after `after` (each with the version
/// it has), with where it ends when another page may follow.
fn due_page(
    conn: &mut DbConn,
    action: &Action,
    now: DateTime<Utc>,
    after: Option<&PageEnd>,
    size: i64,
) -> Result<(Vec<Seen>, Option<PageEnd>), StoreError> {
    // Whether a page of `len` rows was full, so another may follow.
    let full = |len: usize| len as i64 == size;
    let deadline = match action {
        Action::FirstContactLapsed => Deadline::FirstContact,
        Action::SettlementLapsed => Deadline::Settlement,
        Action::FulfilmentLapsed => Deadline::Fulfilment,
        _ => {
            let fulfilled = awaiting_confirmation(conn, now, after, size)?;
            let end = full(fulfilled.len())
                .then(|| fulfilled.last().map(|(at, id, ..)| (*at, id.clone())))
                .flatten();
            let due = fulfilled
                .into_iter()
                .filter(|(fulfilled_at, _, policy, _)| {
                    let window = DeadlinePolicy::from_stored(policy)
                        .map(|p| p.confirmation_window_days)
                        .unwrap_or(7);
                    from_db_time(*fulfilled_at) + Duration::days(i64::from(window)) < now
                })
                .map(|(_, id, _, version)| (id, version))
                .collect();
            return Ok((due, end));
        }
    };
    let page = lapsed(conn, deadline, now, after, size)?;
    let end = full(page.len())
        .then(|| page.last().map(|(at, id, _)| (*at, id.clone())))
        .flatten();
    Ok((
        page.into_iter()
            .map(|(_, id, version)| (id, version))
            .collect(),
        end,
    ))
}

/// Closes open offers past their expiry, each with a timeline entry.
fn expire_offers(conn: &mut DbConn, now: DateTime<Utc>) -> Result<usize, StoreError> {
    crate::store::write_transaction(conn, |conn| {
        let expired = expired_open_offers(conn, now)?;
        for (offer_id, dispute_id, status, region_code) in &expired {
            let closed = expire_offer(conn, offer_id, now)?;
            if closed {
                append_event(
                    conn,
                    dispute_id,
                    region_code,
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

/// At most this many lapses are applied in one transaction.
const SWEEP_BATCH: usize = 100;

/// Why a batch applied without a savepoint per dispute was undone.
enum Undone {
    /// The transaction failed.
    Store(StoreError),
    /// One dispute of the batch failed: the batch is applied again, each in a savepoint.
    OneFailed,
}

impl From<StoreError> for Undone {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

/// Applies `action` to those of disputes `seen` that no other node's sweep holds and nobody
/// changed since they were found due ([`claim_for_sweep`]), in one transaction. The
/// escalations among them are written together at the end ([`EscalationBatch`]). The lapses
/// are applied one after another in the transaction itself: the disputes are locked and
/// unchanged, so each applies. Should one fail all the same, the batch is undone and applied
/// again with a savepoint per dispute: then one that failed is left to the next sweep and the
/// others are applied. How many were applied.
fn apply_batch(
    conn: &mut DbConn,
    ctx: &CaseContext,
    action: &Action,
    seen: &[Seen],
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    match apply_claimed(conn, ctx, action, seen, now, false) {
        Ok(applied) => Ok(applied),
        Err(Undone::Store(error)) => Err(error),
        Err(Undone::OneFailed) => match apply_claimed(conn, ctx, action, seen, now, true) {
            Ok(applied) => Ok(applied),
            Err(Undone::Store(error)) => Err(error),
            Err(Undone::OneFailed) => Ok(0),
        },
    }
}

/// [`apply_batch`] once: with a savepoint per dispute when `each_alone`.
fn apply_claimed(
    conn: &mut DbConn,
    ctx: &CaseContext,
    action: &Action,
    seen: &[Seen],
    now: DateTime<Utc>,
    each_alone: bool,
) -> Result<usize, Undone> {
    crate::store::write_transaction(conn, |conn| {
        let escalations = EscalationBatch::open();
        let emails = EmailBatch::open();
        let mut applied = 0;
        let claimed = claim_for_sweep(conn, seen)?;
        // Each lapse tells the dispute's consumer or staff: the consumers read at once.
        let consumers: Vec<&str> = claimed.iter().map(|d| d.consumer_id.as_str()).collect();
        crate::store::users::remember_users(conn, &consumers)?;
        if !each_alone {
            // Claimed at the versions seen and held: their saves go in one statement.
            crate::store::transaction_state::defer_saves(conn);
        }
        for dispute in claimed {
            let id = dispute.id.clone();
            if !each_alone {
                if let Err(error) = act_on_read(conn, ctx, dispute, &Acting::system(), action, now)
                {
                    tracing::info!(dispute.id = %id, %error, "lapse not applied; the batch is applied again dispute by dispute");
                    return Err(Undone::OneFailed);
                }
                applied += 1;
                continue;
            }
            let mark = (escalations.mark(), emails.mark());
            let outcome = crate::store::write_transaction(conn, |conn| {
                act_on_read(conn, ctx, dispute, &Acting::system(), action, now)
            });
            match outcome {
                Ok(()) => applied += 1,
                Err(CaseError::Rule(_) | CaseError::Conflict(..) | CaseError::NotFound(_)) => {
                    escalations.restore(mark.0);
                    emails.restore(mark.1);
                }
                // A failure the transaction itself did not survive (its savepoint could not be
                // undone: a lost connection) ends the batch.
                Err(CaseError::Store(error)) if crate::store::in_transaction(conn).is_err() => {
                    return Err(Undone::Store(error));
                }
                // Its savepoint is undone; the others of the batch go on, and the next sweep
                // tries it again (one dispute that fails every time must not hold up the rest).
                Err(error) => {
                    escalations.restore(mark.0);
                    emails.restore(mark.1);
                    tracing::error!(dispute.id = %id, %error, "lapse not applied");
                }
            }
        }
        // Without savepoints nothing of the batch is written yet: the packets' figures are read
        // now, and its counters, which other batches at the same units wait for, are written
        // last, just before it commits.
        let measured = if each_alone {
            None
        } else {
            Some(escalations.measure(conn)?)
        };
        // A save that fails, or finds a dispute changed, undoes the batch like a lapse that
        // fails: it is applied again dispute by dispute.
        match crate::store::transaction_state::write_saves(conn) {
            Ok(true) => {}
            Ok(false) => {
                tracing::info!(
                    "a dispute of the batch changed meanwhile; the batch is applied again dispute by dispute"
                );
                return Err(Undone::OneFailed);
            }
            Err(error) => {
                tracing::info!(%error, "the batch's disputes not saved; the batch is applied again dispute by dispute");
                return Err(Undone::OneFailed);
            }
        }
        escalations.finish(conn, ctx, measured)?;
        emails.finish(conn, ctx, now)?;
        Ok(applied)
    })
}

/// Applies every lapse due at `now` ([`begin_sweep`], [`apply_lapses`], [`end_sweep`] on one
/// connection). Disputes another node or person changed meanwhile are left to the next sweep.
pub fn sweep(
    conn: &mut DbConn,
    ctx: &CaseContext,
    now: DateTime<Utc>,
) -> Result<SweepReport, StoreError> {
    let mut report = begin_sweep(conn, now)?;
    report.add_lapses(&apply_lapses(conn, ctx, now)?);
    end_sweep(conn, ctx, now, report)
}

/// What a sweep does before the lapses: seals the audit entries waiting and closes the offers
/// past their expiry.
pub fn begin_sweep(conn: &mut DbConn, now: DateTime<Utc>) -> Result<SweepReport, StoreError> {
    // First, so that no failure below keeps audit entries off the chain; a broken chain is
    // reported and never stops the timers.
    let audit_sealed = crate::store::audit::seal_waiting(conn, SEAL_BATCHES_PER_SWEEP)
        .unwrap_or_else(|error| {
            tracing::error!(%error, "audit entries not sealed");
            0
        });
    Ok(SweepReport {
        offers_expired: expire_offers(conn, now)?,
        audit_sealed,
        ..SweepReport::default()
    })
}

/// Applies the lapses due at `now`, page by page in due order: one pass. Several passes at once
/// (a worker's `jobs.sweepers`, other nodes' sweeps) share the work, each dispute changed once.
pub fn apply_lapses(
    conn: &mut DbConn,
    ctx: &CaseContext,
    now: DateTime<Utc>,
) -> Result<SweepReport, StoreError> {
    let mut report = SweepReport::default();
    // Each lapse page by page in due order, so a sweep holds one page however many are due.
    for action in [
        Action::FirstContactLapsed,
        Action::SettlementLapsed,
        Action::FulfilmentLapsed,
        Action::ConfirmationLapsed,
    ] {
        let mut after = None;
        loop {
            let (due, end) = due_page(conn, &action, now, after.as_ref(), ctx.sweep_page)?;
            for batch in due.chunks(SWEEP_BATCH) {
                let applied = apply_batch(conn, ctx, &action, batch, now)?;
                match action {
                    Action::FirstContactLapsed => report.first_contacts_flagged += applied,
                    Action::SettlementLapsed => report.escalated_unsettled += applied,
                    Action::FulfilmentLapsed => report.escalated_unfulfilled += applied,
                    _ => report.resolved_unanswered += applied,
                }
            }
            if end.is_none() {
                break;
            }
            after = end;
        }
    }
    Ok(report)
}

/// What a sweep does after the lapses: reminders, digests, retention and scheduled reports,
/// added to `report`.
pub fn end_sweep(
    conn: &mut DbConn,
    ctx: &CaseContext,
    now: DateTime<Utc>,
    mut report: SweepReport,
) -> Result<SweepReport, StoreError> {
    report.reminders_sent = super::reminders::send_reminders(conn, ctx, now)?
        + super::reminders::send_bureau_reminders(conn, ctx, now)?
        + super::mediation::send_session_reminders(conn, ctx, now)?;
    report.digests_sent = super::reminders::send_digests(conn, ctx, now)?;
    report.anonymised = super::retention::anonymise_expired(conn, ctx, now)?;
    report.follow_ups_queued_again = super::filing::queue_missed_follow_ups(conn, ctx, now)?;
    if let Some(hour) = ctx.report_hour {
        report.reports_archived = crate::oversight::reports::run_schedule(conn, hour, now)?;
    }
    Ok(report)
}
