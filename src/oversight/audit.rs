//! The audit log as regulators (their region) and admins (everything) export it; the export
//! itself is audited.

use chrono::{DateTime, Utc};

use crate::domain::access::Actor;
use crate::store::audit::{AuditEntry, list_audit, record_action};
use crate::store::{DbConn, StoreError, write_transaction};

/// The first `limit` entries of the log in chain order, only those of regions starting with
/// `region_prefix` when given, read and audited as exported by `actor` (a CSV export, under
/// the actor's region) in one transaction; returns the entries.
pub fn export_log(
    conn: &mut DbConn,
    actor: &Actor,
    region_prefix: Option<&str>,
    limit: i64,
    now: DateTime<Utc>,
) -> Result<Vec<AuditEntry>, StoreError> {
    let region = actor.region.as_ref().map(|r| r.as_str());
    write_transaction(conn, |conn| {
        let rows = list_audit(conn, region_prefix, 0, limit)?;
        record_action(
            conn,
            actor,
            "audit.export",
            "audit_log",
            "csv",
            region,
            &serde_json::json!({"entries": rows.len()}),
            now,
        )?;
        Ok::<_, StoreError>(rows)
    })
}
