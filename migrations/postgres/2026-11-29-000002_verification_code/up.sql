-- The public verification code of a signed document: the capability in its /v/{code} link.
-- 20 random bytes as 40 lowercase hex digits, made when the document is signed. Documents
-- signed before this migration get one here: 160 bits of SHA-256 over two gen_random_uuid()
-- values (PostgreSQL's strong random generator, 244 random bits).
ALTER TABLE documents ADD COLUMN verification_code TEXT;
UPDATE documents
    SET verification_code = substr(encode(sha256(
        convert_to(gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')), 'hex'), 1, 40)
    WHERE signed_sha256 IS NOT NULL;
CREATE UNIQUE INDEX documents_verification_code ON documents(verification_code);
