//! Alerts to the regulators of a region (docs/metrics.md#alerts) and what the alert rules read
//! of recent filings: only those already followed up ([`mark_followed_up`]), in the order their
//! follow-ups ran. The rules are [`crate::disputes::alerts`].

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::{alerts, disputes, filing_follow_ups};
use super::{DbConn, StoreError, from_db_time, to_db_time};
use crate::domain::alert::AlertStatus;

/// The PostgreSQL advisory-lock class of a unit's filings (the second key is the unit).
const FILING_LOCK_CLASS: i32 = 0x0D12_0002;

/// Makes the follow-ups of the filings at `unit_id` wait for each other from here until the
/// transaction ends (PostgreSQL; SQLite writes one at a time anyway): the alert rules read
/// after it see every earlier follow-up of the unit committed, so two follow-ups at once never
/// both make, or both miss, a rule's count (docs/architecture.md#filing-follow-up). Only
/// follow-ups take it; filings and other events of the unit go on beside them.
pub fn queue_unit_filings(conn: &mut DbConn, unit_id: &str) -> Result<(), StoreError> {
    super::advisory_lock(conn, FILING_LOCK_CLASS, unit_id, false)
}

/// Records that the follow-up of filing `d` runs now, in the caller's transaction; false when
/// it has run before (a job run again after its worker stopped).
pub fn mark_followed_up(
    conn: &mut DbConn,
    d: &super::disputes::Dispute,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let row = FollowedUp::of(d, to_db_time(now));
    Ok(insert_unless_taken!(conn, filing_follow_ups::table, &row)? == 1)
}

/// Whether the follow-up of the filing of the dispute in the row at hand has run.
#[diesel::dsl::auto_type]
pub(crate) fn followed_up() -> _ {
    diesel::dsl::exists(
        filing_follow_ups::table.filter(filing_follow_ups::dispute_id.eq(disputes::id)),
    )
}

/// Ids of the disputes filed from `from` until before `until` whose follow-up has not run and
/// was not queued again under the key `<key_prefix><id>`, oldest first, at most `limit`.
pub fn not_followed_up(
    conn: &mut DbConn,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    key_prefix: &str,
    limit: i64,
) -> Result<Vec<String>, StoreError> {
    use diesel::IntoSql;
    let key = key_prefix
        .to_string()
        .into_sql::<diesel::sql_types::Text>()
        .concat(disputes::id);
    Ok(disputes::table
        .filter(disputes::filed_at.ge(to_db_time(from)))
        .filter(disputes::filed_at.lt(to_db_time(until)))
        .filter(diesel::dsl::not(followed_up()))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            super::schema::jobs::table.filter(super::schema::jobs::dedupe_key.eq(key.nullable())),
        )))
        .order((disputes::filed_at, disputes::id))
        .select(disputes::id)
        .limit(limit)
        .load(conn)?)
}

/// A filing whose follow-up has run, with what the alert rules read of it.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = filing_follow_ups, treat_none_as_default_value = false)]
pub struct FollowedUp {
    pub dispute_id: String,
    pub unit_id: String,
    pub consumer_id: String,
    pub filed_at: NaiveDateTime,
    pub done_at: NaiveDateTime,
}

impl FollowedUp {
    /// Dispute `d`'s filing, followed up at `done_at`.
    pub fn of(d: &super::disputes::Dispute, done_at: NaiveDateTime) -> Self {
        Self {
            dispute_id: d.id.clone(),
            unit_id: d.unit_id.clone(),
            consumer_id: d.consumer_id.clone(),
            filed_at: d.filed_at,
            done_at,
        }
    }
}

/// A stored alert (inserted with NULL, not DEFAULT, for what is missing: one prepared statement).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = alerts, treat_none_as_default_value = false)]
pub struct Alert {
    pub id: String,
    pub kind: String,
    pub unit_id: String,
    pub region_code: String,
    pub summary: String,
    /// JSON array of dispute ids.
    pub dispute_ids: String,
    pub dedupe_key: String,
    /// open, acknowledged or closed.
    pub status: String,
    pub created_at: NaiveDateTime,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub acknowledged_by: Option<String>,
    pub closed_at: Option<NaiveDateTime>,
    pub closed_by: Option<String>,
    pub note: Option<String>,
    /// The summary in English (`summary` is Chinese).
    pub summary_en: Option<String>,
}

/// Stores a new alert unless one with its dedupe key exists; returns whether it was stored.
pub fn insert_alert(conn: &mut DbConn, alert: &Alert) -> Result<bool, StoreError> {
    Ok(insert_unless_taken!(conn, alerts::table, alert)? == 1)
}

/// Alerts of regions starting with `region_prefix` (all when `None`), newest first.
pub fn list_alerts(
    conn: &mut DbConn,
    region_prefix: Option<&str>,
    statuses: &[&str],
    limit: i64,
) -> Result<Vec<Alert>, StoreError> {
    let mut query = alerts::table
        .order((alerts::created_at.desc(), alerts::id.desc()))
        .limit(limit)
        .select(Alert::as_select())
        .into_boxed();
    if let Some(prefix) = region_prefix {
        query = query.filter(crate::in_region!(alerts::region_code, prefix));
    }
    if !statuses.is_empty() {
        query = query.filter(alerts::status.eq_any(statuses.to_vec()));
    }
    Ok(query.load(conn)?)
}

/// One alert.
pub fn find_alert(conn: &mut DbConn, id: &str) -> Result<Option<Alert>, StoreError> {
    Ok(alerts::table
        .find(id)
        .select(Alert::as_select())
        .first(conn)
        .optional()?)
}

/// Moves an alert on: `acknowledged` from open, `closed` (with a note) from open or
/// acknowledged. Returns false when the alert was not in a state that allows it.
pub fn move_alert(
    conn: &mut DbConn,
    id: &str,
    to: AlertStatus,
    by: &str,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    /// The columns a move sets: the state, who moved it and when (as acknowledgement or as
    /// closing; `None` leaves a column as it is), and the note.
    #[derive(AsChangeset)]
    #[diesel(table_name = alerts)]
    struct Move<'a> {
        status: &'a str,
        acknowledged_at: Option<NaiveDateTime>,
        acknowledged_by: Option<&'a str>,
        closed_at: Option<NaiveDateTime>,
        closed_by: Option<&'a str>,
        note: Option<Option<&'a str>>,
    }
    let stamp = (Some(to_db_time(now)), Some(by));
    let ((acknowledged_at, acknowledged_by), (closed_at, closed_by)) =
        if to == AlertStatus::Acknowledged {
            (stamp, (None, None))
        } else {
            ((None, None), stamp)
        };
    let from: Vec<&str> = to.reached_from().iter().map(|s| s.as_str()).collect();
    let moved = diesel::update(alerts::table.find(id).filter(alerts::status.eq_any(&from)))
        .set(Move {
            status: to.as_str(),
            acknowledged_at,
            acknowledged_by,
            closed_at,
            closed_by,
            note: Some(note),
        })
        .execute(conn)?;
    Ok(moved == 1)
}

/// How many alerts of regions starting with `prefix` are not closed.
pub fn count_open_in_region(conn: &mut DbConn, prefix: &str) -> Result<i64, StoreError> {
    Ok(alerts::table
        .filter(crate::in_region!(alerts::region_code, prefix))
        .filter(alerts::status.ne(AlertStatus::Closed.as_str()))
        .count()
        .get_result(conn)?)
}

/// How many disputes against `unit_id` were filed since `since`, counting no further than
/// `cap` (the rules ask whether a count was just reached, so a busy unit costs no more).
pub fn count_filed_since(
    conn: &mut DbConn,
    unit_id: &str,
    since: DateTime<Utc>,
    cap: i64,
) -> Result<i64, StoreError> {
    let ids: Vec<String> = filing_follow_ups::table
        .filter(filing_follow_ups::unit_id.eq(unit_id))
        .filter(filing_follow_ups::filed_at.ge(to_db_time(since)))
        .select(filing_follow_ups::dispute_id)
        .limit(cap)
        .load(conn)?;
    Ok(ids.len() as i64)
}

/// Ids of the disputes against `unit_id` filed since `since`, oldest first.
pub fn filed_since(
    conn: &mut DbConn,
    unit_id: &str,
    since: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    Ok(filing_follow_ups::table
        .filter(filing_follow_ups::unit_id.eq(unit_id))
        .filter(filing_follow_ups::filed_at.ge(to_db_time(since)))
        .order((filing_follow_ups::filed_at, filing_follow_ups::dispute_id))
        .select(filing_follow_ups::dispute_id)
        .load(conn)?)
}

/// Id and filing moment of `consumer_id`'s latest `limit` disputes against `unit_id` filed
/// since `since`, but `except_id`; newest first.
pub fn filed_by_consumer_since(
    conn: &mut DbConn,
    unit_id: &str,
    consumer_id: &str,
    except_id: &str,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<(String, DateTime<Utc>)>, StoreError> {
    let rows: Vec<(String, NaiveDateTime)> = filing_follow_ups::table
        .filter(filing_follow_ups::unit_id.eq(unit_id))
        .filter(filing_follow_ups::consumer_id.eq(consumer_id))
        .filter(filing_follow_ups::dispute_id.ne(except_id))
        .filter(filing_follow_ups::filed_at.ge(to_db_time(since)))
        // By filing moment only, as the index has them: a scan that stops after `limit`.
        .order(filing_follow_ups::filed_at.desc())
        .select((filing_follow_ups::dispute_id, filing_follow_ups::filed_at))
        .limit(limit)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, at)| (id, from_db_time(at)))
        .collect())
}

/// How many different consumers filed against `unit_id` since `since`. Reads the window's
/// first `cap` filings and stops there when they already name more than `cap_consumers`
/// consumers (returning that many plus one), so a flood of filings costs one short read.
pub fn consumers_since(
    conn: &mut DbConn,
    unit_id: &str,
    since: DateTime<Utc>,
    cap_consumers: i64,
) -> Result<i64, StoreError> {
    let window = || {
        filing_follow_ups::table
            .filter(filing_follow_ups::unit_id.eq(unit_id))
            .filter(filing_follow_ups::filed_at.ge(to_db_time(since)))
    };
    let rows = (cap_consumers + 1) * 8;
    let first: Vec<String> = window()
        .order(filing_follow_ups::filed_at)
        .select(filing_follow_ups::consumer_id)
        .limit(rows)
        .load(conn)?;
    let seen: std::collections::BTreeSet<&str> = first.iter().map(String::as_str).collect();
    if seen.len() as i64 > cap_consumers || (first.len() as i64) < rows {
        return Ok((seen.len() as i64).min(cap_consumers + 1));
    }
    // Few consumers filed many times each: count them all.
    let all: Vec<String> = window()
        .select(filing_follow_ups::consumer_id)
        .distinct()
        .load(conn)?;
    Ok((all.len() as i64).min(cap_consumers + 1))
}

/// Id, consumer and case number of the disputes against `unit_id` since `since`, oldest first.
pub fn filings_since(
    conn: &mut DbConn,
    unit_id: &str,
    since: DateTime<Utc>,
) -> Result<Vec<(String, String, String)>, StoreError> {
    Ok(filing_follow_ups::table
        .inner_join(disputes::table)
        .filter(filing_follow_ups::unit_id.eq(unit_id))
        .filter(filing_follow_ups::filed_at.ge(to_db_time(since)))
        .order((filing_follow_ups::filed_at, filing_follow_ups::dispute_id))
        .select((disputes::id, disputes::consumer_id, disputes::case_number))
        .load(conn)?)
}
