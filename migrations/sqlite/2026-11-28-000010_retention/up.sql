-- When the retention job removed a concluded dispute's personal data (the figures stay).
ALTER TABLE disputes ADD COLUMN anonymised_at TIMESTAMP;
CREATE INDEX disputes_retention_idx ON disputes (concluded_at, anonymised_at);
