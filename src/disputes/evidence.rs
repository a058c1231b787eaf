//! Evidence files of a dispute: added by its parties while it is open, up to a cap, each
//! with its row and its timeline entry. The bytes are kept by [`crate::files::FileStore`]
//! under their SHA-256, stored before the rows that name them are written.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::{dispute_not_found, role_of};
use crate::config::DisputeSettings;
use crate::domain::access::Actor;
use crate::domain::dispute::{Status, TimelineKind};
use crate::error::{ApiError, ErrorCode};
use crate::store::disputes::{Dispute, append_event, find_dispute, lock_dispute};
use crate::store::negotiation::{Evidence, count_evidence, insert_evidence};
use crate::store::{DbConn, new_id, to_db_time, write_transaction};

/// A file to add as evidence, stored already: its name as uploaded, its type as decided from
/// its bytes, its size and its SHA-256 (hex), under which the file store keeps it.
#[derive(Debug, Clone, Copy)]
pub struct NewFile<'a> {
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size_bytes: usize,
    pub sha256: &'a str,
}

/// Checks that `actor` is a party to open dispute `id` and that `uploads` more files fit in
/// it (none: whether any fits); returns the dispute, the actor's role on it and how many more
/// files it takes.
pub fn check_room(
    conn: &mut DbConn,
    settings: &DisputeSettings,
    actor: &Actor,
    id: &str,
    uploads: usize,
) -> Result<(Dispute, crate::domain::dispute::Actor, usize), ApiError> {
    let (dispute, _) = find_dispute(conn, id)?.ok_or_else(dispute_not_found)?;
    let role = role_of(actor, &dispute).ok_or_else(dispute_not_found)?;
    if role.party().is_none() {
        return Err(ApiError::forbidden("Only the parties add evidence."));
    }
    let status: Status = dispute.status.parse().map_err(ApiError::internal)?;
    if status.is_terminal() {
        return Err(ApiError::new(
            ErrorCode::DisputeClosed,
            "The dispute is closed.",
        ));
    }
    let held = usize::try_from(count_evidence(conn, id)?).unwrap_or(usize::MAX);
    let cap = usize::try_from(settings.max_evidence_files).unwrap_or(0);
    let room = cap.saturating_sub(held);
    if uploads > room || room == 0 {
        return Err(ApiError::new(
            ErrorCode::TooManyEvidenceFiles,
            format!("A dispute holds at most {cap} evidence files."),
        ));
    }
    Ok((dispute, role, room))
}

/// Records `files`, stored already, as evidence of party `actor` to dispute `id`: each
/// file's row and its timeline entry. The party, the status and the
/// file cap are checked again in the transaction that stores them, with the dispute locked,
/// so concurrent uploads never pass the cap together. Returns the actor's role on the dispute.
pub fn add_evidence(
    conn: &mut DbConn,
    settings: &DisputeSettings,
    actor: &Actor,
    id: &str,
    files: &[NewFile<'_>],
    now: DateTime<Utc>,
) -> Result<crate::domain::dispute::Actor, ApiError> {
    write_transaction(conn, |conn| {
        lock_dispute(conn, id)?;
        let (dispute, role, _) = check_room(conn, settings, actor, id, files.len())?;
        let party = role
            .party()
            .ok_or_else(|| ApiError::forbidden("Only the parties add evidence."))?;
        for file in files {
            let sha256 = file.sha256.to_string();
            let row = Evidence {
                id: new_id(),
                dispute_id: id.to_string(),
                uploader_id: actor.user_id.clone(),
                party: party.as_str().into(),
                file_name: file.file_name.to_string(),
                content_type: file.content_type.to_string(),
                size_bytes: i64::try_from(file.size_bytes).unwrap_or(i64::MAX),
                sha256: sha256.clone(),
                created_at: to_db_time(now),
            };
            insert_evidence(conn, &row)?;
            append_event(
                conn,
                id,
                &dispute.region_code,
                TimelineKind::EvidenceAdded,
                Some((actor.user_id.as_str(), role.as_str())),
                &dispute.status,
                &dispute.status,
                &json!({"evidence_id": row.id, "file_name": row.file_name, "sha256": sha256}),
                now,
            )?;
        }
        Ok::<_, ApiError>(role)
    })
}
