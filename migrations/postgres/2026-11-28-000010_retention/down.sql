DROP INDEX disputes_retention_idx;
ALTER TABLE disputes DROP COLUMN anonymised_at;
