DROP TABLE maintenance_tasks;
DROP INDEX disputes_settlement_due_idx;
ALTER TABLE disputes DROP COLUMN handling_ended_at;
ALTER TABLE metric_monthly DROP COLUMN first_contact_due;
ALTER TABLE metric_daily DROP COLUMN first_contact_due;
