-- One open dispute per consumer, unit and purchase (docs/lifecycle.md#one-open-dispute-per-purchase),
-- kept by the database itself so that concurrent filings cannot both pass the check: an open
-- dispute holds its purchase's key here until it is concluded.
CREATE TABLE open_purchases (
    purchase_key TEXT PRIMARY KEY NOT NULL,
    dispute_id TEXT NOT NULL REFERENCES disputes (id)
);
CREATE INDEX open_purchases_dispute_idx ON open_purchases (dispute_id);

-- The open disputes of today; of duplicates made before the database kept the rule, the
-- oldest holds the key.
INSERT INTO open_purchases (purchase_key, dispute_id)
SELECT d.consumer_id || '|' || d.unit_id || '|' || to_char(c.purchase_date, 'YYYY-MM-DD') || '|' || c.item_name, d.id
FROM disputes d JOIN dispute_claims c ON c.dispute_id = d.id
WHERE d.status IN ('filed', 'negotiating', 'settled', 'paused')
  AND NOT EXISTS (
    SELECT 1 FROM disputes o JOIN dispute_claims oc ON oc.dispute_id = o.id
    WHERE o.consumer_id = d.consumer_id AND o.unit_id = d.unit_id
      AND oc.purchase_date = c.purchase_date AND oc.item_name = c.item_name
      AND o.status IN ('filed', 'negotiating', 'settled', 'paused')
      AND o.id < d.id
  );
