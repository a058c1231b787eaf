-- Refused (hash cannot be NOT NULL) while entries wait to be sealed: seal them first
-- (`odr audit-verify` does), so that no entry is lost.
DROP INDEX audit_log_waiting_idx;
ALTER TABLE audit_log DROP COLUMN chain_no;
ALTER TABLE audit_log ALTER COLUMN hash SET NOT NULL;
ALTER TABLE audit_log ALTER COLUMN prev_hash SET NOT NULL;
ALTER TABLE audit_log ALTER COLUMN seq DROP DEFAULT;
DROP SEQUENCE audit_log_seq;
