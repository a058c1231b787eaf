DROP INDEX regions_parent_idx;
ALTER TABLE regions DROP COLUMN retired_at;
