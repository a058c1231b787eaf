DROP INDEX disputes_settlement_due_idx;
DROP INDEX disputes_first_contact_due_idx;
DROP INDEX disputes_consumer_unit_filed_idx;
CREATE INDEX disputes_consumer_unit_idx ON disputes (consumer_id, unit_id, status);
DROP INDEX disputes_unit_filed_idx;
