-- Alerts to the regulators of a region (docs/metrics.md, "Alerts"): mass complaint, repeat, major,
-- sensitive and commitment breach; each names its disputes and is acknowledged and closed with a
-- note.
CREATE TABLE alerts (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    unit_id TEXT NOT NULL REFERENCES odr_units (id),
    region_code TEXT NOT NULL,
    summary TEXT NOT NULL,
    dispute_ids TEXT NOT NULL,
    dedupe_key TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    acknowledged_at TIMESTAMP,
    acknowledged_by TEXT REFERENCES users (id),
    closed_at TIMESTAMP,
    closed_by TEXT REFERENCES users (id),
    note TEXT
);
CREATE INDEX alerts_region_idx ON alerts (region_code, status, created_at);
