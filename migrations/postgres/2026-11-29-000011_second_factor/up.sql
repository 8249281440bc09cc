-- Key custody (issue 6): an officer's TOTP second factor (RFC 6238) for unlocking the signing
-- key. sealed_secret is the shared secret sealed with AES-256-GCM under the instance's
-- second-factor key (data directory, `second-factor.key`), the officer's id as associated data:
-- a copy of the database alone does not give the codes. confirmed_at is null while the officer
-- has been shown the QR code but not yet entered a code from it. last_step is the last TOTP
-- time step (Unix time / 30 s) accepted: a code is accepted once (RFC 6238 §5.2).
CREATE TABLE second_factors (
    user_id BIGINT PRIMARY KEY REFERENCES users(id),
    sealed_secret TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    confirmed_at BIGINT,
    last_step BIGINT NOT NULL DEFAULT 0
);
