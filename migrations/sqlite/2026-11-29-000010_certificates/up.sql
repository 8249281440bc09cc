-- Sahih's own CA (issue 6): the register of the officer certificates it issued, and the
-- number of its latest CRL (RFC 5280 §5.2.3, cRLNumber: increases with every CRL issued).
--
-- certificates: one row per certificate issued or renewed. serial is the serial number's
-- content octets in lowercase hex. issued_by / revoked_by are the admins who acted, NULL when
-- the command line did. revoked_at (Unix seconds) and reason (an RFC 5280 §5.3.1 CRLReason
-- name, e.g. keyCompromise) are set together, once: a revocation is final.
CREATE TABLE certificates (
    id INTEGER PRIMARY KEY,
    serial TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users(id),
    cert_pem TEXT NOT NULL,
    not_before BIGINT NOT NULL,
    not_after BIGINT NOT NULL,
    issued_at BIGINT NOT NULL,
    issued_by BIGINT REFERENCES users(id),
    revoked_at BIGINT,
    reason TEXT,
    revoked_by BIGINT REFERENCES users(id)
);
CREATE INDEX certificates_user ON certificates(user_id);

CREATE TABLE crl_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    crl_number BIGINT NOT NULL
);
INSERT INTO crl_state (id, crl_number) VALUES (1, 0);
