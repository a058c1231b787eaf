DROP INDEX disputes_filed_idx;
DROP INDEX disputes_business_filed_idx;
DROP INDEX disputes_consumer_due_idx;
DROP INDEX disputes_consumer_idx;
CREATE INDEX disputes_consumer_idx ON disputes (consumer_id, filed_at);
