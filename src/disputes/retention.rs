//! Retention (docs/people-data.md#retention): the personal data of disputes concluded longer ago than the
//! configured period is removed; statuses, dates, amounts and the metric counters stay.

use chrono::{DateTime, Months, Utc};
use serde_json::json;

use super::CaseContext;
use crate::domain::dispute::TimelineKind;
use crate::store::disputes::append_event;
use crate::store::retention::{
    escalation_steps, evidence_file_in_use, expired_disputes, mark_anonymised, remove_case_texts,
    remove_evidence_names, remove_packet_and_notifications, replace_event_details,
    set_event_detail,
};
use crate::store::{DbConn, StoreError};

/// What replaces removed text.
pub const REMOVED: &str = "（已按保存期限删除）";

/// How many disputes one sweep anonymises at most (the rest wait for the next).
const BATCH: i64 = 200;

/// Anonymises disputes concluded before the retention period; returns how many.
pub fn anonymise_expired(
    conn: &mut DbConn,
    ctx: &CaseContext,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let Some(cutoff) = now.checked_sub_months(Months::new(ctx.retention_years.saturating_mul(12)))
    else {
        return Ok(0);
    };
    let expired = expired_disputes(conn, cutoff, BATCH)?;
    // Finished jobs keep rendered emails (names, phone numbers); they go after the same period.
    crate::store::jobs::delete_finished_before(conn, cutoff)?;
    let mut files = Vec::new();
    for (id, status, region_code) in &expired {
        files.extend(crate::store::write_transaction(conn, |conn| {
            anonymise(conn, id, status, region_code, now)
        })?);
    }
    // Files go after the rows are committed; a file still used by a kept dispute stays.
    for sha256 in files {
        let still_used = evidence_file_in_use(conn, &sha256)?;
        if !still_used && let Err(error) = ctx.files.remove_blocking(&sha256) {
            tracing::warn!(%error, file = %sha256, "expired evidence file not removed");
        }
    }
    Ok(expired.len())
}

/// Removes one dispute's personal data; returns the hashes of its evidence files.
fn anonymise(
    conn: &mut DbConn,
    id: &str,
    status: &str,
    region_code: &str,
    now: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    if !mark_anonymised(conn, id, now)? {
        return Ok(Vec::new());
    }
    remove_case_texts(conn, id, REMOVED)?;
    // The 12315 steps keep their step name (no personal data): the figures' rebuild counts
    // 诉转案 from them (docs/metrics.md#rebuild).
    let steps = escalation_steps(conn, id)?;
    replace_event_details(conn, id, &json!({"removed": true}).to_string())?;
    for (event, detail) in steps {
        let status = serde_json::from_str::<serde_json::Value>(&detail)
            .ok()
            .and_then(|d| d.get("status").cloned());
        set_event_detail(
            conn,
            &event,
            &json!({"removed": true, "status": status}).to_string(),
        )?;
    }
    remove_packet_and_notifications(conn, id, REMOVED)?;
    let files = remove_evidence_names(conn, id, REMOVED)?;
    append_event(
        conn,
        id,
        region_code,
        TimelineKind::Anonymised,
        None,
        status,
        status,
        &json!({"evidence_files": files.len()}),
        now,
    )?;
    Ok(files)
}
