//! Disposisi: a document forwarded down the hierarchy with an instruction. Creating one also
//! records a `forwarded` event in the document's timeline and a `forwarded` log leaf (from and
//! to the document's current state), in the same transaction; reading, cancelling and
//! completing are compare-and-sets on its state.

use diesel::prelude::*;
use sahih_workflow::{
    Disposition, DispositionState, DispositionTransition, DocumentId, DocumentState, UserId,
};

use crate::delegations::names;
use crate::log::leaf::{EventLeaf, Leaf, LeafKind, Pseudonym};
use crate::schema::{attachments, dispositions, documents, events, services};
use crate::{DbConnection, Store, StoreError, now};

/// The row id of a disposisi.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DispositionId(pub i64);

/// A stored disposisi, with what lists show of its document and its two officers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDisposition {
    /// Row id.
    pub id: DispositionId,
    /// The document forwarded.
    pub document: DocumentId,
    /// Its public id (links: `/petugas/dokumen/{public_id}`).
    pub document_public_id: String,
    /// Its service's name.
    pub service_name: String,
    /// The sender.
    pub from: UserId,
    /// The sender's name.
    pub from_name: String,
    /// The sender's position (jabatan).
    pub from_position: Option<String>,
    /// The recipient.
    pub to: UserId,
    /// The recipient's name.
    pub to_name: String,
    /// The recipient's position.
    pub to_position: Option<String>,
    /// The instruction, as checked by `sahih_workflow::check_instruction`.
    pub instruction: String,
    /// Where it stands.
    pub state: DispositionState,
    /// The completion note, once completed.
    pub note: Option<String>,
    /// When it was sent, Unix seconds.
    pub created_at: i64,
    /// When the recipient first opened it, Unix seconds.
    pub read_at: Option<i64>,
    /// When it was completed or cancelled, Unix seconds.
    pub closed_at: Option<i64>,
}

impl StoredDisposition {
    /// What `sahih_workflow::Disposition::decide` needs.
    pub fn as_disposition(&self) -> Disposition {
        Disposition {
            sender: self.from,
            recipient: self.to,
            state: self.state,
        }
    }
}

type Row = (
    i64,
    i64,
    i64,
    i64,
    String,
    String,
    Option<String>,
    i64,
    Option<i64>,
    Option<i64>,
);

const COLUMNS: (
    dispositions::id,
    dispositions::document_id,
    dispositions::from_id,
    dispositions::to_id,
    dispositions::instruction,
    dispositions::state,
    dispositions::note,
    dispositions::created_at,
    dispositions::read_at,
    dispositions::closed_at,
) = (
    dispositions::id,
    dispositions::document_id,
    dispositions::from_id,
    dispositions::to_id,
    dispositions::instruction,
    dispositions::state,
    dispositions::note,
    dispositions::created_at,
    dispositions::read_at,
    dispositions::closed_at,
);

/// The rows as domain records, with their documents' public ids and services' names and the
/// officers' names.
fn hydrate(c: &mut DbConnection, rows: Vec<Row>) -> Result<Vec<StoredDisposition>, StoreError> {
    let doc_ids: Vec<i64> = rows.iter().map(|r| r.1).collect();
    let docs: std::collections::HashMap<i64, (String, String)> = documents::table
        .inner_join(services::table)
        .filter(documents::id.eq_any(&doc_ids))
        .select((documents::id, documents::public_id, services::name))
        .load::<(i64, String, String)>(c)?
        .into_iter()
        .map(|(id, public_id, service)| (id, (public_id, service)))
        .collect();
    let names = names(c, rows.iter().flat_map(|r| [r.2, r.3]))?;
    let name = |id: i64| names.get(&id).cloned().unwrap_or_default();
    rows.into_iter()
        .map(|r| {
            let state = DispositionState::from_code(&r.5)
                .map_err(|e| StoreError::Corrupt(format!("disposisi {}: {e}", r.0)))?;
            let (document_public_id, service_name) = docs.get(&r.1).cloned().unwrap_or_default();
            let (from_name, from_position) = name(r.2);
            let (to_name, to_position) = name(r.3);
            Ok(StoredDisposition {
                id: DispositionId(r.0),
                document: DocumentId(r.1),
                document_public_id,
                service_name,
                from: UserId(r.2),
                from_name,
                from_position,
                to: UserId(r.3),
                to_name,
                to_position,
                instruction: r.4,
                state,
                note: r.6,
                created_at: r.7,
                read_at: r.8,
                closed_at: r.9,
            })
        })
        .collect()
}

/// Records the `forwarded` event of document `doc` by `from` in its timeline and as a log
/// leaf, from and to its current state. Errors: [`StoreError::NotFound`], and
/// [`StoreError::Conflict`] when the document is closed (signed, rejected, withdrawn).
fn record_forwarded(
    c: &mut DbConnection,
    doc: DocumentId,
    from: UserId,
    instruction: &str,
    at: i64,
) -> Result<(), StoreError> {
    // A write first, so SQLite takes its write lock at once (see `documents::claim`); a
    // disposisi is a change of the document (its timeline grows), so `updated_at` moves.
    let touched = diesel::update(documents::table.find(doc.0))
        .set(documents::updated_at.eq(at))
        .execute(c)?;
    if touched != 1 {
        return Err(StoreError::NotFound);
    }
    let (code, version) = documents::table
        .find(doc.0)
        .select((documents::state, documents::version))
        .first::<(String, i64)>(c)?;
    let state = DocumentState::from_code(&code).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    if state.is_terminal() {
        return Err(StoreError::Conflict { actual: code });
    }
    diesel::insert_into(events::table)
        .values((
            events::document_id.eq(doc.0),
            events::kind.eq(LeafKind::Forwarded.as_str()),
            events::actor_id.eq(from.0),
            events::comment.eq(instruction),
            events::from_state.eq(&code),
            events::to_state.eq(&code),
            events::at.eq(at),
        ))
        .execute(c)?;
    let sha256 = attachments::table
        .filter(attachments::document_id.eq(doc.0))
        .filter(attachments::version.eq(version))
        .order(attachments::id.desc())
        .select(attachments::sha256)
        .first::<String>(c)
        .optional()?
        .ok_or_else(|| StoreError::Corrupt(format!("document {doc} has no version {version}")))?;
    let salt = crate::log::salt(c)?;
    let leaf = Leaf::Event(EventLeaf {
        kind: LeafKind::Forwarded,
        time: at,
        document: Pseudonym::document(&salt, doc.0),
        actor: Pseudonym::actor(&salt, from.0),
        sha256: crate::log::sha256_bytes(&sha256)?,
        from: Some(state),
        to: state,
    });
    crate::log::insert_leaf(c, Some(doc.0), &leaf, at)
}

impl Store {
    /// Forwards document `doc` from officer `from` to officer `to` with `instruction` (checked
    /// by `sahih_workflow::check_instruction`; the caller checks the hierarchy with
    /// `sahih_workflow::is_below`): a disposisi in state `sent`, a `forwarded` event in the
    /// document's timeline (comment: the instruction) and its `forwarded` log leaf, in one
    /// transaction.
    ///
    /// Errors: [`StoreError::NotFound`] for an unknown document, [`StoreError::Conflict`] when
    /// it is closed, [`StoreError::Db`] (also for unknown users: foreign keys).
    pub fn create_disposition(
        &self,
        doc: DocumentId,
        from: UserId,
        to: UserId,
        instruction: &str,
    ) -> Result<DispositionId, StoreError> {
        let at = now();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            record_forwarded(c, doc, from, instruction, at)?;
            let id = diesel::insert_into(dispositions::table)
                .values((
                    dispositions::document_id.eq(doc.0),
                    dispositions::from_id.eq(from.0),
                    dispositions::to_id.eq(to.0),
                    dispositions::instruction.eq(instruction),
                    dispositions::state.eq(DispositionState::Sent.as_code()),
                    dispositions::created_at.eq(at),
                ))
                .returning(dispositions::id)
                .get_result::<i64>(c)?;
            Ok::<_, StoreError>(DispositionId(id))
        })
        .inspect(|_| self.log_signal.notify())
    }

    /// Applies a decided read, cancel or completion of disposisi `id` at `at` (Unix seconds):
    /// only if it is still in `t.from` (compare-and-set, so two clicks do not both win). A
    /// read sets `read_at`; a completion stores the note and, like a cancellation, `closed_at`.
    ///
    /// Errors: [`StoreError::NotFound`], [`StoreError::Conflict`] (holding the state found)
    /// when it changed meanwhile.
    pub fn apply_disposition(
        &self,
        id: DispositionId,
        t: &DispositionTransition,
        at: i64,
    ) -> Result<(), StoreError> {
        let read_at = (t.to == DispositionState::Read).then_some(at);
        let closed_at = t.to.is_closed().then_some(at);
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            let target = dispositions::table
                .find(id.0)
                .filter(dispositions::state.eq(t.from.as_code()));
            let updated = diesel::update(target)
                .set((
                    dispositions::state.eq(t.to.as_code()),
                    dispositions::note.eq(t.note.as_deref()),
                    dispositions::closed_at.eq(closed_at),
                ))
                .execute(c)?;
            if updated != 1 {
                let actual = dispositions::table
                    .find(id.0)
                    .select(dispositions::state)
                    .first::<String>(c)
                    .optional()?
                    .ok_or(StoreError::NotFound)?;
                return Err(StoreError::Conflict { actual });
            }
            if let Some(read_at) = read_at {
                diesel::update(dispositions::table.find(id.0))
                    .set(dispositions::read_at.eq(read_at))
                    .execute(c)?;
            }
            Ok(())
        })
    }

    /// The disposisi `id`, if any.
    ///
    /// Errors: [`StoreError::Db`], [`StoreError::Corrupt`].
    pub fn disposition(&self, id: DispositionId) -> Result<Option<StoredDisposition>, StoreError> {
        let found = self.load_dispositions(|c| {
            dispositions::table
                .find(id.0)
                .select(COLUMNS)
                .load::<Row>(c)
        })?;
        Ok(found.into_iter().next())
    }

    /// The disposisi `user` received: unread (`sent`) first, then read, then closed; newest
    /// first within each.
    ///
    /// Errors: [`StoreError::Db`], [`StoreError::Corrupt`].
    pub fn dispositions_to(&self, user: UserId) -> Result<Vec<StoredDisposition>, StoreError> {
        let mut found = self.load_dispositions(|c| {
            dispositions::table
                .filter(dispositions::to_id.eq(user.0))
                .order(dispositions::id.desc())
                .select(COLUMNS)
                .load::<Row>(c)
        })?;
        let rank = |s: DispositionState| match s {
            DispositionState::Sent => 0,
            DispositionState::Read => 1,
            DispositionState::Completed | DispositionState::Cancelled => 2,
        };
        found.sort_by_key(|d| rank(d.state));
        Ok(found)
    }

    /// The disposisi `user` sent, newest first.
    ///
    /// Errors: [`StoreError::Db`], [`StoreError::Corrupt`].
    pub fn dispositions_from(&self, user: UserId) -> Result<Vec<StoredDisposition>, StoreError> {
        self.load_dispositions(|c| {
            dispositions::table
                .filter(dispositions::from_id.eq(user.0))
                .order(dispositions::id.desc())
                .select(COLUMNS)
                .load::<Row>(c)
        })
    }

    /// The disposisi of document `doc`, oldest first.
    ///
    /// Errors: [`StoreError::Db`], [`StoreError::Corrupt`].
    pub fn dispositions_of_document(
        &self,
        doc: DocumentId,
    ) -> Result<Vec<StoredDisposition>, StoreError> {
        self.load_dispositions(|c| {
            dispositions::table
                .filter(dispositions::document_id.eq(doc.0))
                .order(dispositions::id.asc())
                .select(COLUMNS)
                .load::<Row>(c)
        })
    }

    /// Whether `user` received a disposisi of document `doc` that was not cancelled (a
    /// cancelled one was withdrawn before it was read): such a recipient may see the document
    /// even outside their agency or queue.
    ///
    /// Errors: [`StoreError::Db`].
    pub fn is_disposition_recipient(
        &self,
        doc: DocumentId,
        user: UserId,
    ) -> Result<bool, StoreError> {
        let mut conn = self.conn()?;
        let count = dispositions::table
            .filter(dispositions::document_id.eq(doc.0))
            .filter(dispositions::to_id.eq(user.0))
            .filter(dispositions::state.ne(DispositionState::Cancelled.as_code()))
            .count()
            .get_result::<i64>(&mut *conn)?;
        Ok(count > 0)
    }

    /// Runs `query` and names the documents and officers, in one transaction.
    fn load_dispositions(
        &self,
        query: impl FnOnce(&mut DbConnection) -> QueryResult<Vec<Row>>,
    ) -> Result<Vec<StoredDisposition>, StoreError> {
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            let rows = query(c)?;
            hydrate(c, rows)
        })
    }
}
