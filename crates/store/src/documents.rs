//! Documents, their attachment versions and their timelines.

use diesel::prelude::*;
use sahih_workflow::{AgencyId, DocumentId, DocumentState, Event, Transition, UserId};

use crate::schema::{attachments, documents, events, users};
use crate::{
    Attachment, Change, DbConnection, Document, EventRecord, NewAttachment, NewDocument, ServiceId,
    Store, StoreError, now,
};

pub(crate) type DocumentRow = (
    i64,
    String,
    i64,
    i64,
    i64,
    String,
    String,
    i64,
    Option<String>,
    i64,
    i64,
    Option<String>,
);

pub(crate) const DOCUMENT_COLUMNS: (
    documents::id,
    documents::public_id,
    documents::service_id,
    documents::agency_id,
    documents::applicant_id,
    documents::state,
    documents::form_json,
    documents::version,
    documents::signed_sha256,
    documents::created_at,
    documents::updated_at,
    documents::verification_code,
) = (
    documents::id,
    documents::public_id,
    documents::service_id,
    documents::agency_id,
    documents::applicant_id,
    documents::state,
    documents::form_json,
    documents::version,
    documents::signed_sha256,
    documents::created_at,
    documents::updated_at,
    documents::verification_code,
);

impl TryFrom<DocumentRow> for Document {
    type Error = StoreError;
    fn try_from(r: DocumentRow) -> Result<Document, StoreError> {
        Ok(Document {
            id: DocumentId(r.0),
            public_id: r.1,
            service_id: ServiceId(r.2),
            agency_id: AgencyId(r.3),
            applicant_id: UserId(r.4),
            state: DocumentState::from_code(&r.5)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            form: serde_json::from_str(&r.6).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            version: r.7,
            signed_sha256: r.8,
            verification_code: r.11,
            created_at: r.9,
            updated_at: r.10,
        })
    }
}

fn event_comment(e: &Event) -> Option<&str> {
    match e {
        Event::Returned { comment, .. } => Some(comment),
        Event::Rejected { reason } => Some(reason),
        Event::Numbered { number } => Some(number),
        _ => None,
    }
}

/// Records the events of `t` in the document's timeline and, in the same transaction, as
/// pending leaves of the transparency log. `sha256` is the hex SHA-256 of the document's file
/// after the transition.
fn insert_events(
    c: &mut DbConnection,
    doc: i64,
    actor: UserId,
    t: &Transition,
    at: i64,
    sha256: &str,
    note: Option<&str>,
) -> Result<(), StoreError> {
    crate::dialect::lock_journal(c)?;
    let last = t.events.len().saturating_sub(1);
    for (i, e) in t.events.iter().enumerate() {
        // Only the last event moves the state (`numbered` before `signed` does not), as in
        // the log's leaves; turnaround statistics count state changes.
        let to = if i == last { t.to } else { t.from };
        diesel::insert_into(events::table)
            .values((
                events::document_id.eq(doc),
                events::kind.eq(e.kind()),
                events::actor_id.eq(actor.0),
                events::comment.eq(event_comment(e).or(note)),
                events::from_state.eq(t.from.as_code()),
                events::to_state.eq(to.as_code()),
                events::at.eq(at),
            ))
            .execute(c)?;
    }
    crate::routing::record_approvals(c, DocumentId(doc), actor, &t.events, at)?;
    crate::log::append_event_leaves(c, DocumentId(doc), actor, t, at, sha256)
}

/// The hex SHA-256 of the attachment of `version`: the file the document is at.
fn current_sha256(c: &mut DbConnection, doc: i64, version: i64) -> Result<String, StoreError> {
    attachments::table
        .filter(attachments::document_id.eq(doc))
        .filter(attachments::version.eq(version))
        .order(attachments::id.desc())
        .select(attachments::sha256)
        .first::<String>(c)
        .optional()?
        .ok_or_else(|| StoreError::Corrupt(format!("document {doc} has no version {version}")))
}

fn insert_attachment(
    c: &mut DbConnection,
    doc: i64,
    version: i64,
    a: &NewAttachment,
    form_json: &str,
    at: i64,
) -> QueryResult<()> {
    diesel::insert_into(attachments::table)
        .values((
            attachments::document_id.eq(doc),
            attachments::version.eq(version),
            attachments::sha256.eq(&a.sha256),
            attachments::filename.eq(&a.filename),
            attachments::size.eq(a.size),
            attachments::form_json.eq(form_json),
            attachments::created_at.eq(at),
        ))
        .execute(c)
        .map(|_| ())
}

/// Inserts a document, its first attachment version and its events (the transaction of
/// [`Store::submit_document`] and [`Store::submit_document_once`]).
pub(crate) fn insert_document(
    c: &mut DbConnection,
    doc: &NewDocument,
    transition: &Transition,
    at: i64,
) -> Result<DocumentId, StoreError> {
    let form = form_json(&doc.form)?;
    let id = diesel::insert_into(documents::table)
        .values((
            documents::public_id.eq(&doc.public_id),
            documents::service_id.eq(doc.service_id.0),
            documents::agency_id.eq(doc.agency_id.0),
            documents::applicant_id.eq(doc.applicant_id.0),
            documents::state.eq(transition.to.as_code()),
            documents::form_json.eq(&form),
            documents::version.eq(1),
            documents::created_at.eq(at),
            documents::updated_at.eq(at),
        ))
        .returning(documents::id)
        .get_result::<i64>(c)?;
    insert_attachment(c, id, 1, &doc.attachment, &form, at)?;
    insert_events(
        c,
        id,
        doc.applicant_id,
        transition,
        at,
        &doc.attachment.sha256,
        None,
    )?;
    Ok(DocumentId(id))
}

/// The storage codes of the closed states (signed, rejected, withdrawn): what "open" excludes.
pub(crate) fn closed_state_codes() -> Vec<String> {
    [
        DocumentState::Signed,
        DocumentState::Rejected,
        DocumentState::Withdrawn,
    ]
    .iter()
    .map(DocumentState::as_code)
    .collect()
}

fn form_json(form: &[(String, String)]) -> Result<String, StoreError> {
    serde_json::to_string(form).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The compare-and-set that opens every transaction acting on a document: moves document `id`
/// from `t.from` to `t.to` only if it is still in `t.from` at attachment version `version`.
/// Being a write, it makes SQLite take its write lock at once, so concurrent writers queue
/// (busy timeout) instead of failing on a lock upgrade.
///
/// Errors: [`StoreError::Conflict`] if the document changed meanwhile, [`StoreError::NotFound`].
pub(crate) fn claim(
    c: &mut DbConnection,
    id: DocumentId,
    t: &Transition,
    version: i64,
    at: i64,
) -> Result<(), StoreError> {
    let updated = diesel::update(
        documents::table
            .find(id.0)
            .filter(documents::state.eq(t.from.as_code()))
            .filter(documents::version.eq(version)),
    )
    .set((
        documents::state.eq(t.to.as_code()),
        documents::updated_at.eq(at),
    ))
    .execute(c)?;
    if updated == 1 {
        return Ok(());
    }
    let actual = documents::table
        .find(id.0)
        .select((documents::state, documents::version))
        .first::<(String, i64)>(c)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    Err(StoreError::Conflict {
        actual: format!("{} (version {})", actual.0, actual.1),
    })
}

/// Records what transition `t` of document `id` (claimed at `version`) changes besides the
/// state: a new attachment version and form values, the signed PDF's blob key and verification
/// code, and the events in the timeline and as pending log leaves.
pub(crate) fn record_change(
    c: &mut DbConnection,
    id: DocumentId,
    actor: UserId,
    t: &Transition,
    version: i64,
    change: &Change,
    at: i64,
) -> Result<(), StoreError> {
    let new_version = if change.attachment.is_some() {
        version + 1
    } else {
        version
    };
    let new_form = change.form.as_deref().map(form_json).transpose()?;
    diesel::update(documents::table.find(id.0))
        .set((
            documents::version.eq(new_version),
            documents::signed_sha256.eq(change.signed_sha256.as_deref()),
            documents::verification_code.eq(change.verification_code.as_deref()),
        ))
        .execute(c)?;
    if let Some(form) = &new_form {
        diesel::update(documents::table.find(id.0))
            .set(documents::form_json.eq(form))
            .execute(c)?;
    }
    // A new version (resubmission), or the same version with an approval signature added.
    if let Some(a) = change.attachment.as_ref().or(change.approval.as_ref()) {
        let form = match &new_form {
            Some(f) => f.clone(),
            None => documents::table
                .find(id.0)
                .select(documents::form_json)
                .first::<String>(c)?,
        };
        insert_attachment(c, id.0, new_version, a, &form, at)?;
    }
    let sha256 = match (&change.signed_sha256, &change.attachment, &change.approval) {
        (Some(signed), _, _) => signed.clone(),
        (None, Some(a), _) | (None, None, Some(a)) => a.sha256.clone(),
        (None, None, None) => current_sha256(c, id.0, new_version)?,
    };
    if let Some((step, count)) = change.given {
        crate::routing::check_given(c, id, step, count)?;
    }
    if let Some(round) = change.round {
        crate::routing::check_round(c, id, round)?;
    }
    if let Some(idem) = &change.idempotency {
        crate::api::record_idempotency(c, actor, idem, id, at)?;
    }
    insert_events(c, id.0, actor, t, at, &sha256, change.note.as_deref())
}

impl Store {
    /// Creates a document with its first attachment and the events of `transition` (from
    /// `sahih_workflow::submit`), with their pending log leaves, in one transaction. The
    /// attachment's blob must already be in the blob store.
    pub fn submit_document(
        &self,
        doc: &NewDocument,
        transition: &Transition,
    ) -> Result<DocumentId, StoreError> {
        let at = now();
        let mut conn = self.conn()?;
        conn.transaction(|c| insert_document(c, doc, transition, at))
            .inspect(|_| self.log_signal.notify())
    }

    /// Applies a workflow transition by `actor`, in one transaction: the state moves from
    /// `transition.from` to `transition.to` only if the document is still in `from` at attachment
    /// version `version` (compare-and-set: what the actor saw is what they act on), and the
    /// events (in the timeline and as pending log leaves), a new attachment version or the signed
    /// PDF's blob key and verification code are recorded with it.
    ///
    /// The transaction writes first, so SQLite takes its write lock at once and concurrent
    /// writers wait (busy timeout) instead of failing on a lock upgrade.
    ///
    /// Errors: [`StoreError::Conflict`] if the document changed meanwhile, [`StoreError::NotFound`].
    pub fn apply_transition(
        &self,
        id: DocumentId,
        actor: UserId,
        transition: &Transition,
        version: i64,
        change: &Change,
    ) -> Result<(), StoreError> {
        let at = now();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            claim(c, id, transition, version, at)?;
            record_change(c, id, actor, transition, version, change, at)
        })
        .inspect(|_| self.log_signal.notify())
    }

    /// The document `id`, if any.
    pub fn document(&self, id: DocumentId) -> Result<Option<Document>, StoreError> {
        let mut conn = self.conn()?;
        let row = documents::table
            .find(id.0)
            .select(DOCUMENT_COLUMNS)
            .first::<DocumentRow>(&mut *conn)
            .optional()?;
        row.map(Document::try_from).transpose()
    }

    /// The document with this public id, if any.
    pub fn document_by_public_id(&self, public_id: &str) -> Result<Option<Document>, StoreError> {
        let mut conn = self.conn()?;
        let row = documents::table
            .filter(documents::public_id.eq(public_id))
            .select(DOCUMENT_COLUMNS)
            .first::<DocumentRow>(&mut *conn)
            .optional()?;
        row.map(Document::try_from).transpose()
    }

    /// The signed document whose public verification code is `code`, if any.
    pub fn document_by_verification_code(
        &self,
        code: &str,
    ) -> Result<Option<Document>, StoreError> {
        let mut conn = self.conn()?;
        let row = documents::table
            .filter(documents::verification_code.eq(code))
            .select(DOCUMENT_COLUMNS)
            .first::<DocumentRow>(&mut *conn)
            .optional()?;
        row.map(Document::try_from).transpose()
    }

    /// The applicant's documents, newest first.
    pub fn documents_of_applicant(&self, applicant: UserId) -> Result<Vec<Document>, StoreError> {
        let mut conn = self.conn()?;
        documents::table
            .filter(documents::applicant_id.eq(applicant.0))
            .order(documents::id.desc())
            .select(DOCUMENT_COLUMNS)
            .load::<DocumentRow>(&mut *conn)?
            .into_iter()
            .map(Document::try_from)
            .collect()
    }

    /// An agency's documents that are not closed (not signed, rejected or withdrawn), oldest
    /// change first: the raw material of officers' queues.
    pub fn agency_open_documents(&self, agency: AgencyId) -> Result<Vec<Document>, StoreError> {
        let closed = crate::documents::closed_state_codes();
        let mut conn = self.conn()?;
        documents::table
            .filter(documents::agency_id.eq(agency.0))
            .filter(documents::state.ne_all(&closed))
            .order(documents::updated_at.asc())
            .select(DOCUMENT_COLUMNS)
            .load::<DocumentRow>(&mut *conn)?
            .into_iter()
            .map(Document::try_from)
            .collect()
    }

    /// Every attachment version of a document, oldest first.
    pub fn attachments(&self, id: DocumentId) -> Result<Vec<Attachment>, StoreError> {
        let mut conn = self.conn()?;
        let rows = attachments::table
            .filter(attachments::document_id.eq(id.0))
            .order(attachments::id.asc())
            .select((
                attachments::id,
                attachments::version,
                attachments::sha256,
                attachments::filename,
                attachments::size,
                attachments::form_json,
                attachments::created_at,
            ))
            .load::<(i64, i64, String, String, i64, String, i64)>(&mut *conn)?;
        rows.into_iter()
            .map(|r| {
                Ok(Attachment {
                    id: r.0,
                    version: r.1,
                    sha256: r.2,
                    filename: r.3,
                    size: r.4,
                    form: serde_json::from_str(&r.5)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    created_at: r.6,
                })
            })
            .collect()
    }

    /// A document's timeline, oldest first, with the actors' names and positions.
    pub fn events(&self, id: DocumentId) -> Result<Vec<EventRecord>, StoreError> {
        let mut conn = self.conn()?;
        let rows = events::table
            .inner_join(users::table)
            .filter(events::document_id.eq(id.0))
            .order(events::id.asc())
            .select((
                events::kind,
                users::name,
                users::role,
                events::comment,
                events::from_state,
                events::to_state,
                events::at,
                users::position,
            ))
            .load::<(
                String,
                String,
                String,
                Option<String>,
                String,
                String,
                i64,
                Option<String>,
            )>(&mut *conn)?;
        Ok(rows
            .into_iter()
            .map(|r| EventRecord {
                kind: r.0,
                actor_name: r.1,
                actor_role: r.2,
                comment: r.3,
                from_state: r.4,
                to_state: r.5,
                at: r.6,
                actor_position: r.7.filter(|p| !p.trim().is_empty()),
            })
            .collect())
    }
}
