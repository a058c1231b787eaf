-- The figures' revised definitions (docs/metrics.md): first contact is judged per dispute on
-- its own day, handling ends at the agreement, and "open and overdue" is read at a moment from
-- when each dispute's handling ended. Counters kept under the old definitions are rebuilt from
-- the disputes' timelines when the platform next starts (`odr metrics rebuild` does the same
-- by hand), which also fills in disputes filed before the counters existed.
ALTER TABLE metric_daily ADD COLUMN first_contact_due BIGINT NOT NULL DEFAULT 0;
ALTER TABLE metric_monthly ADD COLUMN first_contact_due BIGINT NOT NULL DEFAULT 0;
ALTER TABLE disputes ADD COLUMN handling_ended_at TIMESTAMP;
-- "Open and overdue" at a past moment reads the disputes whose handling ended after it; a
-- rebuild of a range reads the disputes with timeline entries since its first day.
CREATE INDEX disputes_handling_ended_idx ON disputes (handling_ended_at);
CREATE INDEX dispute_events_created_idx ON dispute_events (created_at);
CREATE TABLE maintenance_tasks (
    name TEXT PRIMARY KEY NOT NULL,
    requested_at TIMESTAMP NOT NULL
);
INSERT INTO maintenance_tasks (name, requested_at)
    SELECT 'metrics_rebuild', CURRENT_TIMESTAMP WHERE EXISTS (SELECT 1 FROM disputes);
