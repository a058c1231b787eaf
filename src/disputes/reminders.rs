//! Reminders before each due date and the daily digest per unit (docs/deadlines.md#reminders). Each goes out
//! once: its key is claimed in the transaction that sends it.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDateTime, Timelike, Utc};
use chrono_tz::Asia::Shanghai;
use diesel::prelude::*;

use super::CaseContext;
use super::notices::{Deadline, Notice, local_time, send_notice};
use crate::domain::calendar::start_of_day;
use crate::domain::dispute::Status;
use crate::domain::notification::NotificationKind;
use crate::jobs::{Job, enqueue_job};
use crate::notify::messages::{DailyDigest, Language};
use crate::store::businesses::find_business;
use crate::store::disputes::find_dispute;
use crate::store::notifications::{claim_reminder, notify};
use crate::store::schema::{dispute_claims, disputes, settlements};
use crate::store::users::list_staff;
use crate::store::{DbConn, StoreError, from_db_time, to_db_time};

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

/// Every open due date between `now` and `until`.
fn upcoming(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<Due>, StoreError> {
    let (from, to) = (to_db_time(now), to_db_time(until));
    type Row = (
        String,
        String,
        String,
        String,
        NaiveDateTime,
        String,
        Option<NaiveDateTime>,
        NaiveDateTime,
        NaiveDateTime,
    );
    let rows: Vec<Row> = disputes::table
        .inner_join(dispute_claims::table)
        .filter(disputes::status.eq_any(Status::awaiting_settlement_names()))
        .filter(
            disputes::settlement_due_at
                .gt(from)
                .or(disputes::first_contact_due_at.gt(from)),
        )
        .filter(
            disputes::first_contact_due_at
                .le(to)
                .or(disputes::settlement_due_at.le(to)),
        )
        .select((
            disputes::id,
            disputes::business_id,
            disputes::case_number,
            dispute_claims::item_name,
            disputes::filed_at,
            disputes::status,
            disputes::first_contacted_at,
            disputes::first_contact_due_at,
            disputes::settlement_due_at,
        ))
        .load(conn)?;
    let mut dues = Vec::new();
    for (id, business, case, item, filed, status, contacted, first_due, settlement_due) in rows {
        let base = |deadline, due_at| Due {
            dispute_id: id.clone(),
            business_id: business.clone(),
            case_number: case.clone(),
            item: item.clone(),
            filed_at: from_db_time(filed),
            deadline,
            due_at,
        };
        if status == Status::Filed.as_str() && contacted.is_none() {
            dues.push(base(Deadline::FirstContact, from_db_time(first_due)));
        }
        dues.push(base(Deadline::Settlement, from_db_time(settlement_due)));
    }
    let settled: Vec<(String, String, String, String, NaiveDateTime, NaiveDateTime)> =
        disputes::table
            .inner_join(dispute_claims::table)
            .inner_join(settlements::table)
            .filter(disputes::status.eq(Status::Settled.as_str()))
            .filter(disputes::fulfilled_at.is_null())
            .filter(settlements::fulfilment_due_at.gt(from))
            .filter(settlements::fulfilment_due_at.le(to))
            .select((
                disputes::id,
                disputes::business_id,
                disputes::case_number,
                dispute_claims::item_name,
                disputes::filed_at,
                settlements::fulfilment_due_at,
            ))
            .load(conn)?;
    dues.extend(
        settled
            .into_iter()
            .map(|(id, business, case, item, filed, due)| Due {
                dispute_id: id,
                business_id: business,
                case_number: case,
                item,
                filed_at: from_db_time(filed),
                deadline: Deadline::Fulfilment,
                due_at: from_db_time(due),
            }),
    );
    Ok(dues
        .into_iter()
        .filter(|d| d.due_at > now && d.due_at <= until)
        .collect())
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
    for due in upcoming(conn, now, horizon)? {
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
                for member in list_staff(conn, &due.business_id)?
                    .iter()
                    .filter(|u| u.is_active)
                {
                    send_notice(conn, ctx, member, &dispute, &notice, true, now)?;
                }
                Ok(true)
            })?;
            sent += usize::from(reminded);
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
    for due in upcoming(conn, now, next_working_day)? {
        per_business
            .entry(due.business_id.clone())
            .or_default()
            .push(due);
    }
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
                let language = Language::parse(&member.language);
                let lines: Vec<String> = dues
                    .iter()
                    .map(|d| match language {
                        Language::En => format!(
                            "{} · {} · {} due {}",
                            d.case_number,
                            d.item,
                            d.deadline.as_str().replace('_', " "),
                            local_time(d.due_at)
                        ),
                        Language::ZhCn => format!(
                            "{} · {} · {}期限 {}",
                            d.case_number,
                            d.item,
                            d.deadline.zh(),
                            local_time(d.due_at)
                        ),
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
                let summary = format!("{}：{} 件纠纷将于下一个工作日结束前到期", today, dues.len());
                notify(
                    conn,
                    &member.id,
                    None,
                    NotificationKind::DailyDigest,
                    &summary,
                    now,
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
