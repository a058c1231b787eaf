//! Writing many rows at once, for generated history (`odr seed-demo --disputes N`): PostgreSQL
//! takes them through `COPY … FROM STDIN (FORMAT binary)`, SQLite through multi-row inserts.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::alerts::FollowedUp;
use super::disputes::{Claim, Dispute, TimelineEvent};
use super::metrics::{DayKey, MonthRow, Row, month_of};
use super::negotiation::{Escalation, Offer, Settlement};
use super::schema::{
    dispute_claims, dispute_events, disputes, escalations, filing_follow_ups, metric_daily,
    metric_monthly, offers, settlements, users,
};
use super::users::User;
use super::{DbConn, StoreError};
use crate::domain::metrics::Counters;

/// Rows per SQLite statement (SQLite allows 32,766 bound values per statement).
const SQLITE_ROWS: usize = 500;

macro_rules! copy_in {
    ($conn:expr, $table:expr, $rows:expr) => {
        if !$rows.is_empty() {
            match $conn {
                DbConn::Pg(pg) => {
                    diesel::copy_from($table)
                        .from_insertable($rows)
                        .execute(pg)?;
                }
                DbConn::Sqlite(lite) => {
                    for chunk in $rows.chunks(SQLITE_ROWS) {
                        diesel::insert_into($table).values(chunk).execute(lite)?;
                    }
                }
            }
        }
    };
}

/// One batch of generated disputes with everything they carry.
#[derive(Debug, Default)]
pub struct DisputeBatch {
    pub disputes: Vec<Dispute>,
    pub claims: Vec<Claim>,
    pub events: Vec<TimelineEvent>,
    pub offers: Vec<Offer>,
    pub settlements: Vec<Settlement>,
    pub escalations: Vec<Escalation>,
}

impl DisputeBatch {
    /// Writes the batch (in the caller's transaction, parents before children).
    pub fn write(&self, conn: &mut DbConn) -> Result<(), StoreError> {
        copy_in!(conn, disputes::table, &self.disputes);
        copy_in!(conn, dispute_claims::table, &self.claims);
        // Generated disputes are counted (`insert_counters`) and seen by the alert rules as
        // filings already followed up.
        let followed: Vec<FollowedUp> = self
            .disputes
            .iter()
            .map(|d| FollowedUp::of(d, d.filed_at))
            .collect();
        copy_in!(conn, filing_follow_ups::table, &followed);
        copy_in!(conn, dispute_events::table, &self.events);
        copy_in!(conn, offers::table, &self.offers);
        copy_in!(conn, settlements::table, &self.settlements);
        copy_in!(conn, escalations::table, &self.escalations);
        Ok(())
    }

    /// How many disputes it holds.
    pub fn len(&self) -> usize {
        self.disputes.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.disputes.is_empty()
    }
}

/// Runs `load` with the secondary indexes of `tables` dropped on PostgreSQL, then rebuilds them
/// from their saved definitions (also when `load` fails): building an index once over the loaded
/// rows is several times faster than keeping it up to date row by row. Primary keys and unique
/// constraints stay. SQLite runs `load` as it is.
pub fn with_indexes_rebuilt<T>(
    conn: &mut DbConn,
    tables: &[&str],
    load: impl FnOnce(&mut DbConn) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    #[derive(QueryableByName)]
    struct Index {
        #[diesel(sql_type = diesel::sql_types::Text)]
        indexname: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        indexdef: String,
    }
    let indexes: Vec<Index> = match conn {
        DbConn::Pg(pg) => diesel::sql_query(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() \
             AND tablename = ANY($1) AND indexname NOT IN (SELECT conname FROM pg_constraint)",
        )
        .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(tables)
        .load(pg)?,
        DbConn::Sqlite(_) => Vec::new(),
    };
    for index in &indexes {
        diesel::sql_query(format!("DROP INDEX \"{}\"", index.indexname)).execute(conn)?;
    }
    let loaded = load(conn);
    for index in &indexes {
        diesel::sql_query(&index.indexdef).execute(conn)?;
    }
    loaded
}

/// Inserts accounts.
pub fn insert_users(conn: &mut DbConn, rows: &[User]) -> Result<(), StoreError> {
    copy_in!(conn, users::table, rows);
    Ok(())
}

/// Inserts the counter rows of units that have none yet: one per unit and day, and their sums
/// per unit and month.
pub fn insert_counters(conn: &mut DbConn, rows: &[(DayKey, Counters)]) -> Result<(), StoreError> {
    let mut months: BTreeMap<(NaiveDate, &str), (&DayKey, Counters)> = BTreeMap::new();
    for (key, counters) in rows {
        let entry = months
            .entry((month_of(key.day), key.unit_id.as_str()))
            .or_insert((key, Counters::default()));
        entry.1 += *counters;
    }
    let days: Vec<Row<'_>> = rows.iter().map(|(k, c)| Row::of(k, k.day, c)).collect();
    for chunk in days.chunks(50_000) {
        copy_in!(conn, metric_daily::table, chunk);
    }
    let months: Vec<MonthRow<'_>> = months
        .iter()
        .map(|((month, _), (key, c))| MonthRow::of(key, *month, c))
        .collect();
    copy_in!(conn, metric_monthly::table, &months);
    super::metrics::refill_rollups(conn)
}
