//! The agency admin's officers: who holds which position (jabatan) in the agency, with which
//! role, under whom. Routing templates assign steps by position, disposisi go down the
//! hierarchy and overdue work escalates up it, so these are the admin's to keep right.

use sahih_store::{NewUser, Officer, User};
use sahih_workflow::{Role, UserId, is_below};

use super::input::{check_email, check_text};
use super::{App, hash_password};
use crate::AppError;

/// The longest position name, characters.
pub const MAX_POSITION_CHARS: usize = 120;

/// What the admin submits for one officer: role, position, direct superior.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficerSettings {
    /// `verifier` or `signer`.
    pub role: Role,
    /// The position (jabatan), exactly as routing templates name it.
    pub position: String,
    /// The direct superior, an officer of the same agency; `None` at the top.
    pub supervisor: Option<UserId>,
}

/// A new officer's account.
#[derive(Debug, Clone)]
pub struct NewOfficer {
    /// Login (3–40 of `a-z 0-9 . _ -`).
    pub login: String,
    /// Full name.
    pub name: String,
    /// E-mail for notifications (may be empty).
    pub email: String,
    /// First password (at least [`super::MIN_PASSWORD_CHARS`] characters).
    pub password: String,
    /// Role, position and superior.
    pub settings: OfficerSettings,
}

impl App {
    /// The admin's agency's officers, by name.
    ///
    /// Errors: `E_WRONG_ROLE` for non-admins, `E_NOT_YOUR_AGENCY` without an agency.
    pub fn admin_officers(&self, admin: &User) -> Result<Vec<Officer>, AppError> {
        let agency = self.admin_agency(admin)?;
        let mut officers: Vec<Officer> = self
            .store
            .officers()?
            .into_iter()
            .filter(|o| o.user.agency_id == Some(agency.id))
            .collect();
        officers.sort_by(|a, b| a.user.name.cmp(&b.user.name));
        Ok(officers)
    }

    /// Changes an officer's role, position and superior.
    ///
    /// Errors: those of [`App::admin_officers`]; `E_NOT_FOUND` for an officer of another
    /// agency; `E_BAD_INPUT` for a blank, too long or invisibly altered position;
    /// `E_BAD_SUPERVISOR` for a superior outside the agency, the officer themselves, or one
    /// of their subordinates (a cycle); `E_POSITION_IN_USE` (409) when documents wait at a
    /// step that only this officer can give now and the change would leave it with nobody.
    pub fn admin_update_officer(
        &self,
        admin: &User,
        officer: UserId,
        settings: &OfficerSettings,
    ) -> Result<(), AppError> {
        let agency = self.admin_agency(admin)?;
        let officers = self.admin_officers(admin)?;
        if !officers.iter().any(|o| o.user.id == officer) {
            return Err(AppError::NotFound);
        }
        let position = self.check_settings(&officers, Some(officer), settings)?;
        let stranded = self.stranded_by(officer, settings.role, &position)?;
        if !stranded.is_empty() {
            return Err(AppError::Refused {
                code: "E_POSITION_IN_USE",
                message: format!(
                    "documents wait for this officer alone at: {}; give another officer that \
                     position first",
                    stranded.join(", ")
                ),
            });
        }
        Ok(self.store.update_officer(
            agency.id,
            officer,
            settings.role,
            &position,
            settings.supervisor,
        )?)
    }

    /// Creates an officer of the admin's agency. They have no signing key yet: keys are issued
    /// separately (`sahih keys`).
    ///
    /// Errors: those of [`App::admin_update_officer`], `E_PASSWORD_WEAK`, `E_LOGIN_TAKEN`.
    pub fn admin_create_officer(&self, admin: &User, new: &NewOfficer) -> Result<UserId, AppError> {
        let agency = self.admin_agency(admin)?;
        let officers = self.admin_officers(admin)?;
        let position = self.check_settings(&officers, None, &new.settings)?;
        let login = super::checked_login(&new.login)?;
        let name = check_text(&new.name, "E_BAD_INPUT", 120)?;
        let email = check_email(&new.email)?;
        if new.password.chars().count() < super::MIN_PASSWORD_CHARS
            || sahih_workflow::is_blank(&new.password)
        {
            return Err(AppError::bad_input("E_PASSWORD_WEAK", "password too short"));
        }
        let id = self.store.create_user(&NewUser {
            login,
            name,
            email,
            password_hash: hash_password(&new.password)?,
            role: new.settings.role,
            agency_id: Some(agency.id),
            position: Some(position.clone()),
            cert_pem: None,
            key_pem: None,
        })?;
        self.store.update_officer(
            agency.id,
            id,
            new.settings.role,
            &position,
            new.settings.supervisor,
        )?;
        Ok(id)
    }

    /// The checked position; the superior must be another officer of the agency, not below
    /// `officer`.
    fn check_settings(
        &self,
        officers: &[Officer],
        officer: Option<UserId>,
        settings: &OfficerSettings,
    ) -> Result<String, AppError> {
        if !matches!(settings.role, Role::Verifier | Role::Signer) {
            return Err(AppError::bad_input(
                "E_BAD_INPUT",
                "role: verifier or signer",
            ));
        }
        let position = check_text(&settings.position, "E_BAD_INPUT", MAX_POSITION_CHARS)?;
        if position
            .chars()
            .any(|c| sahih_workflow::is_invisible(c) || sahih_workflow::is_bidi_control(c))
        {
            return Err(AppError::bad_input(
                "E_BAD_INPUT",
                "a position has no invisible characters: templates compare it exactly",
            ));
        }
        if let Some(boss) = settings.supervisor {
            let known = officers.iter().any(|o| o.user.id == boss);
            let supervisor_of = |id: UserId| {
                officers
                    .iter()
                    .find(|o| o.user.id == id)
                    .and_then(|o| o.supervisor_id)
            };
            let cycle = officer.is_some_and(|me| boss == me || is_below(me, boss, supervisor_of));
            if !known || cycle {
                return Err(AppError::bad_input(
                    "E_BAD_SUPERVISOR",
                    "the superior must be another officer of the agency, not one of their own subordinates",
                ));
            }
        }
        Ok(position)
    }
}
