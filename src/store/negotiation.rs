//! Messages, offers, settlement agreements, evidence records and escalations of disputes.

use crate::domain::offer::OfferStatus;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::{dispute_messages, escalations, evidence, offers, settlements};
use super::{DbConn, StoreError, to_db_time};

/// A message between the parties.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = dispute_messages)]
pub struct Message {
    pub id: String,
    pub dispute_id: String,
    pub author_id: String,
    pub party: String,
    pub body: String,
    pub created_at: NaiveDateTime,
}

/// An offer or counter-offer.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = offers, treat_none_as_default_value = false)]
pub struct Offer {
    pub id: String,
    pub dispute_id: String,
    pub party: String,
    pub author_id: String,
    pub remedy: String,
    pub amount_fen: i64,
    pub terms: String,
    pub fulfilment_days: i64,
    pub expires_at: NaiveDateTime,
    pub status: String,
    pub response_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub responded_at: Option<NaiveDateTime>,
}

/// The settlement agreement made by accepting an offer.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = settlements, treat_none_as_default_value = false)]
pub struct Settlement {
    pub dispute_id: String,
    pub offer_id: String,
    pub remedy: String,
    pub amount_fen: i64,
    pub terms: String,
    pub fulfilment_due_at: NaiveDateTime,
    pub agreed_at: NaiveDateTime,
}

/// A stored evidence file's record (the bytes are in the evidence store by SHA-256).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = evidence)]
pub struct Evidence {
    pub id: String,
    pub dispute_id: String,
    pub uploader_id: String,
    pub party: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: NaiveDateTime,
}

/// A dispute handed to the regulator.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = escalations, treat_none_as_default_value = false)]
pub struct Escalation {
    pub id: String,
    pub dispute_id: String,
    pub reason: String,
    pub initiated_by: String,
    pub state: String,
    pub created_at: NaiveDateTime,
    /// `builtin` or the name of an HTTP gateway.
    pub connector: String,
    /// The packet (JSON) as built when the dispute escalated.
    pub packet: String,
    pub delivery_attempts: i64,
    pub last_delivery_error: Option<String>,
    pub delivered_at: Option<NaiveDateTime>,
    /// Set when delivery gave up; cleared by a re-drive.
    pub dead_at: Option<NaiveDateTime>,
}

/// Appends a message.
pub fn insert_message(conn: &mut DbConn, message: &Message) -> Result<(), StoreError> {
    diesel::insert_into(dispute_messages::table)
        .values(message)
        .execute(conn)?;
    Ok(())
}

/// Supersedes `party`'s open offers on a dispute; returns how many.
pub fn supersede_open_offers(
    conn: &mut DbConn,
    dispute_id: &str,
    party: &str,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        offers::table
            .filter(offers::dispute_id.eq(dispute_id))
            .filter(offers::party.eq(party))
            .filter(offers::status.eq(OfferStatus::Open.as_str())),
    )
    .set((
        offers::status.eq(OfferStatus::Superseded.as_str()),
        offers::responded_at.eq(Some(to_db_time(now))),
    ))
    .execute(conn)?)
}

/// Adds an offer.
pub fn insert_offer(conn: &mut DbConn, offer: &Offer) -> Result<(), StoreError> {
    diesel::insert_into(offers::table)
        .values(offer)
        .execute(conn)?;
    Ok(())
}

/// One offer of a dispute.
pub fn find_offer(
    conn: &mut DbConn,
    dispute_id: &str,
    offer_id: &str,
) -> Result<Option<Offer>, StoreError> {
    Ok(offers::table
        .filter(offers::id.eq(offer_id))
        .filter(offers::dispute_id.eq(dispute_id))
        .select(Offer::as_select())
        .first(conn)
        .optional()?)
}

/// Moves an open offer to `status`; `false` when it was no longer open.
pub fn close_offer(
    conn: &mut DbConn,
    offer_id: &str,
    status: &str,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        offers::table
            .filter(offers::id.eq(offer_id))
            .filter(offers::status.eq(OfferStatus::Open.as_str())),
    )
    .set((
        offers::status.eq(status),
        offers::response_reason.eq(reason),
        offers::responded_at.eq(Some(to_db_time(now))),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Closes every open offer of a dispute (when it settles or ends).
pub fn close_all_open_offers(
    conn: &mut DbConn,
    dispute_id: &str,
    status: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::update(
        offers::table
            .filter(offers::dispute_id.eq(dispute_id))
            .filter(offers::status.eq(OfferStatus::Open.as_str())),
    )
    .set((
        offers::status.eq(status),
        offers::responded_at.eq(Some(to_db_time(now))),
    ))
    .execute(conn)?;
    Ok(())
}

/// Records the settlement agreement.
pub fn insert_settlement(conn: &mut DbConn, settlement: &Settlement) -> Result<(), StoreError> {
    diesel::insert_into(settlements::table)
        .values(settlement)
        .execute(conn)?;
    Ok(())
}

/// A dispute's settlement agreement.
pub fn find_settlement(
    conn: &mut DbConn,
    dispute_id: &str,
) -> Result<Option<Settlement>, StoreError> {
    Ok(settlements::table
        .find(dispute_id)
        .select(Settlement::as_select())
        .first(conn)
        .optional()?)
}

/// Records an evidence file.
pub fn insert_evidence(conn: &mut DbConn, row: &Evidence) -> Result<(), StoreError> {
    diesel::insert_into(evidence::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Number of evidence files of a dispute.
pub fn count_evidence(conn: &mut DbConn, dispute_id: &str) -> Result<i64, StoreError> {
    Ok(evidence::table
        .filter(evidence::dispute_id.eq(dispute_id))
        .count()
        .get_result(conn)?)
}

/// One evidence record by its id alone (signed links name no dispute).
pub fn find_evidence_by_id(conn: &mut DbConn, id: &str) -> Result<Option<Evidence>, StoreError> {
    Ok(evidence::table
        .find(id)
        .select(Evidence::as_select())
        .first(conn)
        .optional()?)
}

/// One evidence record of a dispute.
pub fn find_evidence(
    conn: &mut DbConn,
    dispute_id: &str,
    id: &str,
) -> Result<Option<Evidence>, StoreError> {
    Ok(evidence::table
        .filter(evidence::id.eq(id))
        .filter(evidence::dispute_id.eq(dispute_id))
        .select(Evidence::as_select())
        .first(conn)
        .optional()?)
}

/// Records an escalation (delivery is a job's work).
pub fn insert_escalations(conn: &mut DbConn, rows: &[Escalation]) -> Result<(), StoreError> {
    if !rows.is_empty() {
        insert_rows!(conn, escalations::table, rows)?;
    }
    Ok(())
}
