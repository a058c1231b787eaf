-- Text messages to consumers and, where a deployment chooses, to business staff
-- (docs/sms.md): each one is queued in the transaction of the event it tells of and sent by
-- the worker through the deployment's provider; the table is the queue and the delivery log.
CREATE TABLE sms_messages (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    dispute_id TEXT REFERENCES disputes (id),
    -- What it tells of: filed, first_contact, offer, agreement, fulfilled, escalated,
    -- new_dispute, due_soon.
    event TEXT NOT NULL,
    -- The number, encrypted with the personal-data key, until the message is sent or given up.
    phone_ciphertext TEXT,
    -- The number's keyed hash (the per-number limits count by it) and its masked form.
    phone_lookup TEXT NOT NULL,
    phone_masked TEXT NOT NULL,
    -- The provider's template, its values (a JSON object) and the text they make.
    template_code TEXT NOT NULL,
    params TEXT NOT NULL,
    body TEXT NOT NULL,
    -- pending | sent | failed | opted_out | rate_limited
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    -- The provider's id of the message (Alibaba Cloud's BizId).
    provider_id TEXT,
    -- The worker sending it, until when.
    leased_by TEXT,
    leased_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    -- When it went to the provider (held while being sent, so the per-number limits count it).
    sent_at TIMESTAMP
);
CREATE INDEX sms_messages_due_idx ON sms_messages (status, next_attempt_at);
CREATE INDEX sms_messages_number_idx ON sms_messages (phone_lookup, sent_at);
CREATE INDEX sms_messages_dispute_idx ON sms_messages (dispute_id);
CREATE INDEX sms_messages_created_idx ON sms_messages (created_at, id);

-- The accounts that asked for no text messages (their portal notices and emails go on).
CREATE TABLE sms_opt_outs (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    opted_out_at TIMESTAMP NOT NULL
);
