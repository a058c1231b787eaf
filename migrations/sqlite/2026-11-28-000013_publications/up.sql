-- Anonymised case summaries and consumer alerts (消费提示) regulators publish (docs/metrics.md,
-- "Publications").
CREATE TABLE publications (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    region_code TEXT NOT NULL,
    dispute_id TEXT REFERENCES disputes (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    published_at TIMESTAMP
);
CREATE INDEX publications_public_idx ON publications (status, published_at);
