-- Mediation (docs/mediation.md): a region's regulators enrol mediators (people's mediators,
-- association mediators, volunteer lawyers) and refer escalated disputes to them, from the
-- 12315 queue or at both parties' request; the mediator writes to the parties, holds
-- sessions and records the outcome.
CREATE TABLE mediators (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    -- 'people_mediator', 'association_mediator' or 'volunteer_lawyer'.
    kind TEXT NOT NULL,
    -- The body the mediator works for, e.g. 西湖区消费纠纷人民调解委员会.
    organisation TEXT NOT NULL,
    enrolled_by TEXT NOT NULL REFERENCES users (id),
    enrolled_at TIMESTAMP NOT NULL
);

-- A party's request for mediation while the business handles the dispute; the regulators
-- refer it once both parties asked.
CREATE TABLE mediation_requests (
    dispute_id TEXT NOT NULL REFERENCES disputes (id),
    -- 'consumer' or 'business'.
    party TEXT NOT NULL,
    requested_by TEXT NOT NULL REFERENCES users (id),
    requested_at TIMESTAMP NOT NULL,
    PRIMARY KEY (dispute_id, party)
);

CREATE TABLE mediations (
    id TEXT PRIMARY KEY NOT NULL,
    dispute_id TEXT NOT NULL REFERENCES disputes (id),
    escalation_id TEXT NOT NULL REFERENCES escalations (id),
    mediator_id TEXT NOT NULL REFERENCES users (id),
    -- The mediator's organisation and the dispute's region at the referral, which the
    -- figures group by.
    organisation TEXT NOT NULL,
    region_code TEXT NOT NULL,
    -- 'queue' (referred from the 12315 queue) or 'joint_request' (both parties asked).
    origin TEXT NOT NULL,
    -- 'referred', 'scheduled', 'in_session', 'agreed' or 'failed'.
    state TEXT NOT NULL,
    note TEXT,
    referred_by TEXT NOT NULL REFERENCES users (id),
    referred_at TIMESTAMP NOT NULL,
    -- The end of the bureau's mediation limit (docs/escalation.md#the-bureaus-own-deadlines).
    due_at TIMESTAMP NOT NULL,
    concluded_at TIMESTAMP,
    failure_reason TEXT,
    -- The agreement: what the business does, by when.
    remedy TEXT,
    amount_fen BIGINT,
    terms TEXT,
    fulfilment_due_at TIMESTAMP,
    fulfilled_at TIMESTAMP,
    confirmed_at TIMESTAMP
);
CREATE INDEX mediations_dispute_idx ON mediations (dispute_id, referred_at);
CREATE INDEX mediations_mediator_idx ON mediations (mediator_id, referred_at);
CREATE INDEX mediations_region_idx ON mediations (region_code, referred_at);
-- One mediation of a dispute runs at a time: two regulators referring at once leave one.
CREATE UNIQUE INDEX mediations_open_idx ON mediations (dispute_id)
    WHERE state IN ('referred', 'scheduled', 'in_session');

CREATE TABLE mediation_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    mediation_id TEXT NOT NULL REFERENCES mediations (id),
    -- 1, 2, … as scheduled.
    seq BIGINT NOT NULL,
    -- 'online' or 'in_person'.
    mode TEXT NOT NULL,
    -- Where (in person) or how to join (online).
    place TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    scheduled_by TEXT NOT NULL REFERENCES users (id),
    scheduled_at TIMESTAMP NOT NULL,
    -- 'held' or 'not_held', once recorded.
    outcome TEXT,
    record TEXT,
    recorded_at TIMESTAMP
);
CREATE UNIQUE INDEX mediation_sessions_seq_idx ON mediation_sessions (mediation_id, seq);
CREATE INDEX mediation_sessions_starts_idx ON mediation_sessions (starts_at);
