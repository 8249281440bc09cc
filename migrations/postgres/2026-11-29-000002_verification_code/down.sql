DROP INDEX documents_verification_code;
ALTER TABLE documents DROP COLUMN verification_code;
