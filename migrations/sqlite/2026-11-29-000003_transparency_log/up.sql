-- The transparency log (DESIGN.md decision 5; docs/transparency-log.md).
--
-- log_leaves: one row per event, written in the same transaction as the state change. The
-- entry is the canonical sahih-log-leaf/1 text (the bytes the leaf hash covers). leaf_index is
-- NULL while the leaf is pending and set once by the sequencer; the entry bundles served under
-- /log/tile/entries/ are these rows in leaf_index order. document_id is NULL for verifications
-- requested on the public page, which concern no document.
CREATE TABLE log_leaves (
    id INTEGER PRIMARY KEY,
    document_id INTEGER REFERENCES documents(id),
    entry BLOB NOT NULL,
    leaf_index BIGINT UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE INDEX log_leaves_document ON log_leaves(document_id);
CREATE INDEX log_leaves_pending ON log_leaves(id) WHERE leaf_index IS NULL;

-- log_tiles: the c2sp.org/tlog-tiles hash tiles at the latest tree size, one row per tile
-- (level, index), holding 32 × width bytes; a partial tile is rewritten wider as the tree
-- grows, and a full tile never changes again.
CREATE TABLE log_tiles (
    level BIGINT NOT NULL,
    idx BIGINT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (level, idx)
);

-- log_state: the one row of the log's state: the size of the latest checkpoint, its signed
-- note, the verifier key that signed it (a different key is refused), and the deployment's
-- secret 32-byte salt of pseudonyms (set by the service on first start).
CREATE TABLE log_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    tree_size BIGINT NOT NULL,
    checkpoint TEXT,
    verifier_key TEXT,
    salt BLOB,
    updated_at BIGINT NOT NULL
);
INSERT INTO log_state (id, tree_size, updated_at) VALUES (1, 0, 0);
