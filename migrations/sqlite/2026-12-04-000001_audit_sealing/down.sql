-- Refused (hash is NOT NULL) while entries wait to be sealed: seal them first
-- (`odr audit-verify` does), so that no entry is lost.
CREATE TABLE audit_log_chained (
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
INSERT INTO audit_log_chained
SELECT seq, id, at, actor_id, actor_role, action, object_type, object_id, region_code, details,
       prev_hash, hash
FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_chained RENAME TO audit_log;
CREATE INDEX audit_log_region_idx ON audit_log (region_code, seq);
CREATE INDEX audit_log_object_idx ON audit_log (object_id);
