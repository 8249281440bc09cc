-- The integration API (issue #8): agency applications, their keys, idempotent submissions and
-- webhook deliveries.
--
-- api_applications: an agency's application (licensing portal, travel-order system, …). It is
-- the applicant (pemohon) of what it submits: user_id is its applicant account in users (role
-- citizen, agency_id set, a password nobody knows), so the workflow treats its documents like
-- a citizen's. webhook_url receives the status changes of its documents, signed with
-- webhook_secret (Standard Webhooks: HMAC-SHA256); webhook_cursor is the last events.id
-- turned into deliveries.
CREATE TABLE api_applications (
    user_id INTEGER PRIMARY KEY REFERENCES users(id),
    agency_id INTEGER NOT NULL REFERENCES agencies(id),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    webhook_url TEXT,
    webhook_secret TEXT NOT NULL,
    webhook_cursor BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

-- api_keys: a key is shown once as sahih_<key_id>_<secret>; only SHA-256(secret) is kept (the
-- secret is 256 random bits, so a fast hash suffices, RFC 6819 §5.1.4.1.3 asks for a hash).
-- scopes: space-separated operations (documents:submit documents:read verify). A revoked key
-- stays listed with revoked_at.
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    key_id TEXT NOT NULL UNIQUE,
    application_id INTEGER NOT NULL REFERENCES api_applications(user_id),
    secret_sha256 TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    last_used_at BIGINT
);

-- api_idempotency: an Idempotency-Key seen on a POST, written in the same transaction as what
-- the request did, so a retry finds either nothing (the first attempt did nothing) or the
-- result. request_sha256 is the hash of the request (method, path, body): the same key with
-- another request is refused.
CREATE TABLE api_idempotency (
    application_id INTEGER NOT NULL REFERENCES api_applications(user_id),
    idempotency_key TEXT NOT NULL,
    request_sha256 TEXT NOT NULL,
    document_id INTEGER REFERENCES documents(id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (application_id, idempotency_key)
);

-- webhook_deliveries: one row per event per application, made from events (so no status
-- change is missed even if the process dies right after committing it). Claimed with a lease
-- like mail_outbox; a failure backs off (30 s × 2^attempts); after max attempts the row stays
-- with its last status and error, and the admin can replay it (attempts reset).
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES api_applications(user_id),
    event_id BIGINT NOT NULL,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    delivered_at BIGINT,
    last_status BIGINT,
    last_error TEXT,
    UNIQUE (application_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE delivered_at IS NULL;
