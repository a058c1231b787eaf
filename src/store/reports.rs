//! Archived region reports: written once per region, kind and period by the sweeper.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{reports, users};
use super::{DbConn, StoreError};

/// A report as generated.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = reports)]
pub struct ArchivedReport {
    pub id: String,
    pub region_code: String,
    pub kind: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    /// The tables (JSON).
    pub tables: String,
    pub created_at: NaiveDateTime,
}

/// Whether the region's report of `kind` for the period starting `from` exists.
pub fn report_exists(
    conn: &mut DbConn,
    region_code: &str,
    kind: &str,
    from: NaiveDate,
) -> Result<bool, StoreError> {
    Ok(diesel::select(diesel::dsl::exists(
        reports::table
            .filter(reports::region_code.eq(region_code))
            .filter(reports::kind.eq(kind))
            .filter(reports::period_from.eq(from)),
    ))
    .get_result(conn)?)
}

/// Archives `report` unless another node archived the same one first; returns whether it was
/// written.
pub fn insert_report(conn: &mut DbConn, report: &ArchivedReport) -> Result<bool, StoreError> {
    Ok(insert_unless_taken!(conn, reports::table, report)? == 1)
}

/// Archived reports of regions starting with `prefix` (all when `None`), newest first, before
/// the report `cursor` when given.
pub fn list_reports(
    conn: &mut DbConn,
    prefix: Option<&str>,
    kind: Option<&str>,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Vec<ArchivedReport>, StoreError> {
    let mut query = reports::table.into_boxed();
    if let Some(prefix) = prefix {
        query = query.filter(crate::in_region!(reports::region_code, prefix));
    }
    if let Some(kind) = kind {
        query = query.filter(reports::kind.eq(kind.to_string()));
    }
    if let Some(cursor) = cursor {
        query = query.filter(reports::id.lt(cursor.to_string()));
    }
    Ok(query
        .order(reports::id.desc())
        .limit(limit)
        .select(ArchivedReport::as_select())
        .load(conn)?)
}

/// One archived report.
pub fn find_report(conn: &mut DbConn, id: &str) -> Result<Option<ArchivedReport>, StoreError> {
    Ok(reports::table
        .find(id)
        .select(ArchivedReport::as_select())
        .first(conn)
        .optional()?)
}

/// The regions that have an active regulator account.
pub fn regulated_regions(conn: &mut DbConn) -> Result<Vec<String>, StoreError> {
    Ok(users::table
        .filter(users::role.eq(crate::domain::role::Role::Regulator.as_str()))
        .filter(users::is_active.eq(true))
        .filter(users::region_code.is_not_null())
        .select(users::region_code.assume_not_null())
        .distinct()
        .order(users::region_code.assume_not_null())
        .load(conn)?)
}
