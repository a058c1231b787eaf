-- The regulator's handling of an escalated dispute, step by step (12315 statuses).
CREATE TABLE escalation_updates (
    id TEXT PRIMARY KEY NOT NULL,
    escalation_id TEXT NOT NULL REFERENCES escalations (id),
    status TEXT NOT NULL,
    note TEXT,
    actor_id TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX escalation_updates_escalation_idx ON escalation_updates (escalation_id, created_at);
