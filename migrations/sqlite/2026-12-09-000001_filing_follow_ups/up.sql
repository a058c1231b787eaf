-- The filings whose follow-up has run (docs/architecture.md#filing-follow-up): the staff's
-- notices, the texts, the counters and the alert rules run in the worker after the filing
-- commits, one filing after another at each unit. The alert rules read the unit's filings
-- here, not in `disputes`, so each filing's rules see the same earlier filings whichever
-- worker runs them, and a unit's filings still waiting for theirs cost them nothing to skip.
CREATE TABLE filing_follow_ups (
    dispute_id TEXT PRIMARY KEY NOT NULL REFERENCES disputes (id),
    unit_id TEXT NOT NULL,
    consumer_id TEXT NOT NULL,
    filed_at TIMESTAMP NOT NULL,
    done_at TIMESTAMP NOT NULL
);

-- Every filing made before this table existed was followed up in its own transaction.
INSERT INTO filing_follow_ups (dispute_id, unit_id, consumer_id, filed_at, done_at)
SELECT id, unit_id, consumer_id, filed_at, filed_at FROM disputes;

-- The rules' reads: a unit's filings in a window, and one consumer's there.
CREATE INDEX filing_follow_ups_unit_idx ON filing_follow_ups (unit_id, filed_at);
CREATE INDEX filing_follow_ups_consumer_idx ON filing_follow_ups (unit_id, consumer_id, filed_at);
