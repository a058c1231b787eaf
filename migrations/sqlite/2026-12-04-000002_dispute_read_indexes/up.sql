-- The alert rules read a unit's recent filings and their consumers, and a consumer's recent
-- filings at a unit (docs/metrics.md#alerts); nothing reads a consumer's disputes at a unit by
-- status any more.
CREATE INDEX disputes_unit_filed_idx ON disputes (unit_id, filed_at, consumer_id);
DROP INDEX disputes_consumer_unit_idx;
CREATE INDEX disputes_consumer_unit_filed_idx ON disputes (consumer_id, unit_id, filed_at);
-- The sweeper's reminders page through the due dates ahead in due order, and the daily look
-- reads a day's first contacts (docs/deadlines.md#sweeper).
CREATE INDEX disputes_first_contact_due_idx ON disputes (status, first_contact_due_at, id);
CREATE INDEX disputes_settlement_due_idx ON disputes (settlement_due_at, id);
