-- The public verification code of a signed document: the capability in its /v/{code} link.
-- 20 random bytes as 40 lowercase hex digits, made when the document is signed. Documents
-- signed before this migration get one here, from randomblob (SQLite's ChaCha20 generator,
-- seeded from the operating system).
ALTER TABLE documents ADD COLUMN verification_code TEXT;
UPDATE documents SET verification_code = lower(hex(randomblob(20)))
    WHERE signed_sha256 IS NOT NULL;
CREATE UNIQUE INDEX documents_verification_code ON documents(verification_code);
