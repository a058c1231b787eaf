-- Reference data, accounts, businesses, ODR units and the job queue.
-- Ids are UUIDv7 text, times are TIMESTAMP holding UTC (see STYLE.md §9).

CREATE TABLE regions (
    code TEXT PRIMARY KEY NOT NULL,
    parent_code TEXT REFERENCES regions (code),
    level BIGINT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL
);

CREATE TABLE industries (
    code TEXT PRIMARY KEY NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    authority_zh TEXT NOT NULL,
    authority_en TEXT NOT NULL,
    is_market_regulated BOOLEAN NOT NULL
);

CREATE TABLE associations (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    region_code TEXT NOT NULL REFERENCES regions (code),
    industry_code TEXT REFERENCES industries (code),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE businesses (
    id TEXT PRIMARY KEY NOT NULL,
    uscc TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    industry_code TEXT NOT NULL REFERENCES industries (code),
    region_code TEXT NOT NULL REFERENCES regions (code),
    address TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    association_id TEXT REFERENCES associations (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX businesses_region_idx ON businesses (region_code);
CREATE INDEX businesses_association_idx ON businesses (association_id);
CREATE INDEX businesses_industry_idx ON businesses (industry_code);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    role TEXT NOT NULL,
    display_name TEXT NOT NULL,
    email TEXT UNIQUE,
    phone_ciphertext TEXT,
    phone_lookup TEXT UNIQUE,
    phone_masked TEXT,
    password_hash TEXT,
    language TEXT NOT NULL,
    business_id TEXT REFERENCES businesses (id),
    staff_role TEXT,
    region_code TEXT REFERENCES regions (code),
    association_id TEXT REFERENCES associations (id),
    is_active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX users_business_idx ON users (business_id);

CREATE TABLE refresh_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    family_id TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    issued_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);

CREATE TABLE login_attempts (
    id TEXT PRIMARY KEY NOT NULL,
    account_key TEXT NOT NULL,
    client_ip TEXT NOT NULL,
    succeeded BOOLEAN NOT NULL,
    attempted_at TIMESTAMP NOT NULL
);
CREATE INDEX login_attempts_account_idx ON login_attempts (account_key, attempted_at);
CREATE INDEX login_attempts_ip_idx ON login_attempts (client_ip, attempted_at);

CREATE TABLE odr_units (
    id TEXT PRIMARY KEY NOT NULL,
    business_id TEXT NOT NULL UNIQUE REFERENCES businesses (id),
    status TEXT NOT NULL,
    commitment_version TEXT NOT NULL,
    commitment_accepted_at TIMESTAMP NOT NULL,
    has_handling_place BOOLEAN NOT NULL,
    has_staff BOOLEAN NOT NULL,
    has_computer BOOLEAN NOT NULL,
    has_dedicated_phone BOOLEAN NOT NULL,
    has_written_procedure BOOLEAN NOT NULL,
    applied_by TEXT NOT NULL REFERENCES users (id),
    applied_at TIMESTAMP NOT NULL,
    status_changed_at TIMESTAMP NOT NULL,
    activated_at TIMESTAMP
);
CREATE INDEX odr_units_status_idx ON odr_units (status);

CREATE TABLE unit_status_changes (
    id TEXT PRIMARY KEY NOT NULL,
    unit_id TEXT NOT NULL REFERENCES odr_units (id),
    from_status TEXT,
    to_status TEXT NOT NULL,
    actor_id TEXT NOT NULL REFERENCES users (id),
    actor_role TEXT NOT NULL,
    reason TEXT NOT NULL,
    changed_at TIMESTAMP NOT NULL
);
CREATE INDEX unit_status_changes_unit_idx ON unit_status_changes (unit_id, changed_at);

CREATE TABLE unit_commitments (
    unit_id TEXT NOT NULL REFERENCES odr_units (id),
    kind TEXT NOT NULL,
    return_days BIGINT,
    conditions TEXT,
    valid_from DATE NOT NULL,
    valid_to DATE,
    PRIMARY KEY (unit_id, kind)
);

CREATE TABLE jobs (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    dedupe_key TEXT UNIQUE,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    max_attempts BIGINT NOT NULL,
    run_at TIMESTAMP NOT NULL,
    locked_by TEXT,
    locked_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX jobs_due_idx ON jobs (state, run_at);
