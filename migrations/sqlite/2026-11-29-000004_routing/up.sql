-- Routing templates with parallel groups, the officers' hierarchy, delegation (Plt./Plh.) and
-- disposisi. Times are Unix seconds (UTC).

-- The officer's direct superior: disposisi go down this hierarchy, overdue work escalates up it.
ALTER TABLE users ADD COLUMN supervisor_id INTEGER REFERENCES users(id);

-- A service's numbering (nomor surat) settings as JSON; NULL: its documents are not numbered.
ALTER TABLE services ADD COLUMN numbering_json TEXT;

-- Who has acted at which step of a document's route in the current round: paraf or
-- acknowledgement. Rows of a step are removed when the document returns before that step; the
-- history stays in `events`.
CREATE TABLE approvals (
    document_id INTEGER NOT NULL REFERENCES documents(id),
    step INTEGER NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id),
    at BIGINT NOT NULL,
    PRIMARY KEY (document_id, step, user_id)
);

-- An official's signing authority lent to an acting official for a bounded period.
CREATE TABLE delegations (
    id INTEGER PRIMARY KEY,
    delegator_id INTEGER NOT NULL REFERENCES users(id),
    delegate_id INTEGER NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    valid_from BIGINT NOT NULL,
    valid_until BIGINT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX delegations_delegate ON delegations(delegate_id, valid_until);

-- Disposisi: a document forwarded down the hierarchy with an instruction.
CREATE TABLE dispositions (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    from_id INTEGER NOT NULL REFERENCES users(id),
    to_id INTEGER NOT NULL REFERENCES users(id),
    instruction TEXT NOT NULL,
    state TEXT NOT NULL,
    note TEXT,
    created_at BIGINT NOT NULL,
    read_at BIGINT,
    closed_at BIGINT
);
CREATE INDEX dispositions_to ON dispositions(to_id, state);
CREATE INDEX dispositions_document ON dispositions(document_id);
