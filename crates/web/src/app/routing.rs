//! Who may act on a document now: the pending step of its service's routing template, resolved
//! to the officers who hold the step's position or role in the step's agency, and the paraf
//! already given there in this round.

use std::collections::HashMap;

use sahih_store::{Document, Officer, Service, User};
use sahih_workflow::{
    Actor, AgencyId, Command, ReturnTo, Role, Situation, Step, StepAction, Transition, UserId,
    WorkflowError, decide,
};

use super::App;
use crate::AppError;

/// A document's pending step, resolved to people.
#[derive(Debug, Clone)]
pub struct PendingStep {
    /// The step's 0-based index in the template.
    pub index: u32,
    /// The step.
    pub step: Step,
    /// The officers matching the step's assignees, by id.
    pub assigned: Vec<UserId>,
    /// The officers who already gave paraf or acknowledged at this step in this round.
    pub given: Vec<UserId>,
    /// When the user asking acts by delegation (Plt./Plh.) for an assigned official: the
    /// grant. They are then counted among `assigned`.
    pub acting_for: Option<sahih_store::StoredDelegation>,
    /// How many distinct officers must act (1 for the sign step).
    pub required: usize,
}

impl PendingStep {
    /// Whether `user` may act here now (assigned, and not already acted at a paraf step).
    pub fn awaits(&self, user: UserId) -> bool {
        self.assigned.contains(&user) && !self.given.contains(&user)
    }

    /// The officers still expected to act: assigned and not yet acted.
    pub fn waiting_for(&self) -> Vec<UserId> {
        self.assigned
            .iter()
            .copied()
            .filter(|id| !self.given.contains(id))
            .collect()
    }

    /// The step's action, for the page: `paraf`, `acknowledge` or `sign`.
    pub fn action(&self) -> StepAction {
        self.step.action
    }
}

/// The commands the workflow would accept from one user on one document now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Offered {
    /// Resubmit (applicant, returned).
    pub resubmit: bool,
    /// Withdraw (applicant, before the first paraf).
    pub withdraw: bool,
    /// Give paraf.
    pub paraf: bool,
    /// Acknowledge (mengetahui).
    pub acknowledge: bool,
    /// Return to the applicant, or reject.
    pub return_: bool,
    /// Return to the previous step.
    pub return_previous: bool,
    /// Sign.
    pub sign: bool,
}

/// Asks the workflow whether `user` may give `command` on `doc` with its `pending` step as
/// resolved (who may act there, who already did).
///
/// # Errors
/// The workflow's refusal.
pub(crate) fn decide_as(
    user: &User,
    doc: &Document,
    service: &Service,
    pending: Option<&PendingStep>,
    command: &Command,
) -> Result<Transition, WorkflowError> {
    let (eligible, given) = pending
        .map(|p| (p.assigned.as_slice(), p.given.as_slice()))
        .unwrap_or_default();
    let situation = Situation {
        state: doc.state,
        template: &service.template,
        form: &doc.form,
        eligible,
        given,
    };
    let actor = Actor {
        id: user.id,
        role: user.role,
        is_applicant: doc.applicant_id == user.id,
    };
    decide(&situation, &actor, command)
}

/// What resolving needs, loaded once per request: the officers and the agencies' codes.
pub(crate) struct Directory {
    officers: Vec<Officer>,
    agency_codes: HashMap<AgencyId, String>,
}

impl Directory {
    /// The officer `id`, if any.
    fn officer(&self, id: UserId) -> Option<&Officer> {
        self.officers.iter().find(|o| o.user.id == id)
    }
}

impl Directory {
    /// The officers matching `step`'s assignees for a document of `home` (agency code).
    fn assigned(&self, step: &Step, home: &str) -> Vec<UserId> {
        self.officers
            .iter()
            .filter(|o| step.action != StepAction::Sign || o.user.role == Role::Signer)
            .filter(|o| {
                step.assignees.matches(
                    o.user.role,
                    o.user.position.as_deref(),
                    &o.agency_code,
                    home,
                )
            })
            .map(|o| o.user.id)
            .collect()
    }
}

impl App {
    /// The code of `doc`'s agency ("" when unknown).
    fn home_code(&self, directory: &Directory, doc: &Document) -> Result<String, AppError> {
        Ok(match directory.agency_codes.get(&doc.agency_id) {
            Some(code) => code.clone(),
            None => self
                .store
                .agency(doc.agency_id)?
                .map(|a| a.code)
                .unwrap_or_default(),
        })
    }

    /// Loads the officers and agency codes that resolving steps needs.
    pub(crate) fn directory(&self) -> Result<Directory, AppError> {
        let officers = self.store.officers()?;
        let mut agency_codes = HashMap::new();
        for o in &officers {
            if let Some(id) = o.user.agency_id {
                agency_codes.insert(id, o.agency_code.clone());
            }
        }
        Ok(Directory {
            officers,
            agency_codes,
        })
    }

    /// The document's pending step resolved to officers; `None` while returned or closed.
    ///
    /// Errors: storage failures.
    pub fn pending_step(
        &self,
        doc: &Document,
        service: &Service,
    ) -> Result<Option<PendingStep>, AppError> {
        let directory = self.directory()?;
        self.pending_in(&directory, doc, service)
    }

    /// [`App::pending_step`] as `user` sees it: when `user` is not assigned but holds a
    /// current delegation (Plt./Plh.) from an assigned official, they are added to `assigned`
    /// and the grant is kept in `acting_for`.
    ///
    /// Errors: storage failures.
    pub fn pending_step_for(
        &self,
        user: &User,
        doc: &Document,
        service: &Service,
    ) -> Result<Option<PendingStep>, AppError> {
        let Some(mut pending) = self.pending_step(doc, service)? else {
            return Ok(None);
        };
        if user.role == Role::Citizen {
            return Ok(Some(pending));
        }
        if pending.assigned.contains(&user.id) {
            return Ok(Some(pending));
        }
        let grants = self
            .store
            .active_delegations_to(user.id, sahih_store::now())?;
        if let Some(grant) = grants
            .into_iter()
            .find(|g| pending.assigned.contains(&g.delegation.delegator))
        {
            let delegator = grant.delegation.delegator;
            // The acting official stands in for the official: one office, one person in a
            // group's count; and if the official already acted, so has their office.
            if pending.given.contains(&delegator) {
                pending.given.push(user.id);
            }
            pending.assigned.retain(|id| *id != delegator);
            pending.assigned.push(user.id);
            pending.acting_for = Some(grant);
        }
        Ok(Some(pending))
    }

    pub(crate) fn pending_in(
        &self,
        directory: &Directory,
        doc: &Document,
        service: &Service,
    ) -> Result<Option<PendingStep>, AppError> {
        let template = &service.template;
        let Some(index) = doc.state.pending_step(template, &doc.form) else {
            return Ok(None);
        };
        let Some(step) = template.step(index) else {
            return Ok(None);
        };
        let home = self.home_code(directory, doc)?;
        let mut assigned = directory.assigned(step, &home);
        let given = if step.action == StepAction::Sign {
            Vec::new()
        } else {
            self.store.approvals(doc.id, index)?
        };
        // An acting official (Plt./Plh.) who acted here did so for their official: the office
        // has acted, and counts once in the group.
        let acting: Vec<UserId> = given
            .iter()
            .copied()
            .filter(|g| !assigned.contains(g))
            .collect();
        for acted in acting {
            for grant in self
                .store
                .active_delegations_to(acted, sahih_store::now())?
            {
                assigned.retain(|id| *id != grant.delegation.delegator);
            }
        }
        let situation = Situation {
            state: doc.state,
            template,
            form: &doc.form,
            eligible: &assigned,
            given: &given,
        };
        let required = situation.progress().map_or(1, |(_, required)| required);
        Ok(Some(PendingStep {
            index,
            step: step.clone(),
            assigned,
            given,
            required,
            acting_for: None,
        }))
    }

    /// The commands `user` could give on `doc` now (each one a `decide` that succeeds), and the
    /// pending step resolved to officers.
    ///
    /// Errors: storage failures.
    pub fn offered(
        &self,
        user: &User,
        doc: &Document,
        service: &Service,
    ) -> Result<(Offered, Option<PendingStep>), AppError> {
        let pending = self.pending_step_for(user, doc, service)?;
        let can = |c: Command| decide_as(user, doc, service, pending.as_ref(), &c).is_ok();
        let back = |to| Command::Return {
            comment: "-".into(),
            to,
        };
        let offered = Offered {
            resubmit: can(Command::Resubmit),
            withdraw: can(Command::Withdraw),
            paraf: can(Command::Paraf),
            acknowledge: can(Command::Acknowledge),
            return_: can(back(ReturnTo::Applicant)),
            return_previous: can(back(ReturnTo::PreviousStep)),
            sign: can(Command::Sign),
        };
        Ok((offered, pending))
    }

    /// The pending step as the document page shows it, with the names of who is expected.
    ///
    /// Errors: storage failures.
    pub fn pending_view(&self, p: &PendingStep) -> Result<crate::views::PendingView, AppError> {
        let mut waiting = Vec::new();
        for id in p.waiting_for() {
            if let Some(u) = self.store.user(id)? {
                waiting.push(match u.position {
                    Some(pos) => format!("{} ({pos})", u.name),
                    None => u.name,
                });
            }
        }
        Ok(crate::views::PendingView {
            step_name: p.step.name.clone(),
            action: p.step.action.as_str(),
            given: p.given.len(),
            required: p.required,
            waiting,
            approval_signature: p.step.approval_signature,
        })
    }

    /// The names of the pending steps of open documents that would be left with nobody to act
    /// if `officer` held `role` and `position` instead: where only they are assigned now.
    ///
    /// Errors: storage failures.
    pub(crate) fn stranded_by(
        &self,
        officer: UserId,
        role: Role,
        position: &str,
    ) -> Result<Vec<String>, AppError> {
        let directory = self.directory()?;
        let Some(me) = directory.officer(officer) else {
            return Ok(Vec::new());
        };
        let services = self.store.services()?;
        let mut stranded = Vec::new();
        for doc in self.store.open_documents()? {
            let Some(service) = services.iter().find(|s| s.id == doc.service_id) else {
                continue;
            };
            let Some(pending) = self.pending_in(&directory, &doc, service)? else {
                continue;
            };
            if pending.assigned != [officer] {
                continue;
            }
            let home = self.home_code(&directory, &doc)?;
            let step = &pending.step;
            let still = (step.action != StepAction::Sign || role == Role::Signer)
                && step
                    .assignees
                    .matches(role, Some(position), &me.agency_code, &home);
            if !still && !stranded.contains(&step.name) {
                stranded.push(step.name.clone());
            }
        }
        Ok(stranded)
    }

    /// Where `definition`'s steps are not staffed now: a step whose assignees nobody holds
    /// (documents would wait there for nobody), or a k-of-n group with fewer holders than k.
    /// Warnings for the admin, not refusals: a position may be filled after the service.
    ///
    /// Errors: storage failures.
    pub fn staffing_warnings(
        &self,
        definition: &sahih_workflow::ServiceDefinition,
    ) -> Result<Vec<sahih_workflow::DefinitionProblem>, AppError> {
        let directory = self.directory()?;
        let mut out = Vec::new();
        for (i, step) in definition.steps.iter().enumerate() {
            let n = directory.assigned(step, &definition.agency).len();
            let needed = match step.mode {
                sahih_workflow::GroupMode::KOfN(k) => usize::try_from(k).unwrap_or(usize::MAX),
                _ => 1,
            };
            if n < needed {
                out.push(sahih_workflow::DefinitionProblem::new(
                    format!("steps[{i}].assignees"),
                    format!(
                        "{n} officer(s) hold this now and {needed} must act: documents would \
                         wait at {:?} until someone is given the position (/admin/petugas)",
                        step.name
                    ),
                ));
            }
        }
        Ok(out)
    }

    /// The officers a step's tembusan (cc) names, for a document of `doc`'s agency.
    ///
    /// Errors: storage failures.
    pub(crate) fn cc_recipients(
        &self,
        doc: &Document,
        step: &Step,
    ) -> Result<Vec<UserId>, AppError> {
        let directory = self.directory()?;
        let home = self.home_code(&directory, doc)?;
        let mut out: Vec<UserId> = directory
            .officers
            .iter()
            .filter(|o| {
                step.cc.iter().any(|cc| {
                    cc.matches(
                        o.user.role,
                        o.user.position.as_deref(),
                        &o.agency_code,
                        &home,
                    )
                })
            })
            .map(|o| o.user.id)
            .collect();
        out.dedup();
        Ok(out)
    }

    /// Whether officer `user` takes part in `service`'s route for a document of agency `home`:
    /// an officer of that agency, or of an agency one of the template's steps names (as
    /// assignees or in its tembusan).
    pub(crate) fn takes_part(&self, user: &User, home: AgencyId, service: &Service) -> bool {
        let Some(own) = user.agency_id else {
            return false;
        };
        if own == home {
            return true;
        }
        let Ok(Some(agency)) = self.store.agency(own) else {
            return false;
        };
        service.template.steps.iter().any(|s| {
            std::iter::once(&s.assignees)
                .chain(&s.cc)
                .any(|a| a.agency.as_deref() == Some(agency.code.as_str()))
        })
    }

    /// The officer's queue: the open documents whose pending step waits for them (assigned
    /// and not yet acted), of any agency, oldest change first, each with its pending step.
    ///
    /// Errors: `E_WRONG_ROLE` for citizens and admins.
    pub fn queue(&self, officer: &User) -> Result<Vec<(Document, PendingStep)>, AppError> {
        if !matches!(officer.role, Role::Verifier | Role::Signer) {
            return Err(AppError::Forbidden("E_WRONG_ROLE"));
        }
        let directory = self.directory()?;
        let services = self.store.services()?;
        let delegators: Vec<UserId> = self
            .store
            .active_delegations_to(officer.id, sahih_store::now())?
            .into_iter()
            .map(|g| g.delegation.delegator)
            .collect();
        let mut out = Vec::new();
        for doc in self.store.open_documents()? {
            let Some(service) = services.iter().find(|s| s.id == doc.service_id) else {
                continue;
            };
            let Some(pending) = self.pending_in(&directory, &doc, service)? else {
                continue;
            };
            let by_delegation = !pending.given.contains(&officer.id)
                && delegators.iter().any(|d| pending.assigned.contains(d));
            if pending.awaits(officer.id) || by_delegation {
                out.push((doc, pending));
            }
        }
        Ok(out)
    }
}
