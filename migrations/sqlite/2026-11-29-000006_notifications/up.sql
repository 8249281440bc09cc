-- Notifications (issue #5): what a user reads on /notifikasi, and the e-mails that tell them.
--
-- notifications: one row per notice to one user. kind is the notice's kind
-- (status_changed, new_work, disposition, overdue, delegation_granted); params_json holds
-- what its sentence needs (the new state, the step, the instruction, who sent it, the
-- document's public id and service name as they were then). read_at is NULL until the user
-- marks it read. Texts are rendered when shown, in the reader's language.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    document_id INTEGER REFERENCES documents(id),
    kind TEXT NOT NULL,
    params_json TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_user_read ON notifications(user_id, read_at);

-- mail_outbox: e-mails to send, written in the same transaction as their notices and sent by
-- the mail worker. A claim moves next_attempt_at forward (a lease); a failure counts an
-- attempt and backs off (1 min × 2^attempts); after 8 attempts the row stays, unsent, with
-- its last_error. sent_at is set once the relay accepted the message.
CREATE TABLE mail_outbox (
    id INTEGER PRIMARY KEY,
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    sent_at BIGINT,
    last_error TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox(next_attempt_at) WHERE sent_at IS NULL;
