-- Reply templates (工单回复格式, docs/reply-templates.md): a region's regulators keep texts for
-- recurring kinds of cases, each marked once their legal section has reviewed it; merchants of
-- the region and its regulators insert them into messages, refusals and decisions and edit
-- them before sending.
CREATE TABLE reply_templates (
    id TEXT PRIMARY KEY NOT NULL,
    -- The region whose regulators keep it; it serves the units and regulators inside.
    region_code TEXT NOT NULL REFERENCES regions (code),
    -- The kind of case (a dispute category's code); none: any kind.
    category TEXT,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    -- Set when the legal section reviewed this very text; a change of text clears it.
    reviewed_at TIMESTAMP,
    reviewed_by TEXT REFERENCES users (id),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX reply_templates_region_idx ON reply_templates (region_code, category);
