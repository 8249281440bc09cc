//! Delegations of signing authority to acting officials (Plt./Plh.): granted, listed, revoked.
//! Every grant and revocation is a transparency-log leaf ([`crate::log::leaf::DelegationLeaf`])
//! written in the same transaction as the row.

use std::collections::HashMap;

use diesel::prelude::*;
use sahih_workflow::{Delegation, DelegationKind, UserId};

use crate::log::leaf::{DelegationLeaf, Leaf, LeafKind, Pseudonym};
use crate::schema::{delegations, users};
use crate::{DbConnection, Store, StoreError, now};

/// The row id of a delegation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DelegationId(pub i64);

/// A stored delegation, with the names and positions of both officials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDelegation {
    /// Row id.
    pub id: DelegationId,
    /// The grant: delegator, delegate, Plt./Plh., validity (Unix seconds).
    pub delegation: Delegation,
    /// Who granted it: the delegator, or an admin of their agency.
    pub created_by: UserId,
    /// When it was granted, Unix seconds.
    pub created_at: i64,
    /// When it was revoked, Unix seconds, if it was.
    pub revoked_at: Option<i64>,
    /// The delegator's name.
    pub delegator_name: String,
    /// The delegator's position (jabatan), e.g. `Kepala Dinas`.
    pub delegator_position: Option<String>,
    /// The delegate's name.
    pub delegate_name: String,
    /// The delegate's position.
    pub delegate_position: Option<String>,
}

impl StoredDelegation {
    /// Whether the delegate may sign by it at `at` (Unix seconds): inside its validity
    /// ([`Delegation::is_active`]) and not revoked at or before `at`.
    pub fn is_active(&self, at: i64) -> bool {
        self.delegation.is_active(at) && self.revoked_at.is_none_or(|revoked| at < revoked)
    }
}

type DelegationRow = (i64, i64, i64, String, i64, i64, i64, i64, Option<i64>);

const COLUMNS: (
    delegations::id,
    delegations::delegator_id,
    delegations::delegate_id,
    delegations::kind,
    delegations::valid_from,
    delegations::valid_until,
    delegations::created_by,
    delegations::created_at,
    delegations::revoked_at,
) = (
    delegations::id,
    delegations::delegator_id,
    delegations::delegate_id,
    delegations::kind,
    delegations::valid_from,
    delegations::valid_until,
    delegations::created_by,
    delegations::created_at,
    delegations::revoked_at,
);

/// Names and positions of the users `ids`, by id.
pub(crate) fn names(
    c: &mut DbConnection,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, (String, Option<String>)>, StoreError> {
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    let rows = users::table
        .filter(users::id.eq_any(&ids))
        .select((users::id, users::name, users::position))
        .load::<(i64, String, Option<String>)>(c)?;
    Ok(rows.into_iter().map(|(id, n, p)| (id, (n, p))).collect())
}

/// The rows as domain records, with names.
fn hydrate(
    c: &mut DbConnection,
    rows: Vec<DelegationRow>,
) -> Result<Vec<StoredDelegation>, StoreError> {
    let names = names(c, rows.iter().flat_map(|r| [r.1, r.2]))?;
    let name = |id: i64| names.get(&id).cloned().unwrap_or_default();
    rows.into_iter()
        .map(|r| {
            let corrupt = |e: sahih_workflow::DelegationError| {
                StoreError::Corrupt(format!("delegation {}: {e}", r.0))
            };
            let kind = DelegationKind::from_code(&r.3).map_err(corrupt)?;
            let delegation =
                Delegation::new(UserId(r.1), UserId(r.2), kind, r.4, r.5).map_err(corrupt)?;
            let (delegator_name, delegator_position) = name(r.1);
            let (delegate_name, delegate_position) = name(r.2);
            Ok(StoredDelegation {
                id: DelegationId(r.0),
                delegation,
                created_by: UserId(r.6),
                created_at: r.7,
                revoked_at: r.8,
                delegator_name,
                delegator_position,
                delegate_name,
                delegate_position,
            })
        })
        .collect()
}

/// Writes the log leaf of a grant or revocation of delegation `id` by `actor`.
fn log_delegation(
    c: &mut DbConnection,
    kind: LeafKind,
    id: i64,
    d: &Delegation,
    actor: UserId,
    at: i64,
) -> Result<(), StoreError> {
    let salt = crate::log::salt(c)?;
    let leaf = Leaf::Delegation(DelegationLeaf {
        kind,
        time: at,
        delegation: Pseudonym::delegation(&salt, id),
        actor: Pseudonym::actor(&salt, actor.0),
        delegator: Pseudonym::actor(&salt, d.delegator.0),
        delegate: Pseudonym::actor(&salt, d.delegate.0),
        acting: d.kind,
        valid_from: d.valid_from,
        valid_until: d.valid_until,
    });
    crate::log::insert_leaf(c, None, &leaf, at)
}

impl Store {
    /// Stores a grant (checked by [`Delegation::new`]) made by `created_by` now, and its
    /// `delegation_granted` log leaf, in one transaction.
    ///
    /// Errors: [`StoreError::Db`] (also for unknown users: foreign keys).
    pub fn create_delegation(
        &self,
        d: &Delegation,
        created_by: UserId,
    ) -> Result<DelegationId, StoreError> {
        let at = now();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            let id = diesel::insert_into(delegations::table)
                .values((
                    delegations::delegator_id.eq(d.delegator.0),
                    delegations::delegate_id.eq(d.delegate.0),
                    delegations::kind.eq(d.kind.as_code()),
                    delegations::valid_from.eq(d.valid_from),
                    delegations::valid_until.eq(d.valid_until),
                    delegations::created_by.eq(created_by.0),
                    delegations::created_at.eq(at),
                ))
                .returning(delegations::id)
                .get_result::<i64>(c)?;
            log_delegation(c, LeafKind::DelegationGranted, id, d, created_by, at)?;
            Ok::<_, StoreError>(DelegationId(id))
        })
        .inspect(|_| self.log_signal.notify())
    }

    /// Revokes delegation `id` at `at` (Unix seconds) on behalf of `by`, and writes its
    /// `delegation_revoked` log leaf, in one transaction. A compare-and-set: only a grant not
    /// yet revoked is revoked.
    ///
    /// Errors: [`StoreError::NotFound`], [`StoreError::Conflict`] when it was already revoked.
    pub fn revoke_delegation(
        &self,
        id: DelegationId,
        by: UserId,
        at: i64,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            let updated = diesel::update(
                delegations::table
                    .find(id.0)
                    .filter(delegations::revoked_at.is_null()),
            )
            .set(delegations::revoked_at.eq(at))
            .execute(c)?;
            let row = delegations::table
                .find(id.0)
                .select(COLUMNS)
                .first::<DelegationRow>(c)
                .optional()?
                .ok_or(StoreError::NotFound)?;
            if updated != 1 {
                return Err(StoreError::Conflict {
                    actual: "revoked".into(),
                });
            }
            let stored = hydrate(c, vec![row])?;
            let d = stored.first().ok_or(StoreError::NotFound)?.delegation;
            log_delegation(c, LeafKind::DelegationRevoked, id.0, &d, by, at)
        })
        .inspect(|_| self.log_signal.notify())
    }

    /// The delegation `id`, if any.
    ///
    /// Errors: [`StoreError::Db`], [`StoreError::Corrupt`].
    pub fn delegation(&self, id: DelegationId) -> Result<Option<StoredDelegation>, StoreError> {
        let found = self.load_delegations(|c| {
            delegations::table
                .find(id.0)
                .select(COLUMNS)
                .load::<DelegationRow>(c)
        })?;
        Ok(found.into_iter().next())
    }

    /// Every grant of `delegator`'s authority, newest first (revoked and expired included).
    ///
    /// Errors: [`StoreError::Db`], [`StoreError::Corrupt`].
    pub fn delegations_by(&self, delegator: UserId) -> Result<Vec<StoredDelegation>, StoreError> {
        self.load_delegations(|c| {
            delegations::table
                .filter(delegations::delegator_id.eq(delegator.0))
                .order(delegations::id.desc())
                .select(COLUMNS)
                .load::<DelegationRow>(c)
        })
    }

    /// Every grant held by `delegate`, newest first (revoked and expired included).
    ///
    /// Errors: [`StoreError::Db`], [`StoreError::Corrupt`].
    pub fn delegations_to(&self, delegate: UserId) -> Result<Vec<StoredDelegation>, StoreError> {
        self.load_delegations(|c| {
            delegations::table
                .filter(delegations::delegate_id.eq(delegate.0))
                .order(delegations::id.desc())
                .select(COLUMNS)
                .load::<DelegationRow>(c)
        })
    }

    /// The grants `delegate` may sign by at `at` (Unix seconds): `valid_from <= at <
    /// valid_until` and not revoked at or before `at`; newest first. What the signing
    /// check resolves an acting official's (Plt./Plh.) authority with.
    ///
    /// Errors: [`StoreError::Db`], [`StoreError::Corrupt`].
    pub fn active_delegations_to(
        &self,
        delegate: UserId,
        at: i64,
    ) -> Result<Vec<StoredDelegation>, StoreError> {
        self.load_delegations(|c| {
            delegations::table
                .filter(delegations::delegate_id.eq(delegate.0))
                .filter(delegations::valid_from.le(at))
                .filter(delegations::valid_until.gt(at))
                .filter(
                    delegations::revoked_at
                        .is_null()
                        .or(delegations::revoked_at.gt(at)),
                )
                .order(delegations::id.desc())
                .select(COLUMNS)
                .load::<DelegationRow>(c)
        })
    }

    /// Runs `query` and names the officials, in one transaction.
    fn load_delegations(
        &self,
        query: impl FnOnce(&mut DbConnection) -> QueryResult<Vec<DelegationRow>>,
    ) -> Result<Vec<StoredDelegation>, StoreError> {
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            let rows = query(c)?;
            hydrate(c, rows)
        })
    }
}
