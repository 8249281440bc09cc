-- Key unlock lockouts shared by every node (issue #7): the wrong signing-key passphrases and
-- TOTP codes of an officer, counted in the database so that several `sahih serve` nodes share
-- one count and a restart keeps it (NIST SP 800-63B §5.2.2, limiting failed attempts).
--
-- One row per officer with a count: failures is the number of wrong passphrases or codes since
-- window_start; once it reaches the limit within the window, locked_until is when the key may be
-- tried again. A failure after the window or after the lock starts the count again; the right
-- passphrase deletes the row. All times are Unix seconds.
CREATE TABLE unlock_failures (
    user_id INTEGER PRIMARY KEY REFERENCES users(id),
    failures BIGINT NOT NULL,
    window_start BIGINT NOT NULL,
    locked_until BIGINT
);
