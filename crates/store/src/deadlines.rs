//! Deadlines: when each document entered its pending step, the escalations of overdue steps,
//! and who supervises a step's officers (`users.supervisor_id`).

use std::collections::{BTreeSet, HashMap};

use diesel::prelude::*;
use sahih_workflow::{
    AgencyId, Assignees, DocumentId, DocumentState, Role, RoutingTemplate, UserId, step_visits,
};

use crate::dialect::is_unique_violation;
use crate::schema::{agencies, documents, escalations, events, services, users};
use crate::{DbConnection, Document, ServiceId, Store, StoreError};

/// Ids per `IN (...)` list: well under SQLite's and PostgreSQL's bind-parameter limits.
const IN_CHUNK: usize = 500;

/// One escalation: a supervisor told that a document's pending step was overdue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Escalation {
    /// The 0-based template step that was overdue.
    pub step: u32,
    /// When the document entered that step (identifies the visit), Unix seconds.
    pub entered_at: i64,
    /// The supervisor told.
    pub escalated_to: UserId,
    /// When, Unix seconds.
    pub at: i64,
}

/// A service's name and routing template, by id.
pub(crate) type Templates = HashMap<ServiceId, (String, RoutingTemplate)>;

/// The names and templates of the services `ids` (repetitions allowed).
pub(crate) fn templates(
    c: &mut DbConnection,
    ids: impl IntoIterator<Item = ServiceId>,
) -> Result<Templates, StoreError> {
    let ids: Vec<i64> = ids
        .into_iter()
        .map(|s| s.0)
        .collect::<BTreeSet<i64>>()
        .into_iter()
        .collect();
    let mut out = HashMap::new();
    for chunk in ids.chunks(IN_CHUNK) {
        let rows = services::table
            .filter(services::id.eq_any(chunk))
            .select((
                services::id,
                services::code,
                services::name,
                services::template_json,
            ))
            .load::<(i64, String, String, String)>(c)?;
        for (id, code, name, json) in rows {
            let template = serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("service {code}: {e}")))?;
            out.insert(ServiceId(id), (name, template));
        }
    }
    Ok(out)
}

/// The `to` state and time of every event of the documents `ids`, oldest first, by document.
pub(crate) fn to_states(
    c: &mut DbConnection,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<(DocumentState, i64)>>, StoreError> {
    let mut out: HashMap<i64, Vec<(DocumentState, i64)>> = HashMap::new();
    for chunk in ids.chunks(IN_CHUNK) {
        let rows = events::table
            .filter(events::document_id.eq_any(chunk))
            .order((events::document_id.asc(), events::id.asc()))
            .select((events::document_id, events::to_state, events::at))
            .load::<(i64, String, i64)>(c)?;
        for (doc, code, at) in rows {
            let state = DocumentState::from_code(&code)
                .map_err(|e| StoreError::Corrupt(format!("event of document {doc}: {e}")))?;
            out.entry(doc).or_default().push((state, at));
        }
    }
    Ok(out)
}

impl Store {
    /// When each of `docs` entered its pending step ([`DocumentState::pending_step`]), Unix
    /// seconds: the time of the event that made it the pending step, read from the events
    /// (one query per 500 documents, not one per document). Documents without a pending step
    /// (returned, closed) are left out; one whose events do not show the entry (written before
    /// events were kept) counts from its last change, `updated_at`.
    ///
    /// Errors: [`StoreError::Db`]; [`StoreError::Corrupt`] for an unreadable template or state.
    pub fn pending_entered_at(
        &self,
        docs: &[Document],
    ) -> Result<HashMap<DocumentId, i64>, StoreError> {
        let service_ids: Vec<ServiceId> = docs.iter().map(|d| d.service_id).collect();
        let ids: Vec<i64> = docs.iter().map(|d| d.id.0).collect();
        let mut conn = self.conn()?;
        let (templates, mut states) = conn.transaction(|c| {
            Ok::<_, StoreError>((templates(c, service_ids)?, to_states(c, &ids)?))
        })?;
        let mut out = HashMap::new();
        for doc in docs {
            let Some((_, template)) = templates.get(&doc.service_id) else {
                continue;
            };
            let Some(pending) = doc.state.pending_step(template, &doc.form) else {
                continue;
            };
            let history = states.remove(&doc.id.0).unwrap_or_default();
            let entered = step_visits(history, template, &doc.form)
                .last()
                .filter(|v| v.left_at.is_none() && v.step == pending)
                .map_or(doc.updated_at, |v| v.entered_at);
            out.insert(doc.id, entered);
        }
        Ok(out)
    }

    /// The agencies that have documents not closed yet, ascending: where the escalation job
    /// looks (with [`Store::agency_open_documents`]).
    pub fn agencies_with_open_documents(&self) -> Result<Vec<AgencyId>, StoreError> {
        let closed = crate::documents::closed_state_codes();
        let mut conn = self.conn()?;
        let ids = documents::table
            .filter(documents::state.ne_all(&closed))
            .select(documents::agency_id)
            .distinct()
            .order(documents::agency_id.asc())
            .load::<i64>(&mut *conn)?;
        Ok(ids.into_iter().map(AgencyId).collect())
    }

    /// The supervisors (`users.supervisor_id`) of the officers `assignees` names for a
    /// document of agency `home`: distinct, ascending; empty when none of them has one.
    ///
    /// Errors: [`StoreError::Db`], [`StoreError::NotFound`] for an unknown `home`.
    pub fn step_supervisors(
        &self,
        home: AgencyId,
        assignees: &Assignees,
    ) -> Result<Vec<UserId>, StoreError> {
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            let home_code = agencies::table
                .find(home.0)
                .select(agencies::code)
                .first::<String>(c)
                .optional()?
                .ok_or(StoreError::NotFound)?;
            let officers = users::table
                .inner_join(agencies::table)
                .filter(users::supervisor_id.is_not_null())
                .filter(users::role.eq_any([Role::Verifier.as_str(), Role::Signer.as_str()]))
                .select((
                    users::role,
                    users::position,
                    agencies::code,
                    users::supervisor_id,
                ))
                .load::<(String, Option<String>, String, Option<i64>)>(c)?;
            let supervisors: BTreeSet<i64> = officers
                .into_iter()
                .filter(|(role, position, agency, _)| {
                    Role::parse(role).is_some_and(|role| {
                        assignees.matches(role, position.as_deref(), agency, &home_code)
                    })
                })
                .filter_map(|(.., supervisor)| supervisor)
                .collect();
            Ok(supervisors.into_iter().map(UserId).collect())
        })
    }

    /// Sets (or with `None` clears) the direct superior of an officer, to whom their overdue
    /// work escalates.
    ///
    /// Errors: [`StoreError::NotFound`] for an unknown `officer`, [`StoreError::Db`] (also for
    /// an unknown supervisor: foreign key).
    pub fn set_supervisor(
        &self,
        officer: UserId,
        supervisor: Option<UserId>,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        let updated = diesel::update(users::table.find(officer.0))
            .set(users::supervisor_id.eq(supervisor.map(|s| s.0)))
            .execute(&mut *conn)?;
        if updated == 1 {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// Records, once per visit, that document `doc`'s visit of `step` entered at `entered_at`
    /// was escalated at `at` to the supervisors `to`. Returns `false`, recording nothing, when
    /// that visit was already escalated (also by another node at the same moment).
    ///
    /// Errors: [`StoreError::Db`].
    pub fn record_escalation(
        &self,
        doc: DocumentId,
        step: u32,
        entered_at: i64,
        to: &[UserId],
        at: i64,
    ) -> Result<bool, StoreError> {
        let step = i64::from(step);
        let mut conn = self.conn()?;
        let result = conn.transaction(|c| {
            let done = escalations::table
                .filter(escalations::document_id.eq(doc.0))
                .filter(escalations::step.eq(step))
                .filter(escalations::entered_at.eq(entered_at))
                .count()
                .get_result::<i64>(c)?;
            if done > 0 {
                return Ok(false);
            }
            for supervisor in to {
                diesel::insert_into(escalations::table)
                    .values((
                        escalations::document_id.eq(doc.0),
                        escalations::step.eq(step),
                        escalations::entered_at.eq(entered_at),
                        escalations::escalated_to.eq(supervisor.0),
                        escalations::at.eq(at),
                    ))
                    .execute(c)?;
            }
            Ok::<_, diesel::result::Error>(!to.is_empty())
        });
        match result {
            Err(e) if is_unique_violation(&e) => Ok(false),
            other => Ok(other?),
        }
    }

    /// Every escalation of a document, oldest first.
    ///
    /// Errors: [`StoreError::Db`], [`StoreError::Corrupt`] for a negative step.
    pub fn escalations(&self, doc: DocumentId) -> Result<Vec<Escalation>, StoreError> {
        let mut conn = self.conn()?;
        escalations::table
            .filter(escalations::document_id.eq(doc.0))
            .order((escalations::at.asc(), escalations::escalated_to.asc()))
            .select((
                escalations::step,
                escalations::entered_at,
                escalations::escalated_to,
                escalations::at,
            ))
            .load::<(i64, i64, i64, i64)>(&mut *conn)?
            .into_iter()
            .map(|(step, entered_at, to, at)| {
                Ok(Escalation {
                    step: u32::try_from(step)
                        .map_err(|_| StoreError::Corrupt(format!("escalation step {step}")))?,
                    entered_at,
                    escalated_to: UserId(to),
                    at,
                })
            })
            .collect()
    }
}
