-- Appends no longer wait for one another (docs/metrics.md#audit): an entry is written with
-- its number (SQLite gives an INTEGER PRIMARY KEY the next one) and no hash; the worker seals
-- waiting entries in batches onto the hash chain, in the order of their numbers, giving each
-- its place on the chain (`chain_no`). SQLite cannot relax NOT NULL in place: the table is
-- rebuilt, with AUTOINCREMENT so that a number is never given twice.
CREATE TABLE audit_log_sealed (
    seq INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    id TEXT NOT NULL UNIQUE,
    at TIMESTAMP NOT NULL,
    actor_id TEXT,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    region_code TEXT,
    details TEXT NOT NULL,
    prev_hash TEXT,
    hash TEXT,
    chain_no INTEGER UNIQUE
);
INSERT INTO audit_log_sealed
SELECT seq, id, at, actor_id, actor_role, action, object_type, object_id, region_code, details,
       prev_hash, hash, seq
FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_sealed RENAME TO audit_log;
CREATE INDEX audit_log_region_idx ON audit_log (region_code, seq);
CREATE INDEX audit_log_object_idx ON audit_log (object_id);
CREATE INDEX audit_log_waiting_idx ON audit_log (seq) WHERE chain_no IS NULL;
CREATE INDEX audit_log_region_chain_idx ON audit_log (region_code, chain_no);
