//! Who may act on a document: the officers (with their agency's code, to match a step's
//! assignees) and the paraf already given at each step in the current round.

use diesel::prelude::*;
use sahih_workflow::{AgencyId, DocumentId, Event, Role, UserId};

use crate::schema::{agencies, approvals, documents, users};
use crate::{DbConnection, Document, Store, StoreError, User};

/// An officer (verifier or signer) with the code of their agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Officer {
    /// The officer.
    pub user: User,
    /// Their agency's code, e.g. `DPMPTSP`.
    pub agency_code: String,
    /// Their direct superior, if set.
    pub supervisor_id: Option<UserId>,
}

/// Keeps the `approvals` table in step with a transition's events, in the caller's
/// transaction: a paraf or acknowledgement adds the actor at its step; a return removes the
/// approvals of the step it returns to and every later one (all of them when it goes to the
/// applicant); a resubmission removes them all.
pub(crate) fn record_approvals(
    c: &mut DbConnection,
    doc: DocumentId,
    actor: UserId,
    events: &[Event],
    at: i64,
) -> Result<(), StoreError> {
    for event in events {
        match event {
            Event::Paraf { step } | Event::Acknowledged { step } => {
                diesel::insert_into(approvals::table)
                    .values((
                        approvals::document_id.eq(doc.0),
                        approvals::step.eq(i64::from(*step)),
                        approvals::user_id.eq(actor.0),
                        approvals::at.eq(at),
                    ))
                    .execute(c)?;
            }
            Event::Returned { to_step, .. } => {
                let from = i64::from(to_step.unwrap_or(0));
                diesel::delete(
                    approvals::table
                        .filter(approvals::document_id.eq(doc.0))
                        .filter(approvals::step.ge(from)),
                )
                .execute(c)?;
            }
            Event::Resubmitted => {
                diesel::delete(approvals::table.filter(approvals::document_id.eq(doc.0)))
                    .execute(c)?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// Refuses the transition when the number of officers who acted at `step` is no longer
/// `expected` (another officer of the group acted after the decision was made).
pub(crate) fn check_given(
    c: &mut DbConnection,
    doc: DocumentId,
    step: u32,
    expected: usize,
) -> Result<(), StoreError> {
    let count: i64 = approvals::table
        .filter(approvals::document_id.eq(doc.0))
        .filter(approvals::step.eq(i64::from(step)))
        .count()
        .get_result(c)?;
    if usize::try_from(count).ok() == Some(expected) {
        return Ok(());
    }
    Err(StoreError::Conflict {
        actual: format!("{count} paraf at step {step}"),
    })
}

/// The number of `returned` events of `doc`: its round.
fn round(c: &mut DbConnection, doc: DocumentId) -> Result<i64, StoreError> {
    Ok(crate::schema::events::table
        .filter(crate::schema::events::document_id.eq(doc.0))
        .filter(crate::schema::events::kind.eq("returned"))
        .count()
        .get_result(c)?)
}

/// Refuses the transition when `doc` was returned since it was decided on (its round is no
/// longer `expected`).
pub(crate) fn check_round(
    c: &mut DbConnection,
    doc: DocumentId,
    expected: i64,
) -> Result<(), StoreError> {
    let now = round(c, doc)?;
    if now == expected {
        return Ok(());
    }
    Err(StoreError::Conflict {
        actual: format!("returned {now} times, not {expected}"),
    })
}

impl Store {
    /// How many times document `doc` has been returned (to the applicant or to an earlier
    /// step): what a form's "round" names, so an action decided before a return is refused.
    pub fn document_round(&self, doc: DocumentId) -> Result<i64, StoreError> {
        let mut conn = self.conn()?;
        round(&mut conn, doc)
    }

    /// The officers who gave paraf or acknowledged at `step` of document `doc` in the current
    /// round, in the order they acted.
    pub fn approvals(&self, doc: DocumentId, step: u32) -> Result<Vec<UserId>, StoreError> {
        let mut conn = self.conn()?;
        Ok(approvals::table
            .filter(approvals::document_id.eq(doc.0))
            .filter(approvals::step.eq(i64::from(step)))
            .order((approvals::at.asc(), approvals::user_id.asc()))
            .select(approvals::user_id)
            .load::<i64>(&mut *conn)?
            .into_iter()
            .map(UserId)
            .collect())
    }

    /// Changes an officer's role (verifier or signer), position and direct superior, in one
    /// transaction; only a user who is an officer of `agency` is changed.
    ///
    /// Errors: [`StoreError::NotFound`] when `user` is not an officer of `agency`;
    /// [`StoreError::HierarchyCycle`] when the superior is `user`, below `user`, or not of
    /// `agency` (nothing is changed).
    pub fn update_officer(
        &self,
        agency: AgencyId,
        user: UserId,
        role: Role,
        position: &str,
        supervisor: Option<UserId>,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            // The write first: SQLite takes its write lock, so two admins' saves are checked
            // one after the other and cannot make a cycle between them.
            let n = diesel::update(
                users::table
                    .find(user.0)
                    .filter(users::agency_id.eq(agency.0))
                    .filter(users::role.eq_any([Role::Verifier.as_str(), Role::Signer.as_str()])),
            )
            .set((
                users::role.eq(role.as_str()),
                users::position.eq(position),
                users::supervisor_id.eq(supervisor.map(|s| s.0)),
            ))
            .execute(c)?;
            if n != 1 {
                return Err(StoreError::NotFound);
            }
            let mut above = supervisor;
            let mut steps = 0;
            while let Some(boss) = above {
                if boss == user || steps > 10_000 {
                    return Err(StoreError::HierarchyCycle);
                }
                above = users::table
                    .find(boss.0)
                    .filter(users::agency_id.eq(agency.0))
                    .select(users::supervisor_id)
                    .first::<Option<i64>>(c)
                    .optional()?
                    .ok_or(StoreError::HierarchyCycle)?
                    .map(UserId);
                steps += 1;
            }
            Ok(())
        })
    }

    /// Every officer (role verifier or signer) with an agency, by id.
    pub fn officers(&self) -> Result<Vec<Officer>, StoreError> {
        let mut conn = self.conn()?;
        let rows = users::table
            .inner_join(agencies::table)
            .filter(users::role.eq_any([Role::Verifier.as_str(), Role::Signer.as_str()]))
            .order(users::id.asc())
            .select((
                users::id,
                users::login,
                users::name,
                users::email,
                users::role,
                users::agency_id,
                users::position,
                agencies::code,
                users::supervisor_id,
            ))
            .load::<(
                i64,
                String,
                String,
                Option<String>,
                String,
                Option<i64>,
                Option<String>,
                String,
                Option<i64>,
            )>(&mut *conn)?;
        rows.into_iter()
            .map(|r| {
                let role = Role::parse(&r.4)
                    .ok_or_else(|| StoreError::Corrupt(format!("unknown role {:?}", r.4)))?;
                Ok(Officer {
                    user: User {
                        id: UserId(r.0),
                        login: r.1,
                        name: r.2,
                        email: r.3,
                        role,
                        agency_id: r.5.map(AgencyId),
                        position: r.6,
                    },
                    agency_code: r.7,
                    supervisor_id: r.8.map(UserId),
                })
            })
            .collect()
    }

    /// Every document that is not closed, of every agency, oldest change first: the raw
    /// material of officers' queues when a route crosses agencies.
    pub fn open_documents(&self) -> Result<Vec<Document>, StoreError> {
        let closed = crate::documents::closed_state_codes();
        let ids: Vec<i64> = {
            let mut conn = self.conn()?;
            documents::table
                .filter(documents::state.ne_all(&closed))
                .order(documents::updated_at.asc())
                .select(documents::id)
                .load(&mut *conn)?
        };
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(doc) = self.document(DocumentId(id))? {
                out.push(doc);
            }
        }
        Ok(out)
    }
}
