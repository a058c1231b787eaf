-- Region reports as generated (docs/metrics.md, "Reports and exports"): the sweeper writes each
-- region's daily look, weekly check and monthly close once per period; on-demand downloads are not
-- kept. The tables are the figures as of generation, as JSON.
CREATE TABLE reports (
    id TEXT PRIMARY KEY NOT NULL,
    region_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    period_from DATE NOT NULL,
    period_to DATE NOT NULL,
    tables TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (region_code, kind, period_from)
);
CREATE INDEX reports_region_idx ON reports (region_code, created_at);
