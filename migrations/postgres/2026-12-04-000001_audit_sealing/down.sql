-- The version before numbers entries by the head: going back is refused unless every entry is
-- sealed and in number order without gaps (`odr audit-verify` seals what waits), so that no
-- entry is lost and the old appends go on from the head.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM audit_log WHERE chain_no IS DISTINCT FROM seq)
        OR (SELECT seq FROM audit_head WHERE id = 1)
            <> COALESCE((SELECT MAX(seq) FROM audit_log), 0) THEN
        RAISE EXCEPTION 'audit entries wait to be sealed or are out of number order';
    END IF;
END
$$;
DROP INDEX audit_log_region_chain_idx;
DROP INDEX audit_log_waiting_idx;
ALTER TABLE audit_log DROP COLUMN chain_no;
ALTER TABLE audit_log ALTER COLUMN hash SET NOT NULL;
ALTER TABLE audit_log ALTER COLUMN prev_hash SET NOT NULL;
ALTER TABLE audit_log ALTER COLUMN seq DROP DEFAULT;
DROP SEQUENCE audit_log_seq;
