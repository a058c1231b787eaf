//! Followed cases and return visits (the bureau's "1+5" method, docs/following.md).

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{businesses, dispute_events, disputes, followed_cases, return_visits, users};
use super::{DbConn, StoreError};
use crate::domain::dispute::TimelineKind;

/// The officer who follows a dispute.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = followed_cases)]
pub struct FollowedCase {
    pub dispute_id: String,
    pub officer_id: String,
    pub reason: String,
    pub note: Option<String>,
    pub assigned_by: String,
    pub assigned_at: NaiveDateTime,
}

/// A return visit as recorded.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = return_visits)]
pub struct ReturnVisit {
    pub id: String,
    pub dispute_id: String,
    /// 1, 2, … in the order the dispute's visits were recorded.
    pub seq: i64,
    pub officer_id: String,
    pub visited_on: NaiveDate,
    pub channel: String,
    pub consumer_said: String,
    pub satisfaction: Option<i64>,
    pub created_at: NaiveDateTime,
}

/// The most followed cases one list holds (the newest assigned first).
pub const LIST_LIMIT: i64 = 500;

/// The officer following dispute `id`, if any.
pub fn find_follow(conn: &mut DbConn, id: &str) -> Result<Option<FollowedCase>, StoreError> {
    Ok(followed_cases::table
        .find(id)
        .select(FollowedCase::as_select())
        .first(conn)
        .optional()?)
}

/// Has `row`'s officer follow its dispute, in place of any officer before (the caller holds
/// the dispute, see [`super::disputes::lock_dispute`]).
pub fn put_follow(conn: &mut DbConn, row: &FollowedCase) -> Result<(), StoreError> {
    diesel::delete(followed_cases::table.find(&row.dispute_id)).execute(conn)?;
    diesel::insert_into(followed_cases::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Ends the following of dispute `id`; whether it was followed.
pub fn end_follow(conn: &mut DbConn, id: &str) -> Result<bool, StoreError> {
    Ok(diesel::delete(followed_cases::table.find(id)).execute(conn)? > 0)
}

/// A followed dispute as its officer's list shows it.
#[derive(Debug, Clone)]
pub struct FollowedRow {
    pub follow: FollowedCase,
    pub case_number: String,
    pub business_name: String,
    pub region_code: String,
    pub status: String,
    pub first_contact_due_at: NaiveDateTime,
    pub settlement_due_at: NaiveDateTime,
    pub concluded_at: Option<NaiveDateTime>,
    pub rating: Option<i64>,
}

type FollowedTuple = (
    FollowedCase,
    String,
    String,
    String,
    String,
    NaiveDateTime,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<i64>,
);

/// The disputes officer `officer_id` follows in the region with code prefix `prefix` (or
/// inside it), at most [`LIST_LIMIT`]: those still handled, then the concluded, each the newest
/// assigned first.
pub fn followed_by(
    conn: &mut DbConn,
    officer_id: &str,
    prefix: &str,
) -> Result<Vec<FollowedRow>, StoreError> {
    let rows: Vec<FollowedTuple> = followed_cases::table
        .inner_join(disputes::table.inner_join(businesses::table))
        .filter(followed_cases::officer_id.eq(officer_id))
        .filter(crate::in_region!(disputes::region_code, prefix))
        // Those still handled first, so the limit never leaves out an open case.
        .order((
            disputes::concluded_at.is_not_null(),
            followed_cases::assigned_at.desc(),
            followed_cases::dispute_id,
        ))
        .limit(LIST_LIMIT)
        .select((
            FollowedCase::as_select(),
            disputes::case_number,
            businesses::name,
            disputes::region_code,
            disputes::status,
            disputes::first_contact_due_at,
            disputes::settlement_due_at,
            disputes::concluded_at,
            disputes::rating,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| FollowedRow {
            follow: r.0,
            case_number: r.1,
            business_name: r.2,
            region_code: r.3,
            status: r.4,
            first_contact_due_at: r.5,
            settlement_due_at: r.6,
            concluded_at: r.7,
            rating: r.8,
        })
        .collect())
}

/// How many times each of disputes `ids` was urged, and when last.
pub fn urges_of(
    conn: &mut DbConn,
    ids: &[&str],
) -> Result<HashMap<String, (i64, NaiveDateTime)>, StoreError> {
    let rows: Vec<(String, NaiveDateTime)> = dispute_events::table
        .filter(dispute_events::dispute_id.eq_any(ids))
        .filter(dispute_events::kind.eq(TimelineKind::Urged.as_str()))
        .select((dispute_events::dispute_id, dispute_events::created_at))
        .load(conn)?;
    let mut out: HashMap<String, (i64, NaiveDateTime)> = HashMap::new();
    for (id, at) in rows {
        let entry = out.entry(id).or_insert((0, at));
        entry.0 += 1;
        entry.1 = entry.1.max(at);
    }
    Ok(out)
}

/// How many return visits dispute `id` had.
pub fn count_visits(conn: &mut DbConn, id: &str) -> Result<i64, StoreError> {
    Ok(return_visits::table
        .filter(return_visits::dispute_id.eq(id))
        .count()
        .get_result(conn)?)
}

/// Stores a return visit (the caller holds the dispute and numbers it after the others).
pub fn insert_visit(conn: &mut DbConn, row: &ReturnVisit) -> Result<(), StoreError> {
    diesel::insert_into(return_visits::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The return visits of dispute `id`, by day then as recorded, each with its officer's name.
pub fn visits_of(conn: &mut DbConn, id: &str) -> Result<Vec<(ReturnVisit, String)>, StoreError> {
    Ok(return_visits::table
        .inner_join(users::table.on(users::id.eq(return_visits::officer_id)))
        .filter(return_visits::dispute_id.eq(id))
        .order((return_visits::visited_on, return_visits::seq))
        .select((ReturnVisit::as_select(), users::display_name))
        .load(conn)?)
}

/// How many return visits each of disputes `ids` had, with the latest one's day.
pub fn visit_counts(
    conn: &mut DbConn,
    ids: &[&str],
) -> Result<HashMap<String, (i64, NaiveDate)>, StoreError> {
    let rows: Vec<(String, NaiveDate)> = return_visits::table
        .filter(return_visits::dispute_id.eq_any(ids))
        .select((return_visits::dispute_id, return_visits::visited_on))
        .load(conn)?;
    let mut out: HashMap<String, (i64, NaiveDate)> = HashMap::new();
    for (id, on) in rows {
        let entry = out.entry(id).or_insert((0, on));
        entry.0 += 1;
        entry.1 = entry.1.max(on);
    }
    Ok(out)
}

/// The satisfaction said at the latest return visit of dispute `id` that gave one: the latest
/// by day, then the last recorded.
pub fn latest_visit_rating(conn: &mut DbConn, id: &str) -> Result<Option<i64>, StoreError> {
    Ok(latest_visit_ratings(conn, &[id])?.remove(id))
}

/// For each of disputes `ids` whose return visits gave a satisfaction, the one said at the
/// latest of them (by day, then the last recorded).
pub fn latest_visit_ratings(
    conn: &mut DbConn,
    ids: &[&str],
) -> Result<HashMap<String, i64>, StoreError> {
    let rows: Vec<(String, Option<i64>)> = return_visits::table
        .filter(return_visits::dispute_id.eq_any(ids))
        .filter(return_visits::satisfaction.is_not_null())
        .order((
            return_visits::dispute_id,
            return_visits::visited_on,
            return_visits::seq,
        ))
        .select((return_visits::dispute_id, return_visits::satisfaction))
        .load(conn)?;
    // Ordered oldest first, so the last insert of each dispute is its latest visit.
    Ok(rows
        .into_iter()
        .filter_map(|(id, said)| Some((id, said?)))
        .collect())
}

/// The escalations of followed disputes that reached the bureau's queue and are not closed,
/// each with the following officer: (escalation id, officer id).
pub fn followed_escalations(conn: &mut DbConn) -> Result<Vec<(String, String)>, StoreError> {
    use super::schema::escalations;
    Ok(followed_cases::table
        .inner_join(escalations::table.on(escalations::dispute_id.eq(followed_cases::dispute_id)))
        .filter(escalations::connector.eq(crate::config::BUILTIN_CONNECTOR))
        .filter(escalations::delivered_at.is_not_null())
        .filter(escalations::state.ne(crate::domain::escalation::EscalationState::Closed.as_str()))
        .order(escalations::id)
        .select((escalations::id, followed_cases::officer_id))
        .load(conn)?)
}
