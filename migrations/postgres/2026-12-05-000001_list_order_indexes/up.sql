-- A list's page of 20 read from an index in its order, ties broken by id, instead of sorting
-- every dispute of the scope on each request (`store::disputes::list_disputes`): SQLite sorted
-- a consumer's whole history for each page. By due date (the default) and newest first, for a
-- consumer and a business; newest first over all disputes, for a region.
DROP INDEX disputes_consumer_idx;
CREATE INDEX disputes_consumer_idx ON disputes (consumer_id, filed_at, id);
CREATE INDEX disputes_consumer_due_idx ON disputes (consumer_id, settlement_due_at, id);
CREATE INDEX disputes_business_filed_idx ON disputes (business_id, filed_at, id);
CREATE INDEX disputes_filed_idx ON disputes (filed_at, id);
