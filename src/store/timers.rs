//! What the sweeper reads (docs/lifecycle.md#transitions, docs/deadlines.md#reminders): the
//! disputes due for each lapse, the open offers past their expiry and the due dates ahead. The
//! use cases are [`crate::disputes::timers`] and [`crate::disputes::reminders`].

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::{dispute_claims, disputes, offers, settlements};
use super::{DbConn, StoreError, to_db_time};
use crate::domain::dispute::Status;
use crate::domain::offer::OfferStatus;

/// Ids of the filed disputes whose unflagged first contact was due before `now`.
pub fn first_contact_lapsed(
    conn: &mut DbConn,
    now: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    Ok(disputes::table
        .filter(disputes::status.eq(Status::Filed.as_str()))
        .filter(disputes::first_contacted_at.is_null())
        .filter(disputes::first_contact_lapsed_at.is_null())
        .filter(disputes::first_contact_due_at.lt(to_db_time(now)))
        .select(disputes::id)
        .load(conn)?)
}

/// Ids of the disputes awaiting settlement whose settlement was due before `now`.
pub fn settlement_lapsed(conn: &mut DbConn, now: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
    Ok(disputes::table
        .filter(disputes::status.eq_any(Status::awaiting_settlement_names()))
        .filter(disputes::settlement_due_at.lt(to_db_time(now)))
        .select(disputes::id)
        .load(conn)?)
}

/// Ids of the settled, unfulfilled disputes whose fulfilment was due before `now`.
pub fn fulfilment_lapsed(conn: &mut DbConn, now: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
    Ok(disputes::table
        .inner_join(settlements::table)
        .filter(disputes::status.eq(Status::Settled.as_str()))
        .filter(disputes::fulfilled_at.is_null())
        .filter(settlements::fulfilment_due_at.lt(to_db_time(now)))
        .select(disputes::id)
        .load(conn)?)
}

/// Id, fulfilment moment and policy (JSON) of the settled disputes marked fulfilled.
pub fn awaiting_confirmation(
    conn: &mut DbConn,
) -> Result<Vec<(String, Option<NaiveDateTime>, String)>, StoreError> {
    Ok(disputes::table
        .filter(disputes::status.eq(Status::Settled.as_str()))
        .filter(disputes::fulfilled_at.is_not_null())
        .select((disputes::id, disputes::fulfilled_at, disputes::policy))
        .load(conn)?)
}

/// Offer id, dispute id and dispute status of the open offers expiring at or before `now`.
pub fn expired_open_offers(
    conn: &mut DbConn,
    now: DateTime<Utc>,
) -> Result<Vec<(String, String, String)>, StoreError> {
    Ok(offers::table
        .inner_join(disputes::table)
        .filter(offers::status.eq(OfferStatus::Open.as_str()))
        .filter(offers::expires_at.le(to_db_time(now)))
        .select((offers::id, offers::dispute_id, disputes::status))
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

/// An open dispute's due dates, with what a reminder names.
#[derive(Debug, Clone, Queryable)]
pub struct OpenDueDates {
    pub id: String,
    pub business_id: String,
    pub case_number: String,
    pub item_name: String,
    pub filed_at: NaiveDateTime,
    pub status: String,
    pub first_contacted_at: Option<NaiveDateTime>,
    pub first_contact_due_at: NaiveDateTime,
    pub settlement_due_at: NaiveDateTime,
}

/// Disputes awaiting settlement with a due date after `from` and one at or before `to`.
pub fn open_due_dates(
    conn: &mut DbConn,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<OpenDueDates>, StoreError> {
    let (from, to) = (to_db_time(from), to_db_time(to));
    Ok(disputes::table
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
        .load(conn)?)
}

/// A settled dispute's fulfilment due date, with what a reminder names.
#[derive(Debug, Clone, Queryable)]
pub struct FulfilmentDue {
    pub id: String,
    pub business_id: String,
    pub case_number: String,
    pub item_name: String,
    pub filed_at: NaiveDateTime,
    pub fulfilment_due_at: NaiveDateTime,
}

/// Settled, unfulfilled disputes whose fulfilment falls due after `from`, by `to`.
pub fn fulfilments_due(
    conn: &mut DbConn,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<FulfilmentDue>, StoreError> {
    let (from, to) = (to_db_time(from), to_db_time(to));
    Ok(disputes::table
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
        .load(conn)?)
}
