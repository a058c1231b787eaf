DROP TABLE maintenance_tasks;
DROP INDEX dispute_events_created_idx;
DROP INDEX disputes_handling_ended_idx;
ALTER TABLE disputes DROP COLUMN handling_ended_at;
ALTER TABLE metric_monthly DROP COLUMN first_contact_due;
ALTER TABLE metric_daily DROP COLUMN first_contact_due;
