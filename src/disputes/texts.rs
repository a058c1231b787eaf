//! The text messages of a dispute's events (docs/sms.md#events): queued in the event's
//! transaction beside its notices, sent by the worker. Nothing is read for a message the
//! deployment does not send.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::CaseContext;
use super::notices::{Deadline, local_time};
use crate::domain::claim::Remedy;
use crate::domain::dispute::{Actor, Event, Status};
use crate::domain::money::format_yuan;
use crate::domain::policy::DeadlinePolicy;
use crate::domain::sms::SmsEvent;
use crate::i18n::Lang;
use crate::store::disputes::Dispute;
use crate::store::users::{User, find_user};
use crate::store::{DbConn, StoreError, from_db_time};

/// The values every message about `dispute` has: its case number and the business's name.
fn about(dispute: &Dispute, business: &str) -> BTreeMap<&'static str, String> {
    BTreeMap::from([
        ("case", dispute.case_number.clone()),
        ("business", business.to_string()),
    ])
}

/// A filed dispute: its consumer is told the case number and the first-contact due date, and
/// the unit's active `staff` (where staff get messages) that it came in.
pub fn on_filed<'u>(
    conn: &mut DbConn,
    ctx: &CaseContext,
    dispute: &Dispute,
    consumer: &User,
    business: &str,
    staff: impl IntoIterator<Item = &'u User>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let due = local_time(from_db_time(dispute.first_contact_due_at));
    let mut rows: Vec<_> = ctx
        .sms
        .message(
            SmsEvent::Filed,
            consumer,
            Some(&dispute.id),
            |_| {
                let mut values = about(dispute, business);
                values.insert("due", due.clone());
                values
            },
            now,
        )
        .into_iter()
        .collect();
    if ctx.sms.sends(SmsEvent::NewDispute) {
        rows.extend(
            staff
                .into_iter()
                .filter(|u| u.is_active)
                .filter_map(|user| {
                    ctx.sms.message(
                        SmsEvent::NewDispute,
                        user,
                        Some(&dispute.id),
                        |_| {
                            BTreeMap::from([
                                ("case", dispute.case_number.clone()),
                                ("due", due.clone()),
                            ])
                        },
                        now,
                    )
                }),
        );
    }
    crate::store::sms::queue(conn, &rows)
}

/// What a step of the lifecycle tells the consumer by text message, if anything: that it went
/// to 12315 or was ruled out, was settled, got the business's offer or first answer, or that
/// the business says it carried the settlement out.
pub fn step_event(
    event: Event,
    actor: Actor,
    (from, to): (Status, Status),
    first_contact_now: bool,
) -> Option<SmsEvent> {
    let by_business = actor == Actor::Merchant;
    if to == Status::Escalated && from != Status::Escalated {
        Some(SmsEvent::Escalated)
    } else if to == Status::Rejected && from != Status::Rejected {
        Some(SmsEvent::Rejected)
    } else if to == Status::Settled && from != Status::Settled {
        Some(SmsEvent::Agreement)
    } else if event == Event::MakeOffer && by_business {
        Some(SmsEvent::Offer)
    } else if first_contact_now && by_business {
        Some(SmsEvent::FirstContact)
    } else if event == Event::MarkFulfilled {
        Some(SmsEvent::Fulfilled)
    } else {
        None
    }
}

/// Queues `event`'s message to `dispute`'s consumer at `now` (`offer`: the offer's remedy and
/// amount).
pub fn to_consumer(
    conn: &mut DbConn,
    ctx: &CaseContext,
    dispute: &Dispute,
    event: SmsEvent,
    offer: Option<(Remedy, i64)>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    queue_for_consumer(conn, ctx, dispute, event, now, |lang, values| {
        // The remedy in words, with its amount when there is one (a repair has none).
        if let Some((remedy, fen)) = offer {
            let what = lang.label("remedy", remedy.as_str());
            let offered = if fen > 0 {
                format!("{what} {}", format_yuan(fen))
            } else {
                what.to_string()
            };
            values.insert("offer", offered);
        }
        // The consumer's answer is awaited until the window after the marking ends
        // (docs/lifecycle.md), counted as the sweeper counts it.
        if event == SmsEvent::Fulfilled {
            let window = DeadlinePolicy::from_stored(&dispute.policy)
                .map_or(0, |p| p.confirmation_window_days);
            values.insert(
                "due",
                local_time(now + chrono::Duration::days(i64::from(window))),
            );
        }
    })
}

/// Queues `event`'s message to `dispute`'s consumer at `now`, with the case and the business
/// and what `more` adds in the consumer's language; nothing is read when the deployment does
/// not send it.
fn queue_for_consumer(
    conn: &mut DbConn,
    ctx: &CaseContext,
    dispute: &Dispute,
    event: SmsEvent,
    now: DateTime<Utc>,
    more: impl Fn(Lang, &mut BTreeMap<&'static str, String>),
) -> Result<(), StoreError> {
    if !ctx.sms.sends(event) {
        return Ok(());
    }
    let Some(consumer) = find_user(conn, &dispute.consumer_id)? else {
        return Ok(());
    };
    let business = crate::store::businesses::find_business(conn, &dispute.business_id)?
        .map(|b| b.name)
        .unwrap_or_default();
    let row = ctx.sms.message(
        event,
        &consumer,
        Some(&dispute.id),
        |lang: Lang| {
            let mut values = about(dispute, &business);
            more(lang, &mut values);
            values
        },
        now,
    );
    crate::store::sms::queue(conn, row.as_slice())
}

/// A due date of `dispute` comes near: the unit's active `staff` are told, where staff get
/// messages.
pub fn due_soon<'u>(
    conn: &mut DbConn,
    ctx: &CaseContext,
    dispute: &Dispute,
    staff: impl IntoIterator<Item = &'u User>,
    deadline: Deadline,
    due_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if !ctx.sms.sends(SmsEvent::DueSoon) {
        return Ok(());
    }
    let rows: Vec<_> = staff
        .into_iter()
        .filter(|u| u.is_active)
        .filter_map(|user| {
            ctx.sms.message(
                SmsEvent::DueSoon,
                user,
                Some(&dispute.id),
                |lang: Lang| {
                    BTreeMap::from([
                        ("case", dispute.case_number.clone()),
                        ("deadline", lang.label("deadline", deadline.as_str()).into()),
                        ("due", local_time(due_at)),
                    ])
                },
                now,
            )
        })
        .collect();
    crate::store::sms::queue(conn, &rows)
}

/// A mediation session of `dispute` at `starts_at` in `place` (scheduled, or tomorrow): its
/// consumer is told by text message.
pub fn session(
    conn: &mut DbConn,
    ctx: &CaseContext,
    dispute: &Dispute,
    starts_at: DateTime<Utc>,
    place: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let event = SmsEvent::MediationSession;
    queue_for_consumer(conn, ctx, dispute, event, now, |_, values| {
        values.insert("time", local_time(starts_at));
        values.insert("place", place.to_string());
    })
}
