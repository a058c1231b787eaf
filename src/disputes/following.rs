//! Following cases, the bureau's "1+5" method (docs/following.md): a regulator of a dispute's
//! region names an officer to follow it (专人跟踪), urges its unit (催办) and, once it
//! concluded, records the return visit to the consumer (调查回访), whose satisfaction the
//! figures count where the consumer did not rate in the app.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Asia::Shanghai;
use serde_json::json;

use super::notices::{Arg, Notice, Said, send_notice};
use super::{CaseContext, dispute_not_found, role_of};
use crate::domain::access::Actor;
use crate::domain::dispute::{Actor as On, Deadline, Status, TimelineKind};
use crate::domain::following::{FollowReason, SATISFACTION, VisitChannel};
use crate::domain::region::RegionCode;
use crate::domain::role::Role;
use crate::domain::text::{BoundedText, optional_note};
use crate::error::{ApiError, ErrorCode, FieldError};
use crate::store::audit::record_action;
use crate::store::disputes::{Dispute, append_event, find_dispute, lock_dispute};
use crate::store::following::{self as stored, FollowedCase, FollowedRow, ReturnVisit};
use crate::store::users::{User, active_regulators, find_user, staff_of};
use crate::store::{DbConn, StoreError, new_id, to_db_time, write_transaction};

/// An urge's message and a return visit's account, in characters.
pub const TEXT_CHARS: (usize, usize) = (2, 1000);
/// The note on why a dispute is followed, in characters.
pub const NOTE_MAX_CHARS: usize = 500;

/// Dispute `id` as its regulator `actor` may act on it: 404 when the actor may not see it,
/// 403 for its parties.
fn regulated(conn: &mut DbConn, actor: &Actor, id: &str) -> Result<Dispute, ApiError> {
    let (dispute, _) = find_dispute(conn, id)?.ok_or_else(dispute_not_found)?;
    match role_of(actor, &dispute) {
        Some(On::Regulator) => Ok(dispute),
        Some(_) => Err(ApiError::forbidden(
            "Only a regulator of the dispute's region follows it, urges its unit and records return visits.",
        )),
        None => Err(dispute_not_found()),
    }
}

/// `text` trimmed, or the field error of `field` when it is not `min..=max` characters.
fn bounded(field: &str, text: &str, (min, max): (usize, usize)) -> Result<String, FieldError> {
    BoundedText::parse(text, min, max)
        .map(BoundedText::into_string)
        .map_err(|e| FieldError::new(field, "invalid_length", e.to_string()))
}

/// The active regulators who may follow a dispute of `region`: those of the region and of the
/// regions it lies in, by name.
pub fn officers_for(conn: &mut DbConn, region: &str) -> Result<Vec<User>, StoreError> {
    let Ok(code) = RegionCode::parse(region) else {
        return Ok(Vec::new());
    };
    let around: Vec<String> = code
        .and_around()
        .iter()
        .map(|r| r.as_str().to_string())
        .collect();
    let mut officers = active_regulators(conn, &around)?;
    officers.sort_by(|a, b| (&a.display_name, &a.id).cmp(&(&b.display_name, &b.id)));
    Ok(officers)
}

/// Who is to follow a dispute and why.
#[derive(Debug, Clone)]
pub struct FollowInput {
    pub officer_id: String,
    pub reason: FollowReason,
    pub note: Option<String>,
}

/// Has `input.officer_id` follow dispute `id`, in place of any officer before; tells the
/// officer (in the app and by email, with the reason and the note) unless they named
/// themselves, and the officer replaced unless they replaced themselves. Audited.
pub fn follow(
    conn: &mut DbConn,
    ctx: &CaseContext,
    actor: &Actor,
    id: &str,
    input: &FollowInput,
    now: DateTime<Utc>,
) -> Result<FollowedCase, ApiError> {
    let note = optional_note(input.note.as_deref(), NOTE_MAX_CHARS)
        .map_err(|e| ApiError::invalid_field("note", "invalid_length", e.to_string()))?;
    write_transaction(conn, |conn| {
        lock_dispute(conn, id)?;
        let dispute = regulated(conn, actor, id)?;
        let officer = find_user(conn, &input.officer_id)?
            .filter(|u| u.is_active && u.role == Role::Regulator.as_str())
            .filter(|u| {
                let region = RegionCode::parse(&dispute.region_code).ok();
                u.region_code
                    .as_deref()
                    .and_then(|own| RegionCode::parse(own).ok())
                    .zip(region)
                    .is_some_and(|(own, region)| own.contains(&region))
            })
            .ok_or_else(|| {
                ApiError::invalid_field(
                    "officer_id",
                    "not_an_officer_here",
                    "name an active regulator of the dispute's region or of a region it lies in",
                )
            })?;
        let row = FollowedCase {
            dispute_id: dispute.id.clone(),
            officer_id: officer.id.clone(),
            reason: input.reason.as_str().into(),
            note: note.clone(),
            assigned_by: actor.user_id.clone(),
            assigned_at: to_db_time(now),
        };
        let before = stored::find_follow(conn, &dispute.id)?;
        stored::put_follow(conn, &row)?;
        record_action(
            conn,
            actor,
            "dispute.followed",
            "dispute",
            &dispute.id,
            Some(&dispute.region_code),
            &json!({"officer_id": officer.id, "reason": input.reason}),
            now,
        )?;
        if officer.id != actor.user_id {
            let said = match &note {
                Some(note) => Said::new("notice-followed-because").with("note", Arg::text(note)),
                None => Said::new("notice-followed"),
            };
            let what = said.with(
                "reason",
                Arg::Label("follow_reason", input.reason.to_string()),
            );
            tell(conn, ctx, &officer, &dispute, what, now)?;
        }
        if let Some(before) = before.filter(|b| b.officer_id != officer.id) {
            tell_released(conn, ctx, actor, &before.officer_id, &dispute, now)?;
        }
        Ok(row)
    })
}

/// Ends the following of dispute `id` (nothing when nobody follows it); tells the officer
/// unless they ended it themselves. Audited.
pub fn unfollow(
    conn: &mut DbConn,
    ctx: &CaseContext,
    actor: &Actor,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    write_transaction(conn, |conn| {
        lock_dispute(conn, id)?;
        let dispute = regulated(conn, actor, id)?;
        if let Some(before) = stored::find_follow(conn, &dispute.id)? {
            stored::end_follow(conn, &dispute.id)?;
            tell_released(conn, ctx, actor, &before.officer_id, &dispute, now)?;
            record_action(
                conn,
                actor,
                "dispute.unfollowed",
                "dispute",
                &dispute.id,
                Some(&dispute.region_code),
                &json!({}),
                now,
            )?;
        }
        Ok(())
    })
}

/// Urges the unit of dispute `id`, still being handled, with `message` (催办): on the
/// dispute's timeline, to every active member of its staff in the app and by email. Returns
/// how many were told.
pub fn urge(
    conn: &mut DbConn,
    ctx: &CaseContext,
    actor: &Actor,
    id: &str,
    message: &str,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let message =
        bounded("message", message, TEXT_CHARS).map_err(|e| ApiError::validation(vec![e]))?;
    write_transaction(conn, |conn| {
        // Held, so a dispute that concludes meanwhile is refused rather than urged.
        lock_dispute(conn, id)?;
        let dispute = regulated(conn, actor, id)?;
        let status: Status = dispute.status.parse().map_err(StoreError::from)?;
        if status.is_terminal() {
            return Err(ApiError::new(
                ErrorCode::DisputeClosed,
                "The dispute is concluded: there is nothing left to urge.",
            ));
        }
        append_event(
            conn,
            &dispute.id,
            &dispute.region_code,
            TimelineKind::Urged,
            Some((&actor.user_id, "regulator")),
            &dispute.status,
            &dispute.status,
            &json!({"message": message}),
            now,
        )?;
        let staff = staff_of(conn, &dispute.business_id)?;
        let active: Vec<&User> = staff.iter().filter(|s| s.is_active).collect();
        let notice = Notice::Update {
            case_number: dispute.case_number.clone(),
            what: Said::new("notice-urged").with("message", Arg::text(&message)),
        };
        send_notice(
            conn,
            ctx,
            active.iter().copied(),
            &dispute,
            &notice,
            true,
            now,
        )?;
        Ok(active.len())
    })
}

/// Tells `officer` `what` about `dispute`, in the app and by email.
fn tell(
    conn: &mut DbConn,
    ctx: &CaseContext,
    officer: &User,
    dispute: &Dispute,
    what: Said,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let notice = Notice::Update {
        case_number: dispute.case_number.clone(),
        what,
    };
    send_notice(conn, ctx, [officer], dispute, &notice, true, now)
}

/// Tells the officer who followed `dispute` that they no longer do, unless they are `actor`.
fn tell_released(
    conn: &mut DbConn,
    ctx: &CaseContext,
    actor: &Actor,
    officer_id: &str,
    dispute: &Dispute,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if officer_id == actor.user_id {
        return Ok(());
    }
    match find_user(conn, officer_id)?.filter(|u| u.is_active) {
        Some(officer) => tell(
            conn,
            ctx,
            &officer,
            dispute,
            Said::new("notice-unfollowed"),
            now,
        ),
        None => Ok(()),
    }
}

/// A return visit as the officer reports it.
#[derive(Debug, Clone)]
pub struct VisitInput {
    pub visited_on: NaiveDate,
    pub channel: VisitChannel,
    pub consumer_said: String,
    pub satisfaction: Option<i64>,
}

/// Records the return visit `input` to the consumer of dispute `id`, concluded, by `actor`
/// (docs/following.md#return-visits): on the timeline (without what the consumer said) and
/// in the satisfaction figures while the consumer has not rated in the app.
pub fn record_visit(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    input: &VisitInput,
    now: DateTime<Utc>,
) -> Result<ReturnVisit, ApiError> {
    let today = now.with_timezone(&Shanghai).date_naive();
    let mut errors = Vec::new();
    let said = bounded("consumer_said", &input.consumer_said, TEXT_CHARS)
        .map_err(|e| errors.push(e))
        .unwrap_or_default();
    if input
        .satisfaction
        .is_some_and(|s| !SATISFACTION.contains(&s))
    {
        errors.push(FieldError::new(
            "satisfaction",
            "out_of_range",
            "1 to 5, or none when the consumer would not say",
        ));
    }
    if input.visited_on > today {
        errors.push(FieldError::new(
            "visited_on",
            "in_the_future",
            "a return visit that took place: today or before",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    write_transaction(conn, |conn| {
        lock_dispute(conn, id)?;
        let dispute = regulated(conn, actor, id)?;
        let Some(concluded) = dispute.concluded_at else {
            return Err(ApiError::new(
                ErrorCode::ReturnVisitTooEarly,
                "The dispute is still being handled; call the consumer back once it concluded.",
            ));
        };
        let concluded_on = crate::store::from_db_time(concluded)
            .with_timezone(&Shanghai)
            .date_naive();
        if input.visited_on < concluded_on {
            return Err(ApiError::invalid_field(
                "visited_on",
                "before_conclusion",
                format!("the dispute concluded on {concluded_on}: a return visit comes after"),
            ));
        }
        if dispute.anonymised_at.is_some() {
            return Err(ApiError::new(
                ErrorCode::DisputeClosed,
                "The dispute's personal data was removed after its retention period: it takes no more return visits.",
            ));
        }
        let before = stored::latest_visit_rating(conn, &dispute.id)?;
        let row = ReturnVisit {
            id: new_id(),
            seq: stored::count_visits(conn, &dispute.id)? + 1,
            dispute_id: dispute.id.clone(),
            officer_id: actor.user_id.clone(),
            visited_on: input.visited_on,
            channel: input.channel.as_str().into(),
            consumer_said: said.clone(),
            satisfaction: input.satisfaction,
            created_at: to_db_time(now),
        };
        stored::insert_visit(conn, &row)?;
        // The latest visit is the latest by day: one entered late, of an earlier day, does not
        // replace what the consumer said since.
        let after = stored::latest_visit_rating(conn, &dispute.id)?;
        super::metrics::on_return_visit(conn, &dispute, before, after)?;
        append_event(
            conn,
            &dispute.id,
            &dispute.region_code,
            TimelineKind::ReturnVisit,
            Some((&actor.user_id, "regulator")),
            &dispute.status,
            &dispute.status,
            &json!({
                "visit_id": row.id,
                "visited_on": input.visited_on,
                "channel": input.channel,
                "satisfaction": input.satisfaction,
            }),
            now,
        )?;
        Ok(row)
    })
}

/// Who follows a dispute, its return visits, and who may be named to follow it.
#[derive(Debug, Clone)]
pub struct Following {
    /// The follow, with the officer's and the assigner's names.
    pub follow: Option<(FollowedCase, String, String)>,
    /// The return visits, oldest first, each with its officer's name.
    pub visits: Vec<(ReturnVisit, String)>,
    /// The active regulators who may be named, by name.
    pub officers: Vec<User>,
    /// The dispute has concluded, so return visits may be recorded.
    pub concluded: bool,
    /// The dispute is still being handled, so its unit may be urged.
    pub open: bool,
}

/// How dispute `id` is followed, for its regulator `actor`.
pub fn following_of(conn: &mut DbConn, actor: &Actor, id: &str) -> Result<Following, ApiError> {
    let dispute = regulated(conn, actor, id)?;
    let officers = officers_for(conn, &dispute.region_code)?;
    let name_of = |conn: &mut DbConn, user: &str| -> Result<String, StoreError> {
        Ok(find_user(conn, user)?.map_or_else(String::new, |u| u.display_name))
    };
    let follow = match stored::find_follow(conn, &dispute.id)? {
        Some(f) => {
            let officer = name_of(conn, &f.officer_id)?;
            let by = name_of(conn, &f.assigned_by)?;
            Some((f, officer, by))
        }
        None => None,
    };
    let status: Status = dispute.status.parse().map_err(StoreError::from)?;
    Ok(Following {
        follow,
        visits: stored::visits_of(conn, &dispute.id)?,
        officers,
        concluded: dispute.concluded_at.is_some(),
        open: !status.is_terminal(),
    })
}

/// A followed dispute in an officer's list, with its urges and return visits.
#[derive(Debug, Clone)]
pub struct FollowedItem {
    pub row: FollowedRow,
    /// How many times its unit was urged, and when last.
    pub urges: Option<(i64, DateTime<Utc>)>,
    /// How many return visits it had, and the latest one's day.
    pub visits: Option<(i64, NaiveDate)>,
    /// Once escalated, the bureau's limit running on it and its due moment
    /// (docs/escalation.md#the-bureaus-own-deadlines).
    pub bureau: Option<(crate::domain::bureau::BureauDeadline, DateTime<Utc>)>,
}

/// The disputes `officer_id` (the actor when none) follows inside the region of `actor`, a
/// regulator: those still being handled first, the nearest due date first, then the
/// concluded, the latest concluded first.
pub fn followed_list(
    conn: &mut DbConn,
    calendar: &crate::domain::calendar::Calendar,
    actor: &Actor,
    officer_id: Option<&str>,
) -> Result<Vec<FollowedItem>, ApiError> {
    let Some(region) = actor
        .region
        .as_ref()
        .filter(|_| actor.role == Role::Regulator)
    else {
        return Err(ApiError::forbidden(
            "Followed cases are a regulator's: an officer's list of the disputes they follow.",
        ));
    };
    let officer = officer_id.unwrap_or(&actor.user_id);
    let is_officer = officer == actor.user_id
        || find_user(conn, officer)?.is_some_and(|u| u.role == Role::Regulator.as_str());
    if !is_officer {
        return Err(ApiError::invalid_field(
            "officer_id",
            "not_an_officer",
            "the id of a regulator's account",
        ));
    }
    let rows = stored::followed_by(conn, officer, region.prefix())?;
    let ids: Vec<&str> = rows.iter().map(|r| r.follow.dispute_id.as_str()).collect();
    let urges = stored::urges_of(conn, &ids)?;
    let visits = stored::visit_counts(conn, &ids)?;
    let escalated: Vec<&str> = rows
        .iter()
        .filter(|r| r.status == Status::Escalated.as_str())
        .map(|r| r.follow.dispute_id.as_str())
        .collect();
    let sources = crate::store::escalations::bureau_sources_of_disputes(conn, &escalated)?;
    let bureau = super::escalations::running_limits(calendar, &sources)?;
    let mut items: Vec<FollowedItem> = rows
        .iter()
        .map(|row| FollowedItem {
            urges: urges
                .get(&row.follow.dispute_id)
                .map(|&(n, at)| (n, crate::store::from_db_time(at))),
            visits: visits.get(&row.follow.dispute_id).copied(),
            bureau: bureau
                .get(&row.follow.dispute_id)
                .map(|b| (b.deadline, b.due_at)),
            row: row.clone(),
        })
        .collect();
    // Open cases with a running due moment first, the nearest first; then the open ones
    // without (paused, agreed); then the concluded, the latest first.
    items.sort_by_key(|i| match i.row.concluded_at {
        None => (
            0,
            due_now(&i.row).map_or((1, None), |(_, due)| (0, Some(due))),
            None,
        ),
        Some(at) => (1, (1, None), Some(std::cmp::Reverse(at))),
    });
    Ok(items)
}

/// The business's due moment that matters now, and which: first contact while it is awaited,
/// settlement while the parties negotiate; none while the clock is paused, once they agreed or
/// once the dispute concluded.
pub fn due_now(row: &FollowedRow) -> Option<(Deadline, chrono::NaiveDateTime)> {
    match row.status.parse::<Status>().ok()? {
        Status::Filed => Some((Deadline::FirstContact, row.first_contact_due_at)),
        Status::Negotiating => Some((Deadline::Settlement, row.settlement_due_at)),
        _ => None,
    }
}
