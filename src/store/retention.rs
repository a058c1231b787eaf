//! What retention (docs/people-data.md#retention) reads and overwrites: the disputes past the
//! period and, row by row, their personal data. The use case is
//! [`crate::disputes::retention`].

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::{
    dispute_claims, dispute_events, dispute_messages, disputes, escalations, evidence,
    notifications, offers, settlements,
};
use super::{DbConn, StoreError, to_db_time};
use crate::domain::dispute::TimelineKind;

/// Ids and statuses of at most `limit` disputes concluded before `cutoff`, not anonymised yet.
pub fn expired_disputes(
    conn: &mut DbConn,
    cutoff: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<(String, String, String)>, StoreError> {
    Ok(disputes::table
        .filter(disputes::concluded_at.lt(to_db_time(cutoff)))
        .filter(disputes::anonymised_at.is_null())
        .order(disputes::concluded_at)
        .limit(limit)
        .select((disputes::id, disputes::status, disputes::region_code))
        .load(conn)?)
}

/// Whether the file `sha256` still belongs to evidence of a dispute that is not anonymised.
pub fn evidence_file_in_use(conn: &mut DbConn, sha256: &str) -> Result<bool, StoreError> {
    Ok(evidence::table
        .inner_join(disputes::table)
        .filter(evidence::sha256.eq(sha256))
        .filter(disputes::anonymised_at.is_null())
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// Marks dispute `id` anonymised, dropping its rating comment; `false` if it was already.
pub fn mark_anonymised(
    conn: &mut DbConn,
    id: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let marked = diesel::update(
        disputes::table
            .find(id)
            .filter(disputes::anonymised_at.is_null()),
    )
    .set((
        disputes::anonymised_at.eq(Some(to_db_time(now))),
        disputes::rating_comment.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(marked != 0)
}

/// Overwrites the texts of dispute `id`'s claim, messages, offers, settlement, return visits
/// and mediations, and removes the note on why it is followed; returns `()`.
pub fn remove_case_texts(conn: &mut DbConn, id: &str, removed: &str) -> Result<(), StoreError> {
    diesel::update(dispute_claims::table.find(id))
        .set((
            dispute_claims::item_name.eq(removed),
            dispute_claims::vin.eq(None::<String>),
            dispute_claims::description.eq(removed),
        ))
        .execute(conn)?;
    diesel::update(dispute_messages::table.filter(dispute_messages::dispute_id.eq(id)))
        .set(dispute_messages::body.eq(removed))
        .execute(conn)?;
    diesel::update(offers::table.filter(offers::dispute_id.eq(id)))
        .set((
            offers::terms.eq(removed),
            offers::response_reason.eq(None::<String>),
        ))
        .execute(conn)?;
    diesel::update(settlements::table.find(id))
        .set(settlements::terms.eq(removed))
        .execute(conn)?;
    // What the consumer said at a return visit goes; the satisfaction they gave stays, as the
    // figures count it (docs/following.md#return-visits).
    diesel::update(
        super::schema::return_visits::table.filter(super::schema::return_visits::dispute_id.eq(id)),
    )
    .set(super::schema::return_visits::consumer_said.eq(removed))
    .execute(conn)?;
    // The note on why an officer follows it may describe the consumer.
    diesel::update(super::schema::followed_cases::table.find(id))
        .set(super::schema::followed_cases::note.eq(None::<String>))
        .execute(conn)?;
    // The mediations' notes, reasons, terms, places and records (docs/mediation.md#personal-data),
    // and the notes of its 12315 steps (a refusal's or a failed mediation's reason), whose
    // step names stay.
    super::mediations::remove_texts(conn, id, removed)?;
    let escalation_ids = escalations::table
        .filter(escalations::dispute_id.eq(id))
        .select(escalations::id);
    diesel::update(
        super::schema::escalation_updates::table
            .filter(super::schema::escalation_updates::escalation_id.eq_any(escalation_ids))
            .filter(super::schema::escalation_updates::note.is_not_null()),
    )
    .set(super::schema::escalation_updates::note.eq(removed))
    .execute(conn)?;
    // The text messages about it keep no trace of the number (docs/sms.md#personal-data).
    super::sms::forget_numbers(conn, &[id.to_string()])?;
    Ok(())
}

/// Ids and details of dispute `id`'s timeline entries that are 12315 handling steps.
pub fn escalation_steps(conn: &mut DbConn, id: &str) -> Result<Vec<(String, String)>, StoreError> {
    Ok(dispute_events::table
        .filter(dispute_events::dispute_id.eq(id))
        .filter(dispute_events::kind.eq(TimelineKind::EscalationStatus.as_str()))
        .select((dispute_events::id, dispute_events::detail))
        .load(conn)?)
}

/// Sets `detail` on dispute `id`'s timeline entries but its 12315 steps; returns `()`.
pub fn replace_event_details(conn: &mut DbConn, id: &str, detail: &str) -> Result<(), StoreError> {
    diesel::update(
        dispute_events::table
            .filter(dispute_events::dispute_id.eq(id))
            .filter(dispute_events::kind.ne(TimelineKind::EscalationStatus.as_str())),
    )
    .set(dispute_events::detail.eq(detail))
    .execute(conn)?;
    Ok(())
}

/// Sets `detail` on the timeline entry `event_id`; returns `()`.
pub fn set_event_detail(conn: &mut DbConn, event_id: &str, detail: &str) -> Result<(), StoreError> {
    diesel::update(dispute_events::table.find(event_id))
        .set(dispute_events::detail.eq(detail))
        .execute(conn)?;
    Ok(())
}

/// Empties dispute `id`'s escalation packet and overwrites its notifications; returns `()`.
pub fn remove_packet_and_notifications(
    conn: &mut DbConn,
    id: &str,
    removed: &str,
) -> Result<(), StoreError> {
    diesel::update(escalations::table.filter(escalations::dispute_id.eq(id)))
        .set(escalations::packet.eq("{}"))
        .execute(conn)?;
    diesel::update(notifications::table.filter(notifications::dispute_id.eq(id)))
        .set((
            notifications::message.eq(removed),
            notifications::message_zh.eq(None::<String>),
            notifications::message_en.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Overwrites the file names of dispute `id`'s evidence; returns the files' hashes.
pub fn remove_evidence_names(
    conn: &mut DbConn,
    id: &str,
    removed: &str,
) -> Result<Vec<String>, StoreError> {
    let files: Vec<String> = evidence::table
        .filter(evidence::dispute_id.eq(id))
        .select(evidence::sha256)
        .load(conn)?;
    diesel::update(evidence::table.filter(evidence::dispute_id.eq(id)))
        .set(evidence::file_name.eq(removed))
        .execute(conn)?;
    Ok(files)
}
