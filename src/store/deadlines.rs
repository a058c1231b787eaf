//! Calendar years loaded at run time and the scoped deadline policies.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{calendar_years, deadline_policies};
use super::{DbConn, StoreError};

/// A calendar year imported at run time (its body is the year's TOML).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = calendar_years)]
pub struct CalendarYearRow {
    pub jurisdiction: String,
    pub year: i64,
    pub notice: String,
    pub body: String,
    pub imported_at: NaiveDateTime,
    pub imported_by: Option<String>,
}

/// Stores `row`, replacing an earlier import of the same year.
pub fn put_calendar_year(conn: &mut DbConn, row: &CalendarYearRow) -> Result<(), StoreError> {
    diesel::delete(
        calendar_years::table
            .filter(calendar_years::jurisdiction.eq(&row.jurisdiction))
            .filter(calendar_years::year.eq(row.year)),
    )
    .execute(conn)?;
    diesel::insert_into(calendar_years::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Every imported year of `jurisdiction`, oldest first.
pub fn list_calendar_years(
    conn: &mut DbConn,
    jurisdiction: &str,
) -> Result<Vec<CalendarYearRow>, StoreError> {
    Ok(calendar_years::table
        .filter(calendar_years::jurisdiction.eq(jurisdiction))
        .order(calendar_years::year)
        .select(CalendarYearRow::as_select())
        .load(conn)?)
}

/// A stored deadline policy (its body is the policy's JSON).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = deadline_policies)]
pub struct PolicyRow {
    pub version: String,
    pub region_code: Option<String>,
    pub industry_code: Option<String>,
    pub effective_from: NaiveDate,
    pub body: String,
    pub note: String,
    pub created_at: NaiveDateTime,
    pub created_by: Option<String>,
}

/// Adds a policy; a version that exists already is a conflict.
pub fn insert_policy(conn: &mut DbConn, row: &PolicyRow) -> Result<(), StoreError> {
    diesel::insert_into(deadline_policies::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Every stored policy, by effective date then version.
/// Whether `version` names a policy scoped to a region or an industry (stored here), rather
/// than the national default from the configuration.
pub fn is_scoped_policy(conn: &mut DbConn, version: &str) -> Result<bool, StoreError> {
    use super::schema::deadline_policies;
    Ok(deadline_policies::table
        .find(version)
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

pub fn list_policies(conn: &mut DbConn) -> Result<Vec<PolicyRow>, StoreError> {
    Ok(deadline_policies::table
        .order((
            deadline_policies::effective_from,
            deadline_policies::version,
        ))
        .select(PolicyRow::as_select())
        .load(conn)?)
}
