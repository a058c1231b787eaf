-- China's divisions nationwide (docs/regions.md): codes change from year to year, and a code a
-- later list no longer has is retired, never deleted, so that the businesses, accounts and
-- reports that name it keep their place. A retired region takes no new records.
ALTER TABLE regions ADD COLUMN retired_at TIMESTAMP;
CREATE INDEX regions_parent_idx ON regions (parent_code);
