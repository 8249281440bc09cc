//! The approval state machine: which command is allowed, for whom, in which state.

use crate::{
    Actor, Command, DocumentState, Event, MAX_COMMENT_CHARS, ReturnTo, Role, RoutingTemplate, Step,
    StepAction, Transition, UserId, WorkflowError,
};

/// The transition that creates a document: state `Submitted`, one `Submitted` event.
///
/// `from` is also `Submitted`, since the document did not exist before.
pub fn submit() -> Transition {
    Transition {
        from: DocumentState::Submitted,
        to: DocumentState::Submitted,
        events: vec![Event::Submitted],
    }
}

/// The transition that creates a document straight at the sign step, for an agency application
/// allowed to bypass the paraf steps (its own system already approved the document): state
/// `Approved`, one `Submitted` event. The signing official's refusal returns it like any other.
pub fn submit_direct() -> Transition {
    Transition {
        from: DocumentState::Submitted,
        to: DocumentState::Approved,
        events: vec![Event::Submitted],
    }
}

/// Everything [`decide`] needs to know about a document, loaded by the caller.
#[derive(Debug, Clone, Copy)]
pub struct Situation<'a> {
    /// The document's state.
    pub state: DocumentState,
    /// Its service's routing template.
    pub template: &'a RoutingTemplate,
    /// Its form values (field name → value), which decide the conditional steps.
    pub form: &'a [(String, String)],
    /// The officers who may act at the pending step now: those matching the step's assignees
    /// (resolved by the caller, see [`crate::Assignees::matches`]), plus acting officials
    /// (Plt./Plh.) holding a current delegation from one of them. Empty when nothing is pending.
    pub eligible: &'a [UserId],
    /// The officers who already gave paraf or acknowledged at the pending step in this round.
    pub given: &'a [UserId],
}

impl Situation<'_> {
    /// The pending step's index and definition, if the document waits for officers.
    pub fn pending(&self) -> Option<(u32, &Step)> {
        let index = self.state.pending_step(self.template, self.form)?;
        Some((index, self.template.step(index)?))
    }

    /// How many distinct officers have acted at the pending step, and how many must.
    pub fn progress(&self) -> Option<(usize, usize)> {
        let (_, step) = self.pending()?;
        if step.action == StepAction::Sign {
            return Some((0, 1));
        }
        let mut assigned: Vec<UserId> = self.eligible.to_vec();
        assigned.extend_from_slice(self.given);
        assigned.sort_unstable();
        assigned.dedup();
        Some((self.given.len(), step.mode.required(assigned.len())))
    }
}

/// Decides whether `actor` may give `command` to the document in `situation`, and if so returns
/// the new state and the events to record. Nothing is changed: the caller stores the transition
/// (comparing `from` with the stored state inside its transaction).
///
/// The rules:
/// - `Paraf` / `Acknowledge` by an eligible officer at a pending paraf / acknowledgement step
///   where they have not acted yet: once the step's [`crate::GroupMode`] is satisfied the next
///   step that applies to the form becomes pending (`Approved` at the sign step); until then the
///   document stays at the step (`InReview { step }`). Event `Paraf { step }` /
///   `Acknowledged { step }`.
/// - `Return` / `Reject` by an eligible officer of the pending step (the signer while
///   `Approved`): to the applicant (`Returned`), to the previous step that applies
///   (`InReview { previous }`, whose officers act again), or `Rejected`.
/// - `Sign` by an eligible officer while `Approved`: `Signed`. There is no signature without
///   every step before it.
/// - `Resubmit` by the applicant while `Returned`: `Submitted`; every step starts over.
/// - `Withdraw` by the applicant while `Submitted` (before the first paraf) or `Returned`.
///
/// Checks run in this order, and the first failure is returned.
///
/// # Errors
/// 1. [`WorkflowError::Terminal`]: the document is signed, rejected or withdrawn.
/// 2. [`WorkflowError::NotAllowed`]: nobody may give `command` in this state (e.g. `Sign`
///    before `Approved`, `Paraf` at an acknowledgement step, or a corrupt step index).
/// 3. [`WorkflowError::NotApplicant`] / [`WorkflowError::WrongRole`] /
///    [`WorkflowError::NotAssignee`] / [`WorkflowError::AlreadyActed`]: `actor` may not.
/// 4. [`WorkflowError::EmptyComment`] / [`WorkflowError::CommentTooLong`] /
///    [`WorkflowError::NoPreviousStep`].
pub fn decide(
    situation: &Situation<'_>,
    actor: &Actor,
    command: &Command,
) -> Result<Transition, WorkflowError> {
    let state = situation.state;
    if state.is_terminal() {
        return Err(WorkflowError::Terminal(state));
    }
    let (to, event) = match command {
        Command::Resubmit | Command::Withdraw => applicant_command(state, actor, command)?,
        _ => officer_command(situation, actor, command)?,
    };
    Ok(Transition {
        from: state,
        to,
        events: vec![event],
    })
}

fn applicant_command(
    state: DocumentState,
    actor: &Actor,
    command: &Command,
) -> Result<(DocumentState, Event), WorkflowError> {
    use DocumentState as S;
    let outcome = match (command, state) {
        (Command::Resubmit, S::Returned) => (S::Submitted, Event::Resubmitted),
        (Command::Withdraw, S::Submitted | S::Returned) => (S::Withdrawn, Event::Withdrawn),
        _ => return Err(not_allowed(state, command)),
    };
    if !actor.is_applicant {
        return Err(WorkflowError::NotApplicant);
    }
    Ok(outcome)
}

/// Paraf, acknowledge, return, reject and sign: commands of the pending step's officers.
fn officer_command(
    situation: &Situation<'_>,
    actor: &Actor,
    command: &Command,
) -> Result<(DocumentState, Event), WorkflowError> {
    let state = situation.state;
    let (index, step) = situation
        .pending()
        .ok_or_else(|| not_allowed(state, command))?;
    let fits = match command {
        Command::Paraf => step.action == StepAction::Paraf,
        Command::Acknowledge => step.action == StepAction::Acknowledge,
        Command::Sign => step.action == StepAction::Sign && state == DocumentState::Approved,
        _ => true,
    };
    if !fits || (step.action == StepAction::Sign) != (state == DocumentState::Approved) {
        return Err(not_allowed(state, command));
    }
    authorize_officer(situation, step, actor)?;
    match command {
        Command::Paraf | Command::Acknowledge => give(situation, index, actor),
        Command::Return { comment, to } => {
            let comment = checked_comment(comment)?;
            let to_step = match to {
                ReturnTo::Applicant => None,
                ReturnTo::PreviousStep => Some(
                    situation
                        .template
                        .previous_step(index, situation.form)
                        .ok_or(WorkflowError::NoPreviousStep)?,
                ),
            };
            let next = to_step.map_or(DocumentState::Returned, |step| DocumentState::InReview {
                step,
            });
            Ok((next, Event::Returned { comment, to_step }))
        }
        Command::Reject { reason } => {
            let reason = checked_comment(reason)?;
            Ok((DocumentState::Rejected, Event::Rejected { reason }))
        }
        Command::Sign => Ok((DocumentState::Signed, Event::Signed)),
        Command::Resubmit | Command::Withdraw => Err(not_allowed(state, command)),
    }
}

fn authorize_officer(
    situation: &Situation<'_>,
    step: &Step,
    actor: &Actor,
) -> Result<(), WorkflowError> {
    if !matches!(actor.role, Role::Verifier | Role::Signer) {
        let needed = match step.action {
            StepAction::Sign => Role::Signer,
            StepAction::Paraf | StepAction::Acknowledge => Role::Verifier,
        };
        return Err(WorkflowError::WrongRole {
            needed,
            actual: actor.role,
        });
    }
    if !situation.eligible.contains(&actor.id) {
        return Err(WorkflowError::NotAssignee {
            step: step.name.clone(),
        });
    }
    Ok(())
}

/// One officer's paraf or acknowledgement at the pending step `index`.
fn give(
    situation: &Situation<'_>,
    index: u32,
    actor: &Actor,
) -> Result<(DocumentState, Event), WorkflowError> {
    if situation.given.contains(&actor.id) {
        return Err(WorkflowError::AlreadyActed);
    }
    let (given, required) = situation
        .progress()
        .ok_or_else(|| not_allowed(situation.state, &Command::Paraf))?;
    let template = situation.template;
    let next = if given + 1 >= required {
        let next = template.next_step(index, situation.form);
        if next == template.sign_step() {
            DocumentState::Approved
        } else {
            DocumentState::InReview { step: next }
        }
    } else {
        DocumentState::InReview { step: index }
    };
    let event = match template.step(index).map(|s| s.action) {
        Some(StepAction::Acknowledge) => Event::Acknowledged { step: index },
        _ => Event::Paraf { step: index },
    };
    Ok((next, event))
}

/// The trimmed comment, if it is not blank and not longer than [`MAX_COMMENT_CHARS`].
fn checked_comment(comment: &str) -> Result<String, WorkflowError> {
    let trimmed = comment.trim();
    if trimmed.is_empty() {
        return Err(WorkflowError::EmptyComment);
    }
    if trimmed.chars().count() > MAX_COMMENT_CHARS {
        return Err(WorkflowError::CommentTooLong {
            max: MAX_COMMENT_CHARS,
        });
    }
    Ok(trimmed.to_owned())
}

fn not_allowed(state: DocumentState, command: &Command) -> WorkflowError {
    WorkflowError::NotAllowed {
        state,
        command: command.name(),
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod properties;
