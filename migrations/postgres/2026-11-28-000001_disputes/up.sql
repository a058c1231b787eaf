-- Disputes with their timeline, messages, offers, settlements, evidence and escalations;
-- in-app notifications, idempotency keys and case-number counters.

CREATE TABLE disputes (
    id TEXT PRIMARY KEY NOT NULL,
    case_number TEXT NOT NULL UNIQUE,
    consumer_id TEXT NOT NULL REFERENCES users (id),
    unit_id TEXT NOT NULL REFERENCES odr_units (id),
    business_id TEXT NOT NULL REFERENCES businesses (id),
    region_code TEXT NOT NULL,
    industry_code TEXT NOT NULL,
    policy TEXT NOT NULL,
    status TEXT NOT NULL,
    paused_from TEXT,
    paused_at TIMESTAMP,
    paused_working_days BIGINT NOT NULL,
    pending_extension_party TEXT,
    pending_extension_days BIGINT,
    pending_pause_party TEXT,
    extension_days BIGINT NOT NULL,
    extension_used BOOLEAN NOT NULL,
    filed_at TIMESTAMP NOT NULL,
    first_contacted_at TIMESTAMP,
    first_contact_due_at TIMESTAMP NOT NULL,
    settlement_due_at TIMESTAMP NOT NULL,
    due_provisional BOOLEAN NOT NULL,
    fulfilled_at TIMESTAMP,
    concluded_at TIMESTAMP,
    rating BIGINT,
    rating_comment TEXT,
    rated_at TIMESTAMP,
    version BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX disputes_business_inbox_idx ON disputes (business_id, status, settlement_due_at, id);
CREATE INDEX disputes_business_due_idx ON disputes (business_id, settlement_due_at, id);
CREATE INDEX disputes_consumer_idx ON disputes (consumer_id, filed_at);
CREATE INDEX disputes_consumer_unit_idx ON disputes (consumer_id, unit_id, status);

-- What the consumer claims, written once at filing.
CREATE TABLE dispute_claims (
    dispute_id TEXT PRIMARY KEY NOT NULL REFERENCES disputes (id),
    category TEXT NOT NULL,
    item_kind TEXT NOT NULL,
    item_name TEXT NOT NULL,
    vin TEXT,
    purchase_date DATE NOT NULL,
    amount_paid_fen BIGINT NOT NULL,
    amount_claimed_fen BIGINT NOT NULL,
    remedies TEXT NOT NULL,
    description TEXT NOT NULL,
    contact_consent BOOLEAN NOT NULL
);
CREATE INDEX disputes_region_idx ON disputes (region_code, status, settlement_due_at);

CREATE TABLE dispute_events (
    id TEXT PRIMARY KEY NOT NULL,
    dispute_id TEXT NOT NULL REFERENCES disputes (id),
    kind TEXT NOT NULL,
    actor_id TEXT REFERENCES users (id),
    actor_role TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    detail TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX dispute_events_dispute_idx ON dispute_events (dispute_id, created_at);

CREATE TABLE dispute_messages (
    id TEXT PRIMARY KEY NOT NULL,
    dispute_id TEXT NOT NULL REFERENCES disputes (id),
    author_id TEXT NOT NULL REFERENCES users (id),
    party TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX dispute_messages_dispute_idx ON dispute_messages (dispute_id, created_at);

CREATE TABLE offers (
    id TEXT PRIMARY KEY NOT NULL,
    dispute_id TEXT NOT NULL REFERENCES disputes (id),
    party TEXT NOT NULL,
    author_id TEXT NOT NULL REFERENCES users (id),
    remedy TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    terms TEXT NOT NULL,
    fulfilment_days BIGINT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL,
    response_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    responded_at TIMESTAMP
);
CREATE INDEX offers_dispute_idx ON offers (dispute_id, created_at);

CREATE TABLE settlements (
    dispute_id TEXT PRIMARY KEY NOT NULL REFERENCES disputes (id),
    offer_id TEXT NOT NULL REFERENCES offers (id),
    remedy TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    terms TEXT NOT NULL,
    fulfilment_due_at TIMESTAMP NOT NULL,
    agreed_at TIMESTAMP NOT NULL
);

CREATE TABLE evidence (
    id TEXT PRIMARY KEY NOT NULL,
    dispute_id TEXT NOT NULL REFERENCES disputes (id),
    uploader_id TEXT NOT NULL REFERENCES users (id),
    party TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX evidence_dispute_idx ON evidence (dispute_id, created_at);

CREATE TABLE escalations (
    id TEXT PRIMARY KEY NOT NULL,
    dispute_id TEXT NOT NULL UNIQUE REFERENCES disputes (id),
    reason TEXT NOT NULL,
    initiated_by TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE notifications (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    dispute_id TEXT REFERENCES disputes (id),
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    read_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX notifications_user_idx ON notifications (user_id, created_at);

CREATE TABLE idempotency_keys (
    user_id TEXT NOT NULL REFERENCES users (id),
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code BIGINT NOT NULL,
    response_body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, key)
);

CREATE TABLE case_counters (
    scope TEXT PRIMARY KEY NOT NULL,
    value BIGINT NOT NULL
);
