-- Deadlines (issue #5): escalations of overdue steps to the officers' supervisors.
--
-- escalations: one row per supervisor told that a document's pending step is overdue. A step
-- entry is identified by the time the document entered it (entered_at, Unix seconds, the time
-- of the event that made it the pending step), so a step that is returned to and entered again
-- can escalate again, and each entry escalates at most once. at: when the escalation was made.
CREATE TABLE escalations (
    document_id BIGINT NOT NULL REFERENCES documents(id),
    step BIGINT NOT NULL,
    entered_at BIGINT NOT NULL,
    escalated_to BIGINT NOT NULL REFERENCES users(id),
    at BIGINT NOT NULL,
    PRIMARY KEY (document_id, step, entered_at, escalated_to)
);

