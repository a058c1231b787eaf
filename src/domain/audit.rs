//! The audit chain (docs/metrics.md#audit): each entry's hash is SHA-256 over the previous entry's hash
//! and the entry's own fields in a fixed order, so changing or removing any entry breaks every
//! hash after it.

use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields an entry's hash covers, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFields<'a> {
    pub seq: i64,
    /// RFC 3339 with microseconds, UTC.
    pub at: &'a str,
    pub actor_id: Option<&'a str>,
    pub actor_role: &'a str,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: &'a str,
    pub region_code: Option<&'a str>,
    /// The stored JSON text, byte for byte.
    pub details: &'a str,
}

/// The hash of an entry following `prev_hash`.
pub fn entry_hash(prev_hash: &str, fields: &AuditFields<'_>) -> String {
    // A JSON array fixes the order and escapes every separator inside the values.
    let canonical = serde_json::json!([
        fields.seq,
        fields.at,
        fields.actor_id,
        fields.actor_role,
        fields.action,
        fields.object_type,
        fields.object_id,
        fields.region_code,
        fields.details,
    ])
    .to_string();
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(b"\n");
    hasher.update(canonical.as_bytes());
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields<'a>(details: &'a str) -> AuditFields<'a> {
        AuditFields {
            seq: 1,
            at: "2026-11-28T02:00:00.000000Z",
            actor_id: Some("u1"),
            actor_role: "regulator",
            action: "dispute.unmask",
            object_type: "dispute",
            object_id: "d1",
            region_code: Some("330106"),
            details,
        }
    }

    #[test]
    fn every_field_and_the_previous_hash_count() {
        let base = entry_hash(GENESIS_HASH, &fields("{}"));
        assert_eq!(base.len(), 64);
        assert_eq!(base, entry_hash(GENESIS_HASH, &fields("{}")));
        assert_ne!(base, entry_hash(GENESIS_HASH, &fields("{\"a\":1}")));
        assert_ne!(base, entry_hash(&base, &fields("{}")));
        let mut moved = fields("{}");
        moved.region_code = None;
        assert_ne!(base, entry_hash(GENESIS_HASH, &moved));
        // Values cannot be shifted between fields to forge the same hash.
        let mut a = fields("{}");
        a.object_type = "dispute\",\"d1";
        a.object_id = "";
        assert_ne!(base, entry_hash(GENESIS_HASH, &a));
    }
}
