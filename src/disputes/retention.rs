//! Retention (docs/people-data.md#retention): the personal data of disputes concluded longer ago than the
//! configured period is removed; statuses, dates, amounts and the metric counters stay.

use chrono::{DateTime, Months, Utc};
use diesel::prelude::*;
use serde_json::json;

use super::CaseContext;
use crate::domain::dispute::TimelineKind;
use crate::store::disputes::append_event;
use crate::store::schema::{
    dispute_claims, dispute_events, dispute_messages, disputes, escalations, evidence,
    notifications, offers, settlements,
};
use crate::store::{DbConn, StoreError, to_db_time};

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
    let expired: Vec<(String, String)> = disputes::table
        .filter(disputes::concluded_at.lt(to_db_time(cutoff)))
        .filter(disputes::anonymised_at.is_null())
        .order(disputes::concluded_at)
        .limit(BATCH)
        .select((disputes::id, disputes::status))
        .load(conn)?;
    // Finished jobs keep rendered emails (names, phone numbers); they go after the same period.
    {
        use crate::store::jobs::state;
        use crate::store::schema::jobs;
        diesel::delete(
            jobs::table
                .filter(jobs::state.eq_any([state::DONE, state::DEAD]))
                .filter(jobs::finished_at.lt(to_db_time(cutoff))),
        )
        .execute(conn)?;
    }
    let mut files = Vec::new();
    for (id, status) in &expired {
        files.extend(crate::store::write_transaction(conn, |conn| {
            anonymise(conn, id, status, now)
        })?);
    }
    // Files go after the rows are committed; a file still used by a kept dispute stays.
    for sha256 in files {
        let still_used = evidence::table
            .inner_join(disputes::table)
            .filter(evidence::sha256.eq(&sha256))
            .filter(disputes::anonymised_at.is_null())
            .count()
            .get_result::<i64>(conn)?
            > 0;
        if !still_used && sha256.len() > 2 {
            let path = ctx.evidence_dir.join(&sha256[..2]).join(&sha256);
            if let Err(error) = std::fs::remove_file(&path)
                && error.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!(%error, file = %path.display(), "expired evidence file not removed");
            }
        }
    }
    Ok(expired.len())
}

/// Removes one dispute's personal data; returns the hashes of its evidence files.
fn anonymise(
    conn: &mut DbConn,
    id: &str,
    status: &str,
    now: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
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
    if marked == 0 {
        return Ok(Vec::new());
    }
    diesel::update(dispute_claims::table.find(id))
        .set((
            dispute_claims::item_name.eq(REMOVED),
            dispute_claims::vin.eq(None::<String>),
            dispute_claims::description.eq(REMOVED),
        ))
        .execute(conn)?;
    diesel::update(dispute_messages::table.filter(dispute_messages::dispute_id.eq(id)))
        .set(dispute_messages::body.eq(REMOVED))
        .execute(conn)?;
    diesel::update(offers::table.filter(offers::dispute_id.eq(id)))
        .set((
            offers::terms.eq(REMOVED),
            offers::response_reason.eq(None::<String>),
        ))
        .execute(conn)?;
    diesel::update(settlements::table.find(id))
        .set(settlements::terms.eq(REMOVED))
        .execute(conn)?;
    // The 12315 steps keep their step name (no personal data): the figures' rebuild counts
    // 诉转案 from them (docs/metrics.md#rebuild).
    let steps: Vec<(String, String)> = dispute_events::table
        .filter(dispute_events::dispute_id.eq(id))
        .filter(dispute_events::kind.eq(TimelineKind::EscalationStatus.as_str()))
        .select((dispute_events::id, dispute_events::detail))
        .load(conn)?;
    diesel::update(
        dispute_events::table
            .filter(dispute_events::dispute_id.eq(id))
            .filter(dispute_events::kind.ne(TimelineKind::EscalationStatus.as_str())),
    )
    .set(dispute_events::detail.eq(json!({"removed": true}).to_string()))
    .execute(conn)?;
    for (event, detail) in steps {
        let status = serde_json::from_str::<serde_json::Value>(&detail)
            .ok()
            .and_then(|d| d.get("status").cloned());
        diesel::update(dispute_events::table.find(event))
            .set(dispute_events::detail.eq(json!({"removed": true, "status": status}).to_string()))
            .execute(conn)?;
    }
    diesel::update(escalations::table.filter(escalations::dispute_id.eq(id)))
        .set(escalations::packet.eq("{}"))
        .execute(conn)?;
    diesel::update(notifications::table.filter(notifications::dispute_id.eq(id)))
        .set(notifications::message.eq(REMOVED))
        .execute(conn)?;
    let files: Vec<String> = evidence::table
        .filter(evidence::dispute_id.eq(id))
        .select(evidence::sha256)
        .load(conn)?;
    diesel::update(evidence::table.filter(evidence::dispute_id.eq(id)))
        .set(evidence::file_name.eq(REMOVED))
        .execute(conn)?;
    append_event(
        conn,
        id,
        TimelineKind::Anonymised,
        None,
        status,
        status,
        &json!({"evidence_files": files.len()}),
        now,
    )?;
    Ok(files)
}
