-- Webhooks for merchants (docs/webhooks.md): a business's owner registers HTTPS endpoints for
-- chosen events; every event of the business's disputes that an endpoint chose becomes a
-- delivery in the same transaction as the event, sent by the worker in order per endpoint,
-- signed, retried with backoff, each attempt logged.
CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY NOT NULL,
    business_id TEXT NOT NULL REFERENCES businesses (id),
    url TEXT NOT NULL,
    -- Comma-separated event types (filed, message, offer, …).
    events TEXT NOT NULL,
    description TEXT NOT NULL,
    -- The signing secret, encrypted with the personal-data key.
    secret TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    disabled_at TIMESTAMP,
    -- Deleted by its owner: kept (events being recorded at that moment still find it), never
    -- shown or sent to again; its deliveries are removed.
    deleted_at TIMESTAMP,
    -- When the delivery holding back the others is tried again (none: nothing held back).
    retry_at TIMESTAMP,
    -- The worker sending this endpoint's deliveries, until when (one at a time keeps order).
    leased_by TEXT,
    leased_until TIMESTAMP
);
CREATE INDEX webhook_endpoints_business_idx ON webhook_endpoints (business_id);

CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    -- The event's own id: the same in every endpoint's delivery of it.
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    dispute_id TEXT,
    -- The JSON body, signed and sent as it is on every attempt.
    payload TEXT NOT NULL,
    -- pending | delivered | failed
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    last_attempt_at TIMESTAMP,
    last_status_code BIGINT,
    last_error TEXT,
    delivered_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
-- The endpoint's deliveries in the order their events happened; the pending ones first.
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at, id);
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (status, next_attempt_at);

CREATE TABLE webhook_attempts (
    id TEXT PRIMARY KEY NOT NULL,
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempted_at TIMESTAMP NOT NULL,
    status_code BIGINT,
    error TEXT,
    duration_ms BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, attempted_at);
