//! Agency admins' services: their agency's services listed, each read as its TOML definition,
//! a definition checked or saved — for their own agency only.

use sahih_store::{Agency, Service, ServiceChange, StoreError, User};
use sahih_workflow::{DefinitionProblem, E_SERVICE_DEFINITION, Role, ServiceDefinition};

use super::App;
use crate::AppError;

/// Why a definition an admin typed was not accepted: the stable code the page shows
/// (`E_SERVICE_DEFINITION`, `E_NOT_YOUR_AGENCY`, `E_SERVICE_IN_USE`) and every problem, with
/// its path, to show next to the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Stable code.
    pub code: &'static str,
    /// The problems, in the file's order.
    pub problems: Vec<DefinitionProblem>,
}

impl Refusal {
    fn one(code: &'static str, path: &str, message: String) -> Refusal {
        Refusal {
            code,
            problems: vec![DefinitionProblem::new(path, message)],
        }
    }
}

/// Whether an admin checks a definition or saves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminAction {
    /// Check only ("Validasi").
    Validate,
    /// Check, then create or update the service ("Simpan").
    Save,
}

/// What became of a definition that was accepted: checked only (`None`), or saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The definition read.
    pub definition: ServiceDefinition,
    /// What saving did; `None` when only checked.
    pub saved: Option<ServiceChange>,
}

impl App {
    /// The agency `user` administers.
    ///
    /// Errors: `E_WRONG_ROLE` for anyone but an admin; `E_NOT_YOUR_AGENCY` for an admin of no
    /// agency; `E_NOT_FOUND` if the agency is gone.
    pub fn admin_agency(&self, user: &User) -> Result<Agency, AppError> {
        if user.role != Role::Admin {
            return Err(AppError::Forbidden("E_WRONG_ROLE"));
        }
        let id = user
            .agency_id
            .ok_or(AppError::Forbidden("E_NOT_YOUR_AGENCY"))?;
        self.store.agency(id)?.ok_or(AppError::NotFound)
    }

    /// The admin's agency and its services, by name.
    ///
    /// Errors: those of [`App::admin_agency`].
    pub fn admin_services(&self, admin: &User) -> Result<(Agency, Vec<Service>), AppError> {
        let agency = self.admin_agency(admin)?;
        let services = self
            .store
            .services()?
            .into_iter()
            .filter(|s| s.agency_id == agency.id)
            .collect();
        Ok((agency, services))
    }

    /// The definition of the admin's service `code`, as TOML.
    ///
    /// Errors: those of [`App::admin_agency`]; `E_NOT_FOUND` for no such service;
    /// `E_NOT_YOUR_AGENCY` for another agency's.
    pub fn admin_service_toml(&self, admin: &User, code: &str) -> Result<String, AppError> {
        let agency = self.admin_agency(admin)?;
        let def = self
            .store
            .service_definition(code)?
            .ok_or(AppError::NotFound)?;
        if def.agency != agency.code {
            return Err(AppError::Forbidden("E_NOT_YOUR_AGENCY"));
        }
        Ok(def.to_toml())
    }

    /// Checks, and with [`AdminAction::Save`] saves, the definition `text` an admin typed:
    /// for a new service (`editing` `None`) or for their service `editing`, whose code cannot
    /// change here. Every problem is reported; nothing is saved unless there is none.
    ///
    /// Returns `Err(Refusal)` inside `Ok` for what the admin can correct in the text:
    /// `E_SERVICE_DEFINITION` (the rules of [`ServiceDefinition::parse_toml`], a code that
    /// changed or already exists), `E_NOT_YOUR_AGENCY` (the definition names another agency,
    /// or its code is another agency's service), `E_SERVICE_IN_USE` (on save: the steps would
    /// move under open documents).
    ///
    /// Errors: those of [`App::admin_agency`]; storage failures.
    pub fn admin_submit_definition(
        &self,
        admin: &User,
        text: &str,
        editing: Option<&str>,
        action: AdminAction,
    ) -> Result<Result<Accepted, Refusal>, AppError> {
        let agency = self.admin_agency(admin)?;
        let definition = match ServiceDefinition::parse_toml(text) {
            Ok(d) => d,
            Err(problems) => {
                return Ok(Err(Refusal {
                    code: E_SERVICE_DEFINITION,
                    problems,
                }));
            }
        };
        if let Some(refusal) = self.admin_refusal(&agency, &definition, editing)? {
            return Ok(Err(refusal));
        }
        if action == AdminAction::Validate {
            return Ok(Ok(Accepted {
                definition,
                saved: None,
            }));
        }
        match self.store.upsert_service(&definition) {
            Ok((_, change)) => Ok(Ok(Accepted {
                definition,
                saved: Some(change),
            })),
            Err(e @ StoreError::ServiceInUse { .. }) => {
                Ok(Err(Refusal::one(e.code(), "steps", e.to_string())))
            }
            Err(e @ StoreError::InvalidService(_)) => {
                Ok(Err(Refusal::one(e.code(), "", e.to_string())))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// What forbids `definition` to `agency`'s admin editing `editing` (`None`: a new one).
    fn admin_refusal(
        &self,
        agency: &Agency,
        definition: &ServiceDefinition,
        editing: Option<&str>,
    ) -> Result<Option<Refusal>, AppError> {
        if definition.agency != agency.code {
            return Ok(Some(Refusal::one(
                "E_NOT_YOUR_AGENCY",
                "agency",
                format!(
                    "{:?} is not your agency: you administer {}",
                    definition.agency, agency.code
                ),
            )));
        }
        let existing = self.store.service_by_code(&definition.code)?;
        if existing.as_ref().is_some_and(|s| s.agency_id != agency.id) {
            return Ok(Some(Refusal::one(
                "E_NOT_YOUR_AGENCY",
                "code",
                format!("{:?} is a service of another agency", definition.code),
            )));
        }
        let problem = match editing {
            Some(code) if code != definition.code => Some(format!(
                "{:?} is not {code:?}: a service keeps its code; make a new service for a new \
                 code",
                definition.code
            )),
            None if existing.is_some() => Some(format!(
                "{:?} already exists: edit it instead",
                definition.code
            )),
            _ => None,
        };
        Ok(problem.map(|message| Refusal::one(E_SERVICE_DEFINITION, "code", message)))
    }
}

/// The skeleton a new service starts from: the admin's agency, one paraf step and the
/// signature, ready to be filled in.
pub fn new_service_skeleton(agency: &Agency) -> String {
    ServiceDefinition {
        code: "kode-layanan".into(),
        agency: agency.code.clone(),
        agency_name: None,
        name: "Nama layanan".into(),
        name_en: "Service name".into(),
        description: String::new(),
        description_en: String::new(),
        numbering: None,
        form: vec![sahih_workflow::FormField {
            name: "perihal".into(),
            label_id: "Perihal".into(),
            label_en: "Subject".into(),
            kind: sahih_workflow::FieldKind::Text,
            required: true,
            max_chars: 200,
            options: Vec::new(),
        }],
        steps: sahih_workflow::RoutingTemplate::single_paraf().steps,
    }
    .to_toml()
}
