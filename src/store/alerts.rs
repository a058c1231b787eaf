//! Alerts to the regulators of a region (docs/metrics.md#alerts) and what the alert rules read
//! of recent filings. The rules are [`crate::disputes::alerts`].

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::{alerts, disputes};
use super::{DbConn, StoreError, to_db_time};
use crate::domain::alert::AlertStatus;

/// A stored alert.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = alerts)]
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
}

/// Whether an alert with dedupe key `key` exists.
pub fn alert_exists(conn: &mut DbConn, key: &str) -> Result<bool, StoreError> {
    Ok(alerts::table
        .filter(alerts::dedupe_key.eq(key))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// Stores a new alert; returns `()`.
pub fn insert_alert(conn: &mut DbConn, alert: &Alert) -> Result<(), StoreError> {
    diesel::insert_into(alerts::table)
        .values(alert)
        .execute(conn)?;
    Ok(())
}

/// Alerts of regions starting with `region_prefix` (all when `None`), newest first.
pub fn list_alerts(
    conn: &mut DbConn,
    region_prefix: Option<&str>,
    status: Option<&str>,
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
    if let Some(status) = status {
        query = query.filter(alerts::status.eq(status.to_string()));
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

/// Ids of the disputes against `unit_id` filed since `since`, oldest first.
pub fn filed_since(
    conn: &mut DbConn,
    unit_id: &str,
    since: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    Ok(disputes::table
        .filter(disputes::unit_id.eq(unit_id))
        .filter(disputes::filed_at.ge(to_db_time(since)))
        .order((disputes::filed_at, disputes::id))
        .select(disputes::id)
        .load(conn)?)
}

/// Ids of `consumer_id`'s disputes against `unit_id` filed since `since`, but `except_id`.
pub fn filed_by_consumer_since(
    conn: &mut DbConn,
    unit_id: &str,
    consumer_id: &str,
    except_id: &str,
    since: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    Ok(disputes::table
        .filter(disputes::unit_id.eq(unit_id))
        .filter(disputes::consumer_id.eq(consumer_id))
        .filter(disputes::id.ne(except_id))
        .filter(disputes::filed_at.ge(to_db_time(since)))
        .select(disputes::id)
        .load(conn)?)
}

/// Id, consumer and case number of the disputes against `unit_id` since `since`, oldest first.
pub fn filings_since(
    conn: &mut DbConn,
    unit_id: &str,
    since: DateTime<Utc>,
) -> Result<Vec<(String, String, String)>, StoreError> {
    Ok(disputes::table
        .filter(disputes::unit_id.eq(unit_id))
        .filter(disputes::filed_at.ge(to_db_time(since)))
        .order((disputes::filed_at, disputes::id))
        .select((disputes::id, disputes::consumer_id, disputes::case_number))
        .load(conn)?)
}
