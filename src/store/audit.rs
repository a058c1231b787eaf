//! The append-only, hash-chained audit log. Appends run inside the caller's transaction; the
//! head row is updated first, so its lock orders concurrent appends on PostgreSQL (SQLite has
//! one writer anyway).

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use diesel::prelude::*;

use super::schema::{audit_head, audit_log, disputes};
use super::{DbConn, StoreError, new_id, to_db_time};
use crate::domain::access::Actor;
use crate::domain::audit::{AuditFields, GENESIS_HASH, entry_hash};

/// A stored entry.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub seq: i64,
    pub id: String,
    pub at: NaiveDateTime,
    pub actor_id: Option<String>,
    pub actor_role: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub region_code: Option<String>,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// The hash this entry should carry after `prev_hash`.
    pub fn expected_hash(&self, prev_hash: &str) -> String {
        let at = stamp(self.at);
        entry_hash(
            prev_hash,
            &AuditFields {
                seq: self.seq,
                at: &at,
                actor_id: self.actor_id.as_deref(),
                actor_role: &self.actor_role,
                action: &self.action,
                object_type: &self.object_type,
                object_id: &self.object_id,
                region_code: self.region_code.as_deref(),
                details: &self.details,
            },
        )
    }
}

/// The timestamp as hashed: RFC 3339 with microseconds (what both databases keep).
fn stamp(at: NaiveDateTime) -> String {
    at.and_utc().format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// What happened, by whom, to what.
#[derive(Debug, Clone)]
pub struct Audit<'a> {
    pub actor_id: Option<&'a str>,
    /// consumer, merchant, regulator, association_admin, admin, system or `gateway:<name>`.
    pub actor_role: &'a str,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: &'a str,
    /// The region the object belongs to, so the region's regulators can read the entry.
    pub region_code: Option<&'a str>,
    pub details: &'a serde_json::Value,
}

/// Records that `actor` did `action` to an object (in the caller's transaction).
#[expect(
    clippy::too_many_arguments,
    reason = "one flat call per audited action reads best at the call sites"
)]
pub fn record_action(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    object_type: &str,
    object_id: &str,
    region_code: Option<&str>,
    details: &serde_json::Value,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    append_audit(
        conn,
        &Audit {
            actor_id: Some(&actor.user_id),
            actor_role: actor.role.as_str(),
            action,
            object_type,
            object_id,
            region_code,
            details,
        },
        at,
    )
}

/// Appends one entry to the chain.
pub fn append_audit(
    conn: &mut DbConn,
    entry: &Audit<'_>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::update(audit_head::table.find(1_i64))
        .set(audit_head::seq.eq(audit_head::seq + 1))
        .execute(conn)?;
    let (seq, prev_hash): (i64, String) = audit_head::table
        .find(1_i64)
        .select((audit_head::seq, audit_head::hash))
        .first(conn)?;
    let mut row = AuditEntry {
        seq,
        id: new_id(),
        at: to_db_time(at).trunc_subsecs(6),
        actor_id: entry.actor_id.map(str::to_string),
        actor_role: entry.actor_role.into(),
        action: entry.action.into(),
        object_type: entry.object_type.into(),
        object_id: entry.object_id.into(),
        region_code: entry.region_code.map(str::to_string),
        details: entry.details.to_string(),
        prev_hash,
        hash: String::new(),
    };
    row.hash = row.expected_hash(&row.prev_hash);
    diesel::insert_into(audit_log::table)
        .values(&row)
        .execute(conn)?;
    diesel::update(audit_head::table.find(1_i64))
        .set(audit_head::hash.eq(&row.hash))
        .execute(conn)?;
    Ok(())
}

/// The region of dispute `id`, for its audit entries.
pub fn region_of_dispute(conn: &mut DbConn, id: &str) -> Result<Option<String>, StoreError> {
    Ok(disputes::table
        .find(id)
        .select(disputes::region_code)
        .first(conn)
        .optional()?)
}

/// Entries in chain order after `after_seq`, at most `limit`, optionally only those of regions
/// starting with `region_prefix`.
pub fn list_audit(
    conn: &mut DbConn,
    region_prefix: Option<&str>,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<AuditEntry>, StoreError> {
    let mut query = audit_log::table
        .filter(audit_log::seq.gt(after_seq))
        .order(audit_log::seq)
        .limit(limit)
        .select(AuditEntry::as_select())
        .into_boxed();
    if let Some(prefix) = region_prefix {
        query = query.filter(crate::in_region!(audit_log::region_code, prefix));
    }
    Ok(query.load(conn)?)
}

/// Where the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    pub seq: i64,
    pub id: Option<String>,
    pub reason: String,
}

/// Checks the whole chain in order; returns how many entries it holds, or the first broken one.
pub fn verify_chain(conn: &mut DbConn) -> Result<Result<i64, Break>, StoreError> {
    let mut expected_prev = GENESIS_HASH.to_string();
    let mut expected_seq = 1;
    loop {
        let batch = list_audit(conn, None, expected_seq - 1, 1000)?;
        if batch.is_empty() {
            break;
        }
        for entry in batch {
            let broken = |reason: String| Break {
                seq: expected_seq,
                id: Some(entry.id.clone()),
                reason,
            };
            if entry.seq != expected_seq {
                return Ok(Err(Break {
                    seq: expected_seq,
                    id: None,
                    reason: format!("entry {expected_seq} is missing"),
                }));
            }
            if entry.prev_hash != expected_prev {
                return Ok(Err(broken(
                    "its previous hash does not match the entry before it".into(),
                )));
            }
            if entry.hash != entry.expected_hash(&entry.prev_hash) {
                return Ok(Err(broken(
                    "its content does not match its hash (edited after writing)".into(),
                )));
            }
            expected_prev = entry.hash;
            expected_seq += 1;
        }
    }
    let (head_seq, head_hash): (i64, String) = audit_head::table
        .find(1_i64)
        .select((audit_head::seq, audit_head::hash))
        .first(conn)?;
    if head_seq != expected_seq - 1 || head_hash != expected_prev {
        return Ok(Err(Break {
            seq: expected_seq,
            id: None,
            reason: format!(
                "the chain ends at entry {} but its head names entry {head_seq} (entries removed from the end)",
                expected_seq - 1
            ),
        }));
    }
    Ok(Ok(expected_seq - 1))
}
