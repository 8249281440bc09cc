-- Sahih's first schema: agencies, users, sessions, services, documents and their history.
-- Times are Unix seconds (UTC). Blobs live in the content-addressed blob store, by SHA-256.
CREATE TABLE agencies (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    email TEXT,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    agency_id INTEGER REFERENCES agencies(id),
    position TEXT,
    cert_pem TEXT,
    key_pem TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    lang TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE services (
    id INTEGER PRIMARY KEY,
    agency_id INTEGER NOT NULL REFERENCES agencies(id),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    description_en TEXT NOT NULL,
    form_json TEXT NOT NULL,
    template_json TEXT NOT NULL
);

CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    service_id INTEGER NOT NULL REFERENCES services(id),
    agency_id INTEGER NOT NULL REFERENCES agencies(id),
    applicant_id INTEGER NOT NULL REFERENCES users(id),
    state TEXT NOT NULL,
    form_json TEXT NOT NULL,
    version INTEGER NOT NULL,
    signed_sha256 TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX documents_applicant ON documents(applicant_id);
CREATE INDEX documents_queue ON documents(agency_id, state);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    version INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    filename TEXT NOT NULL,
    size BIGINT NOT NULL,
    form_json TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX attachments_document ON attachments(document_id);

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    kind TEXT NOT NULL,
    actor_id INTEGER NOT NULL REFERENCES users(id),
    comment TEXT,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX events_document ON events(document_id);
