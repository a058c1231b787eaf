-- Append-only audit log (docs/metrics.md, "Audit"): each entry carries the SHA-256 of the previous
-- one, so an entry edited or removed behind the platform's back breaks the chain (`odr
-- audit-verify`).
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY NOT NULL,
    id TEXT NOT NULL UNIQUE,
    at TIMESTAMP NOT NULL,
    actor_id TEXT,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    region_code TEXT,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_region_idx ON audit_log (region_code, seq);
CREATE INDEX audit_log_object_idx ON audit_log (object_id);

-- The chain's head; its row lock orders concurrent appends.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY NOT NULL,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
