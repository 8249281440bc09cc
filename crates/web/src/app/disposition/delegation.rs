//! Delegation of signing authority (Plt./Plh.): a signing official lends it to another officer
//! of their agency for a period of whole days (WIB), or their agency's admin does it for them;
//! they list and revoke their grants; the acting official sees what they hold. The store logs
//! every grant and revocation.

use sahih_store::{DelegationId, Officer, StoredDelegation, User};
use sahih_workflow::{Delegation, DelegationError, DelegationKind, Role, UserId, WIB};
use time::macros::format_description;

use super::signature_line;
use crate::AppError;
use crate::app::{App, Notice, NoticeKind};

impl From<DelegationError> for AppError {
    fn from(e: DelegationError) -> AppError {
        AppError::bad_input(e.code(), e.to_string())
    }
}

/// What `/petugas/delegasi` shows an officer.
#[derive(Debug, Clone)]
pub struct DelegationOverview {
    /// Grants of the officer's own authority, and (for an admin) those of their agency's
    /// officials; newest first.
    pub granted: Vec<StoredDelegation>,
    /// Grants the officer holds as the acting official, newest first.
    pub held: Vec<StoredDelegation>,
    /// Whose authority the officer may lend: themselves (a signing official) or their agency's
    /// signing officials (an admin). Empty: no form.
    pub delegators: Vec<Officer>,
    /// Who may receive it: the officers of the agency.
    pub delegates: Vec<Officer>,
    /// Now, Unix seconds (to tell active, future, ended and revoked grants apart).
    pub now: i64,
}

/// A grant asked for on the form: the dates as typed.
#[derive(Debug, Clone)]
pub struct GrantRequest {
    /// Whose authority (a user id); `None`: the officer's own.
    pub delegator: Option<UserId>,
    /// The acting official.
    pub delegate: UserId,
    /// `plt` or `plh`.
    pub kind: String,
    /// The first day, `YYYY-MM-DD` (WIB).
    pub from: String,
    /// The last day, `YYYY-MM-DD` (WIB), included.
    pub until: String,
}

const DAY: i64 = 86_400;

/// The first second of day `date` (`YYYY-MM-DD`) in WIB, Unix seconds.
/// Errors: `E_BAD_DATE`.
fn day_start(date: &str) -> Result<i64, AppError> {
    let format = format_description!("[year]-[month]-[day]");
    let day = time::Date::parse(date.trim(), format)
        .map_err(|_| AppError::bad_input("E_BAD_DATE", "a date is written YYYY-MM-DD"))?;
    Ok(day.midnight().assume_offset(WIB).unix_timestamp())
}

/// The WIB day (`YYYY-MM-DD`) of Unix time `unix`; empty when out of range.
pub fn day_wib(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| {
            let t = t.to_offset(WIB);
            format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
        })
        .unwrap_or_default()
}

impl App {
    /// The officers of `agency` (verifiers and signers), by name.
    fn agency_officers(&self, user: &User) -> Result<Vec<Officer>, AppError> {
        let mut officers: Vec<Officer> = self
            .store
            .officers()?
            .into_iter()
            .filter(|o| user.agency_id.is_some() && o.user.agency_id == user.agency_id)
            .collect();
        officers.sort_by(|a, b| a.user.name.cmp(&b.user.name));
        Ok(officers)
    }

    /// Whose authority `user` may lend: their own (a signing official), or every signing
    /// official of their agency (an admin).
    fn lendable(&self, user: &User) -> Result<Vec<Officer>, AppError> {
        let officers = self.agency_officers(user)?;
        Ok(officers
            .into_iter()
            .filter(|o| {
                o.user.role == Role::Signer
                    && match user.role {
                        Role::Admin => true,
                        Role::Signer => o.user.id == user.id,
                        Role::Verifier | Role::Citizen => false,
                    }
            })
            .collect())
    }

    /// What `/petugas/delegasi` shows `user`.
    ///
    /// Errors: `E_WRONG_ROLE` for citizens.
    pub fn delegation_overview(&self, user: &User) -> Result<DelegationOverview, AppError> {
        if user.role == Role::Citizen {
            return Err(AppError::Forbidden("E_WRONG_ROLE"));
        }
        let delegators = self.lendable(user)?;
        let mut granted = Vec::new();
        for official in &delegators {
            granted.extend(self.store.delegations_by(official.user.id)?);
        }
        granted.sort_by_key(|g| std::cmp::Reverse(g.id));
        Ok(DelegationOverview {
            granted,
            held: self.store.delegations_to(user.id)?,
            delegates: if delegators.is_empty() {
                Vec::new()
            } else {
                self.agency_officers(user)?
            },
            delegators,
            now: sahih_store::now(),
        })
    }

    /// `user` lends a signing official's authority to an officer of the same agency, from the
    /// first day to the last (both included, WIB) — at most 92 days — and the acting official
    /// is notified. A signing official lends their own; an admin, any signing official's of
    /// their agency.
    ///
    /// Errors: `E_WRONG_ROLE` (neither a signing official nor an admin),
    /// `E_NOT_YOUR_AGENCY` (a delegator or delegate outside the agency), `E_BAD_DATE`,
    /// `E_DELEGATION_KIND`, `E_DELEGATION_PAST` (starting before today),
    /// `E_DELEGATION_SELF`, `E_DELEGATION_PERIOD`, `E_DELEGATION_TOO_LONG`.
    pub fn grant_delegation(
        &self,
        user: &User,
        request: &GrantRequest,
    ) -> Result<DelegationId, AppError> {
        if !matches!(user.role, Role::Signer | Role::Admin) {
            return Err(AppError::Forbidden("E_WRONG_ROLE"));
        }
        let delegator_id = request.delegator.unwrap_or(user.id);
        let delegator = self
            .lendable(user)?
            .into_iter()
            .find(|o| o.user.id == delegator_id)
            .ok_or(AppError::Forbidden("E_NOT_YOUR_AGENCY"))?;
        if !self
            .agency_officers(user)?
            .iter()
            .any(|o| o.user.id == request.delegate)
        {
            return Err(AppError::Forbidden("E_NOT_YOUR_AGENCY"));
        }
        let kind = DelegationKind::from_code(request.kind.trim())?;
        let from = day_start(&request.from)?;
        let until = day_start(&request.until)?.saturating_add(DAY);
        let today = day_start(&day_wib(sahih_store::now()))?;
        if from < today {
            return Err(AppError::bad_input(
                "E_DELEGATION_PAST",
                "a delegation starts today or later",
            ));
        }
        let grant = Delegation::new(delegator.user.id, request.delegate, kind, from, until)?;
        let id = self.store.create_delegation(&grant, user.id)?;
        self.notify(vec![Notice {
            user: grant.delegate,
            kind: NoticeKind::DelegationGranted {
                from: signature_line(&delegator.user),
                until: day_wib(until - 1),
            },
            document: None,
        }])?;
        Ok(id)
    }

    /// Revokes grant `id`: by its delegator, by who granted it, or by an admin of the
    /// delegator's agency.
    ///
    /// Errors: `E_WRONG_ROLE` (citizens), `E_NOT_FOUND` (also for anyone else),
    /// `E_CONFLICT` when it was already revoked.
    pub fn revoke_delegation(&self, user: &User, id: DelegationId) -> Result<(), AppError> {
        if user.role == Role::Citizen {
            return Err(AppError::Forbidden("E_WRONG_ROLE"));
        }
        let grant = self.store.delegation(id)?.ok_or(AppError::NotFound)?;
        let may = grant.delegation.delegator == user.id
            || grant.created_by == user.id
            || (user.role == Role::Admin
                && self
                    .lendable(user)?
                    .iter()
                    .any(|o| o.user.id == grant.delegation.delegator));
        if !may {
            return Err(AppError::NotFound);
        }
        self.store
            .revoke_delegation(id, user.id, sahih_store::now())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_whole_days_in_wib() {
        // 2026-12-01T00:00:00+07:00 is 2026-11-30T17:00:00Z.
        assert_eq!(day_start("2026-12-01").ok(), Some(1_796_058_000));
        assert_eq!(day_wib(1_796_058_000), "2026-12-01");
        assert_eq!(day_wib(1_796_058_000 - 1), "2026-11-30");
        for bad in ["", "2026-13-01", "01-12-2026", "2026-02-30", "2026-12-1"] {
            assert!(
                matches!(
                    day_start(bad),
                    Err(AppError::BadInput {
                        code: "E_BAD_DATE",
                        ..
                    })
                ),
                "{bad}"
            );
        }
    }
}
