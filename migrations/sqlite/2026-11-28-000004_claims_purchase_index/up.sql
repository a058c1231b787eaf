-- Finds an open dispute about the same purchase without scanning a consumer's history.
CREATE INDEX dispute_claims_purchase_idx ON dispute_claims (purchase_date, item_name);
