-- Following cases (the bureau's "1+5" method, docs/following.md): a regulator names an officer
-- to follow a sensitive or major dispute to its end; the officer urges the unit (催办, on the
-- dispute's timeline) and, after the dispute concluded, calls the consumer back (调查回访).
CREATE TABLE followed_cases (
    -- One officer follows a dispute at a time; naming another replaces the first.
    dispute_id TEXT PRIMARY KEY NOT NULL REFERENCES disputes (id),
    officer_id TEXT NOT NULL REFERENCES users (id),
    -- Why it is followed: 'sensitive' or 'major'.
    reason TEXT NOT NULL,
    note TEXT,
    assigned_by TEXT NOT NULL REFERENCES users (id),
    assigned_at TIMESTAMP NOT NULL
);
CREATE INDEX followed_cases_officer_idx ON followed_cases (officer_id, assigned_at);

CREATE TABLE return_visits (
    id TEXT PRIMARY KEY NOT NULL,
    dispute_id TEXT NOT NULL REFERENCES disputes (id),
    -- 1, 2, … in the order the dispute's visits were recorded (under the dispute's lock).
    seq BIGINT NOT NULL,
    -- The officer who called the consumer back.
    officer_id TEXT NOT NULL REFERENCES users (id),
    visited_on DATE NOT NULL,
    -- 'phone', 'sms', 'in_person' or 'online'.
    channel TEXT NOT NULL,
    -- What the consumer said, in the officer's words; cleared when the dispute is anonymised.
    consumer_said TEXT NOT NULL,
    -- 1-5 as the consumer said it; none when they would not say. The satisfaction figures
    -- count the one said at the latest visit (by day, then as recorded) of a dispute the
    -- consumer did not rate in the app.
    satisfaction BIGINT,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX return_visits_dispute_idx ON return_visits (dispute_id, seq);
