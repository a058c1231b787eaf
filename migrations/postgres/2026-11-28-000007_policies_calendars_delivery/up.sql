-- Calendar years loaded at run time (`odr calendar import`, admin API); they take precedence
-- over the years shipped under config/calendars.
CREATE TABLE calendar_years (
    jurisdiction TEXT NOT NULL,
    year BIGINT NOT NULL,
    notice TEXT NOT NULL,
    body TEXT NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    imported_by TEXT REFERENCES users (id),
    PRIMARY KEY (jurisdiction, year)
);

-- Effective-dated deadline policies scoped by region and/or industry; the configured national
-- default applies where none matches.
CREATE TABLE deadline_policies (
    version TEXT PRIMARY KEY NOT NULL,
    region_code TEXT REFERENCES regions (code),
    industry_code TEXT REFERENCES industries (code),
    effective_from DATE NOT NULL,
    body TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT REFERENCES users (id)
);

-- Each escalation keeps its connector, its packet as built when the dispute escalated, and
-- how delivery went.
ALTER TABLE escalations ADD COLUMN connector TEXT NOT NULL DEFAULT 'builtin';
ALTER TABLE escalations ADD COLUMN packet TEXT NOT NULL DEFAULT '{}';
ALTER TABLE escalations ADD COLUMN delivery_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE escalations ADD COLUMN last_delivery_error TEXT;
ALTER TABLE escalations ADD COLUMN delivered_at TIMESTAMP;
ALTER TABLE escalations ADD COLUMN dead_at TIMESTAMP;
CREATE INDEX escalations_dead_idx ON escalations (dead_at);

-- A job past this moment is not retried any more (escalations: 72 h of delivery attempts).
ALTER TABLE jobs ADD COLUMN give_up_at TIMESTAMP;
