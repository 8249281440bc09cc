-- Long-term validity (issue #6): what the re-timestamping job knows of each signed PDF.
--
-- archive_timestamps: one row per signed file of a document the job has looked at. sha256: the
-- signed file (blob key); previous_sha256: the file it re-timestamped to make this one (NULL
-- for a file the job only read); tsa_not_after: when the certificate of the file's last
-- timestamp expires, Unix seconds (NULL: no timestamp at all); at: when, Unix seconds. The
-- newest row whose sha256 is the document's signed_sha256 is its state: the job reads a file
-- again only when that changes.
CREATE TABLE archive_timestamps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    sha256 TEXT NOT NULL,
    previous_sha256 TEXT,
    tsa_not_after BIGINT,
    at BIGINT NOT NULL
);
CREATE INDEX archive_timestamps_document ON archive_timestamps (document_id, id);
