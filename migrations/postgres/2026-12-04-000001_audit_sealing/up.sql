-- Appends no longer wait for one another (docs/metrics.md#audit): an entry is written with
-- its number from a sequence and no hash; the worker seals waiting entries in batches onto
-- the hash chain, in the order of their numbers, giving each its place on the chain
-- (`chain_no`). Only sealers take the head row's lock. Nodes of the version before append
-- the old way: stop them all for this upgrade.
CREATE SEQUENCE audit_log_seq OWNED BY audit_log.seq;
SELECT setval('audit_log_seq', COALESCE((SELECT MAX(seq) FROM audit_log), 0) + 1, false);
ALTER TABLE audit_log ALTER COLUMN seq SET DEFAULT nextval('audit_log_seq');
ALTER TABLE audit_log ALTER COLUMN prev_hash DROP NOT NULL;
ALTER TABLE audit_log ALTER COLUMN hash DROP NOT NULL;
ALTER TABLE audit_log ADD COLUMN chain_no BIGINT UNIQUE;
UPDATE audit_log SET chain_no = seq;
CREATE INDEX audit_log_waiting_idx ON audit_log (seq) WHERE chain_no IS NULL;
CREATE INDEX audit_log_region_chain_idx ON audit_log (region_code, chain_no);
