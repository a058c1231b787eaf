//! Reminders before each due date and the daily digest per unit (docs/deadlines.md#reminders). Each goes out
//! once: its key is claimed in the transaction that sends it.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Timelike, Utc};
use chrono_tz::Asia::Shanghai;

use super::CaseContext;
use super::notices::{Arg, Deadline, Notice, Said, local_time, send_notice};
use crate::domain::calendar::start_of_day;
use crate::domain::notification::NotificationKind;
use crate::i18n::Lang;
use crate::jobs::{Job, enqueue_job};
use crate::notify::messages::DailyDigest;
use crate::store::businesses::find_business;
use crate::store::disputes::find_dispute;
use crate::store::notifications::{Notification, claim_reminder, notify_all};
use crate::store::timers::due_between;
use crate::store::users::list_staff;
use crate::store::{DbConn, StoreError, from_db_time};

/// A due date of an open dispute.
#[derive(Debug, Clone)]
struct Due {
    dispute_id: String,
    business_id: String,
    case_number: String,
    item: String,
    filed_at: DateTime<Utc>,
    deadline: Deadline,
    due_at: DateTime<Utc>,
}

/// Visits every open due date after `now` and by `until`, each kind in due order, reading a
/// page of disputes at a time.
fn upcoming(
    conn: &mut DbConn,
    page_size: i64,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    mut visit: impl FnMut(&mut DbConn, Due) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    for deadline in [
        Deadline::FirstContact,
        Deadline::Settlement,
        Deadline::Fulfilment,
    ] {
        let mut after = None;
        loop {
            let page = due_between(conn, deadline, now, until, after.as_ref(), page_size)?;
            let full = page.len() as i64 == page_size;
            after = page.last().map(|row| (row.due_at, row.id.clone()));
            for row in page {
                visit(
                    conn,
                    Due {
                        dispute_id: row.id,
                        business_id: row.business_id,
                        case_number: row.case_number,
                        item: row.item_name,
                        filed_at: from_db_time(row.filed_at),
                        deadline,
                        due_at: from_db_time(row.due_at),
                    },
                )?;
            }
            if !full {
                break;
            }
        }
    }
    Ok(())
}

/// Sends each configured reminder whose moment has come; returns how many went out.
pub fn send_reminders(
    conn: &mut DbConn,
    ctx: &CaseContext,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let Some(furthest) = ctx.reminder_working_days.iter().max() else {
        return Ok(0);
    };
    // Generous: N working days before a due date lie well within N weeks plus the longest holiday.
    let horizon = now + Duration::days(i64::from(*furthest) * 7 + 14);
    let mut sent = 0;
    upcoming(conn, ctx.sweep_page, now, horizon, |conn, due| {
        let due_date = due.due_at.with_timezone(&Shanghai).date_naive();
        for offset in &ctx.reminder_working_days {
            let from = start_of_day(ctx.calendar.working_day_before(due_date, *offset));
            if now < from || from <= due.filed_at {
                continue;
            }
            let key = format!(
                "reminder:{}:{}:{}:{offset}",
                due.dispute_id,
                due.deadline.as_str(),
                due.due_at.timestamp()
            );
            let reminded = crate::store::write_transaction(conn, |conn| {
                if !claim_reminder(conn, &key, now)? {
                    return Ok::<_, StoreError>(false);
                }
                let Some((dispute, _)) = find_dispute(conn, &due.dispute_id)? else {
                    return Ok(false);
                };
                let notice = Notice::Reminder {
                    case_number: due.case_number.clone(),
                    deadline: due.deadline,
                    due_at: due.due_at,
                };
                let staff = list_staff(conn, &due.business_id)?;
                let active = staff.iter().filter(|u| u.is_active);
                send_notice(conn, ctx, active, &dispute, &notice, true, now)?;
                super::texts::due_soon(conn, ctx, &dispute, &staff, due.deadline, due.due_at, now)?;
                let detail = serde_json::json!({
                    "deadline": due.deadline.as_str(),
                    "due_at": due.due_at,
                    "working_days_before": offset,
                });
                let data = crate::domain::webhook::WebhookData {
                    status: dispute.status.parse().ok(),
                    detail: detail.as_object().cloned().unwrap_or_default(),
                    ..Default::default()
                };
                crate::store::webhooks::raise(
                    conn,
                    vec![crate::store::webhooks::DisputeWebhook {
                        event: crate::domain::webhook::WebhookEvent::DueSoon,
                        dispute_id: dispute.id.clone(),
                        occurred_at: now,
                        data,
                    }],
                )?;
                Ok(true)
            })?;
            sent += usize::from(reminded);
        }
        Ok(())
    })?;
    Ok(sent)
}

/// How long after a bureau's limit passed unmet its officer is still told once.
const OVERDUE_NOTICE_DAYS: i64 = 7;

/// Reminds the officer who follows an escalated dispute of the bureau's own limits on it
/// (docs/escalation.md#the-bureaus-own-deadlines): `reminders.working_days_before` each limit's
/// due moment, and once when it passed unmet (within [`OVERDUE_NOTICE_DAYS`]); nothing when
/// reminders are off. Each goes out once per officer; returns how many went out.
pub fn send_bureau_reminders(
    conn: &mut DbConn,
    ctx: &CaseContext,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    if ctx.reminder_working_days.is_empty() {
        return Ok(0);
    }
    let followed = crate::store::following::followed_escalations(conn)?;
    let mut sent = 0;
    for chunk in followed.chunks(ctx.sweep_page.max(1) as usize) {
        let ids: Vec<&str> = chunk.iter().map(|(id, _)| id.as_str()).collect();
        for src in crate::store::escalations::bureau_sources(conn, &ids)? {
            let Some((_, officer)) = chunk.iter().find(|(id, _)| *id == src.escalation_id) else {
                continue;
            };
            for due in super::escalations::bureau_dues_of_source(&ctx.calendar, &src)? {
                if due.met_at.is_some() {
                    continue;
                }
                let due_at = due.due.due_at;
                let due_date = due_at.with_timezone(&Shanghai).date_naive();
                let mut moments: Vec<(String, &str)> = ctx
                    .reminder_working_days
                    .iter()
                    .filter(|offset| {
                        let from =
                            start_of_day(ctx.calendar.working_day_before(due_date, **offset));
                        now >= from && from > due.started_at && now < due_at
                    })
                    .map(|offset| (format!("before:{offset}"), "notice-bureau-due"))
                    .collect();
                // Once when it passed, within a week: naming an officer on a long stuck case
                // does not bring every limit it missed.
                if now >= due_at && now - due_at < Duration::days(OVERDUE_NOTICE_DAYS) {
                    moments.push(("overdue".into(), "notice-bureau-overdue"));
                }
                for (when, message) in moments {
                    // Per officer: one named later gets what is still to come.
                    let key = format!(
                        "bureau:{}:{}:{}:{officer}:{when}",
                        src.escalation_id,
                        due.deadline.as_str(),
                        due_at.timestamp()
                    );
                    let told = crate::store::write_transaction(conn, |conn| {
                        let Some(officer) =
                            crate::store::users::find_user(conn, officer)?.filter(|u| u.is_active)
                        else {
                            return Ok::<_, StoreError>(false);
                        };
                        if !claim_reminder(conn, &key, now)? {
                            return Ok(false);
                        }
                        let Some((dispute, _)) = find_dispute(conn, &src.dispute_id)? else {
                            return Ok(false);
                        };
                        let notice = Notice::Update {
                            case_number: src.case_number.clone(),
                            what: Said::new(message)
                                .with(
                                    "deadline",
                                    Arg::Label("bureau_deadline", due.deadline.as_str().into()),
                                )
                                .with("due_at", Arg::text(&local_time(due_at))),
                        };
                        send_notice(conn, ctx, [&officer], &dispute, &notice, true, now)?;
                        Ok(true)
                    })?;
                    sent += usize::from(told);
                }
            }
        }
    }
    Ok(sent)
}

/// From `digest_hour` (Shanghai) each day, sends every unit with something due by the end of
/// the next working day one digest; returns how many units got one.
pub fn send_digests(
    conn: &mut DbConn,
    ctx: &CaseContext,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let local = now.with_timezone(&Shanghai);
    if local.hour() < ctx.digest_hour {
        return Ok(0);
    }
    let today = local.date_naive();
    let next_working_day = ctx.calendar.add_working_days(now, 1).due_at;
    let mut per_business: BTreeMap<String, Vec<Due>> = BTreeMap::new();
    upcoming(conn, ctx.sweep_page, now, next_working_day, |_, due| {
        per_business
            .entry(due.business_id.clone())
            .or_default()
            .push(due);
        Ok(())
    })?;
    let mut sent = 0;
    for (business_id, mut dues) in per_business {
        dues.sort_by_key(|d| d.due_at);
        let key = format!("digest:{business_id}:{today}");
        let delivered = crate::store::write_transaction(conn, |conn| {
            if !claim_reminder(conn, &key, now)? {
                return Ok::<_, StoreError>(false);
            }
            let business = find_business(conn, &business_id)?
                .map(|b| b.name)
                .unwrap_or_default();
            for member in list_staff(conn, &business_id)?
                .iter()
                .filter(|u| u.is_active)
            {
                let language = Lang::of(&member.language);
                let lines: Vec<String> = dues
                    .iter()
                    .map(|d| {
                        Said::new("notice-digest-line")
                            .with("case_number", Arg::text(&d.case_number))
                            .with("item", Arg::text(&d.item))
                            .with(
                                "deadline",
                                Arg::Label("deadline", d.deadline.as_str().into()),
                            )
                            .with("due", Arg::text(&local_time(d.due_at)))
                            .in_words(language)
                    })
                    .collect();
                let digest = DailyDigest {
                    language,
                    name: member.display_name.clone(),
                    business: business.clone(),
                    date: today.to_string(),
                    lines,
                    link: ctx.public_url.clone(),
                };
                let said = Said::new("notice-digest-summary")
                    .with("date", Arg::text(&today.to_string()))
                    .with("count", Arg::Number(dues.len() as i64));
                notify_all(
                    conn,
                    vec![
                        Notification::new(
                            &member.id,
                            None,
                            NotificationKind::DailyDigest,
                            &said.in_words(language),
                            now,
                        )
                        .in_both(said.in_words(Lang::Zh), said.in_words(Lang::En)),
                    ],
                )?;
                if let Some(email) = member.email.as_deref() {
                    let message = digest
                        .render(email)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    enqueue_job(conn, &Job::SendEmail(message), ctx.email_max_attempts, now)?;
                }
            }
            Ok(true)
        })?;
        sent += usize::from(delivered);
    }
    Ok(sent)
}
