//! What the sweeper reads (docs/lifecycle.md#transitions, docs/deadlines.md#reminders): the
//! disputes due for each lapse, the open offers past their expiry and the due dates ahead. The
//! use cases are [`crate::disputes::timers`] and [`crate::disputes::reminders`].

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::disputes::Dispute;
use super::schema::{dispute_claims, disputes, offers, settlements};
use super::{DbConn, StoreError, to_db_time};
use crate::domain::dispute::{Deadline, Status};
use crate::domain::offer::OfferStatus;

/// Where a page of disputes due for a lapse ends: the due moment and id of its last dispute.
pub type PageEnd = (NaiveDateTime, String);

/// Keeps the rows of a boxed query after `after` in (`$table.$due`, id) order, at most
/// `limit`. The page starts with a row-value comparison, which both databases read as where
/// to start in an index on (due moment, id) where there is one (first contact, settlement; the
/// fulfilment and confirmation pages, few at a time, are filtered): written as `due > at OR
/// (due = at AND id > last)`,
/// each page read the index from the first due row again, every row already lapsed included
/// (158 ms a page at 100,000 disputes due at one moment).
macro_rules! page_after {
    ($query:expr, $table:ident . $due:ident, $after:expr, $limit:expr) => {{
        let query = match $after {
            Some((at, id)) => $query.filter(
                diesel::dsl::sql::<diesel::sql_types::Bool>(concat!(
                    "(",
                    stringify!($table),
                    ".",
                    stringify!($due),
                    ", disputes.id) > ("
                ))
                .bind::<diesel::sql_types::Timestamp, _>(*at)
                .sql(", ")
                .bind::<diesel::sql_types::Text, _>(id.clone())
                .sql(")"),
            ),
            None => $query,
        };
        query.order(($table::$due, disputes::id)).limit($limit)
    }};
}

/// A dispute a page of the sweep found due: its id and the version it had then.
pub type Seen = (String, i64);

/// Locks those of disputes `seen` for the sweep's transaction that no other transaction holds
/// (PostgreSQL's `FOR UPDATE SKIP LOCKED`) and that nobody changed since the page was read
/// (the same version), in one statement, and returns them in the order given: nodes sweeping
/// the same page at once split it, and a dispute another node's sweep or a person changed
/// meanwhile is left to the next sweep instead of being tried and refused. SQLite has one
/// writer at a time: there only the version is checked.
pub fn claim_for_sweep(conn: &mut DbConn, seen: &[Seen]) -> Result<Vec<Dispute>, StoreError> {
    let ids: Vec<&str> = seen.iter().map(|(id, _)| id.as_str()).collect();
    let query = disputes::table.filter(disputes::id.eq_any(ids));
    let rows: Vec<Dispute> = match conn {
        DbConn::Pg(pg) => query
            .select(Dispute::as_select())
            .for_update()
            .skip_locked()
            .load(pg)?,
        DbConn::Sqlite(lite) => query.select(Dispute::as_select()).load(lite)?,
    };
    let mut held: HashMap<String, Dispute> = rows.into_iter().map(|d| (d.id.clone(), d)).collect();
    Ok(seen
        .iter()
        .filter_map(|(id, version)| held.remove(id).filter(|d| d.version == *version))
        .collect())
}

/// The disputes whose `deadline` lapsed before `now` (filed and unanswered, with the lapse not
/// yet flagged; awaiting settlement; settled and unfulfilled): the page of at most `limit`
/// after `after`, by due moment, each with its id and version.
pub fn lapsed(
    conn: &mut DbConn,
    deadline: Deadline,
    now: DateTime<Utc>,
    after: Option<&PageEnd>,
    limit: i64,
) -> Result<Vec<(NaiveDateTime, String, i64)>, StoreError> {
    let now = to_db_time(now);
    Ok(match deadline {
        Deadline::FirstContact => {
            let query = disputes::table
                .filter(disputes::status.eq(Status::Filed.as_str()))
                .filter(disputes::first_contacted_at.is_null())
                .filter(disputes::first_contact_lapsed_at.is_null())
                .filter(disputes::first_contact_due_at.lt(now))
                .select((
                    disputes::first_contact_due_at,
                    disputes::id,
                    disputes::version,
                ))
                .into_boxed();
            page_after!(query, disputes.first_contact_due_at, after, limit).load(conn)?
        }
        Deadline::Settlement => {
            // Written out, so that both databases read the partial index of the disputes
            // still awaiting settlement, not every dispute whose due moment ever passed.
            let query = disputes::table
                .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
                    super::metrics::AWAITING_STATUSES_SQL,
                ))
                .filter(disputes::settlement_due_at.lt(now))
                .select((disputes::settlement_due_at, disputes::id, disputes::version))
                .into_boxed();
            page_after!(query, disputes.settlement_due_at, after, limit).load(conn)?
        }
        Deadline::Fulfilment => {
            let query = disputes::table
                .inner_join(settlements::table)
                .filter(disputes::status.eq(Status::Settled.as_str()))
                .filter(disputes::fulfilled_at.is_null())
                .filter(settlements::fulfilment_due_at.lt(now))
                .select((
                    settlements::fulfilment_due_at,
                    disputes::id,
                    disputes::version,
                ))
                .into_boxed();
            page_after!(query, settlements.fulfilment_due_at, after, limit).load(conn)?
        }
    })
}

/// The settled disputes marked fulfilled before `before` (the consumer's window to confirm
/// runs from that moment): a page by fulfilment moment, each with its id, policy (JSON) and
/// version.
pub fn awaiting_confirmation(
    conn: &mut DbConn,
    before: DateTime<Utc>,
    after: Option<&PageEnd>,
    limit: i64,
) -> Result<Vec<(NaiveDateTime, String, String, i64)>, StoreError> {
    let query = disputes::table
        .filter(disputes::status.eq(Status::Settled.as_str()))
        .filter(disputes::fulfilled_at.lt(to_db_time(before)))
        .select((
            disputes::fulfilled_at.assume_not_null(),
            disputes::id,
            disputes::policy,
            disputes::version,
        ))
        .into_boxed();
    Ok(page_after!(query, disputes.fulfilled_at, after, limit).load(conn)?)
}

/// Offer id, dispute id and dispute status of the open offers expiring at or before `now`.
pub fn expired_open_offers(
    conn: &mut DbConn,
    now: DateTime<Utc>,
) -> Result<Vec<(String, String, String, String)>, StoreError> {
    Ok(offers::table
        .inner_join(disputes::table)
        .filter(offers::status.eq(OfferStatus::Open.as_str()))
        .filter(offers::expires_at.le(to_db_time(now)))
        .select((
            offers::id,
            offers::dispute_id,
            disputes::status,
            disputes::region_code,
        ))
        .load(conn)?)
}

/// Closes open offer `offer_id` as expired; `false` when it was no longer open.
pub fn expire_offer(
    conn: &mut DbConn,
    offer_id: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let closed = diesel::update(
        offers::table
            .find(offer_id)
            .filter(offers::status.eq(OfferStatus::Open.as_str())),
    )
    .set((
        offers::status.eq(OfferStatus::Expired.as_str()),
        offers::responded_at.eq(Some(to_db_time(now))),
    ))
    .execute(conn)?;
    Ok(closed == 1)
}

/// A due date ahead, with what a reminder names.
#[derive(Debug, Clone, Queryable)]
pub struct Upcoming {
    pub due_at: NaiveDateTime,
    pub id: String,
    pub business_id: String,
    pub case_number: String,
    pub item_name: String,
    pub filed_at: NaiveDateTime,
}

/// The open disputes whose `deadline` falls due after `from` and by `to` (first contact: filed
/// and unanswered; settlement: awaiting settlement; fulfilment: settled and unfulfilled): the
/// page of at most `limit` after `after`, by due moment.
pub fn due_between(
    conn: &mut DbConn,
    deadline: Deadline,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    after: Option<&PageEnd>,
    limit: i64,
) -> Result<Vec<Upcoming>, StoreError> {
    let (from, to) = (to_db_time(from), to_db_time(to));
    let base = || disputes::table.inner_join(dispute_claims::table);
    /// The columns of an [`Upcoming`] with `$due` as its due moment.
    macro_rules! columns {
        ($due:expr) => {
            (
                $due,
                disputes::id,
                disputes::business_id,
                disputes::case_number,
                dispute_claims::item_name,
                disputes::filed_at,
            )
        };
    }
    Ok(match deadline {
        Deadline::FirstContact => {
            let query = base()
                .filter(disputes::status.eq(Status::Filed.as_str()))
                .filter(disputes::first_contacted_at.is_null())
                .filter(disputes::first_contact_due_at.gt(from))
                .filter(disputes::first_contact_due_at.le(to))
                .select(columns!(disputes::first_contact_due_at))
                .into_boxed();
            page_after!(query, disputes.first_contact_due_at, after, limit).load(conn)?
        }
        Deadline::Settlement => {
            let query = base()
                .filter(disputes::status.eq_any(Status::awaiting_settlement_names()))
                .filter(disputes::settlement_due_at.gt(from))
                .filter(disputes::settlement_due_at.le(to))
                .select(columns!(disputes::settlement_due_at))
                .into_boxed();
            page_after!(query, disputes.settlement_due_at, after, limit).load(conn)?
        }
        Deadline::Fulfilment => {
            let query = base()
                .inner_join(settlements::table)
                .filter(disputes::status.eq(Status::Settled.as_str()))
                .filter(disputes::fulfilled_at.is_null())
                .filter(settlements::fulfilment_due_at.gt(from))
                .filter(settlements::fulfilment_due_at.le(to))
                .select(columns!(settlements::fulfilment_due_at))
                .into_boxed();
            page_after!(query, settlements.fulfilment_due_at, after, limit).load(conn)?
        }
    })
}
