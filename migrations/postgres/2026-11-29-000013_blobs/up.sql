-- Blobs in the database (issue #7). On PostgreSQL the content-addressed blob store lives in
-- this table, so that nodes share nothing but the database. On SQLite blobs stay files under
-- <data>/blobs (a single node; `sahih backup` copies them); the table exists so that both
-- backends have the same tables and columns, and stays empty.
--
-- sha256: lowercase hex SHA-256 of data (the blob's key); size: bytes; created_at: Unix seconds.
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    data BYTEA NOT NULL,
    size BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
