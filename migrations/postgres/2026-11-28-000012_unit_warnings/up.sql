-- Warnings a regulator gives a unit (docs/metrics.md, "Evaluation"); shown as its standing.
CREATE TABLE unit_warnings (
    id TEXT PRIMARY KEY NOT NULL,
    unit_id TEXT NOT NULL REFERENCES odr_units (id),
    reason TEXT NOT NULL,
    actor_id TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX unit_warnings_unit_idx ON unit_warnings (unit_id, created_at);
