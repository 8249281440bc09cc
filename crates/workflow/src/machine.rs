//! The approval state machine: which command is allowed, for whom, in which state.

use crate::{
    Actor, Command, DocumentState, Event, MAX_COMMENT_CHARS, Role, RoutingTemplate, Transition,
    WorkflowError,
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

/// Decides whether `actor` may give `command` to a document in `state` routed by `template`,
/// and if so returns the new state and the events to record. Nothing is changed: the caller
/// stores the transition (comparing `from` with the stored state inside its transaction).
///
/// The rules:
/// - `Paraf` by a verifier, while `Submitted` (step 0) or `InReview { step }`: the next step
///   becomes pending, or `Approved` after the template's last step. Event `Paraf { step }`.
/// - `Return` / `Reject` by a verifier while `Submitted` or `InReview`, or by the signer
///   while `Approved`: `Returned` / `Rejected`, with the trimmed comment or reason.
/// - `Sign` by the signer while `Approved`: `Signed`. There is no signature without every
///   paraf.
/// - `Resubmit` by the applicant while `Returned`: `Submitted`; every paraf step starts over.
/// - `Withdraw` by the applicant while `Submitted` or `Returned`: `Withdrawn`.
///
/// Checks run in this order, and the first failure is returned.
///
/// # Errors
/// 1. [`WorkflowError::Terminal`]: `state` is signed, rejected or withdrawn.
/// 2. [`WorkflowError::WrongRole`] / [`WorkflowError::NotApplicant`]: `actor` may not give
///    `command` (for `Return` / `Reject` the role depends on the state, and in a state where
///    nobody may give them this step already fails with `NotAllowed`).
/// 3. [`WorkflowError::NotAllowed`]: `command` is not allowed in `state`, including `Paraf`
///    on an `InReview` step past the template's last step (a corrupt state).
/// 4. [`WorkflowError::EmptyComment`] / [`WorkflowError::CommentTooLong`]: the comment or
///    reason is blank, or longer than [`MAX_COMMENT_CHARS`] once trimmed.
pub fn decide(
    state: DocumentState,
    template: &RoutingTemplate,
    actor: &Actor,
    command: &Command,
) -> Result<Transition, WorkflowError> {
    if state.is_terminal() {
        return Err(WorkflowError::Terminal(state));
    }
    authorize(state, actor, command)?;
    let (to, event) = apply(state, template, command)?;
    Ok(Transition {
        from: state,
        to,
        events: vec![event],
    })
}

/// Who may give a command.
enum Permitted {
    Role(Role),
    Applicant,
}

/// Who may give `command` in the non-terminal `state`.
fn permitted(state: DocumentState, command: &Command) -> Result<Permitted, WorkflowError> {
    match command {
        Command::Paraf => Ok(Permitted::Role(Role::Verifier)),
        Command::Sign => Ok(Permitted::Role(Role::Signer)),
        Command::Return { .. } | Command::Reject { .. } => match state {
            DocumentState::Submitted | DocumentState::InReview { .. } => {
                Ok(Permitted::Role(Role::Verifier))
            }
            DocumentState::Approved => Ok(Permitted::Role(Role::Signer)),
            _ => Err(not_allowed(state, command)),
        },
        Command::Resubmit | Command::Withdraw => Ok(Permitted::Applicant),
    }
}

fn authorize(state: DocumentState, actor: &Actor, command: &Command) -> Result<(), WorkflowError> {
    match permitted(state, command)? {
        Permitted::Role(needed) if actor.role != needed => Err(WorkflowError::WrongRole {
            needed,
            actual: actor.role,
        }),
        Permitted::Applicant if !actor.is_applicant => Err(WorkflowError::NotApplicant),
        _ => Ok(()),
    }
}

/// The state after `command` and the event recording it; the actor is already authorized.
fn apply(
    state: DocumentState,
    template: &RoutingTemplate,
    command: &Command,
) -> Result<(DocumentState, Event), WorkflowError> {
    use DocumentState as S;
    match (command, state) {
        (Command::Paraf, S::Submitted) => paraf(state, 0, template),
        (Command::Paraf, S::InReview { step }) => paraf(state, step, template),
        (Command::Return { comment }, S::Submitted | S::InReview { .. } | S::Approved) => {
            let comment = checked_comment(comment)?;
            Ok((S::Returned, Event::Returned { comment }))
        }
        (Command::Reject { reason }, S::Submitted | S::InReview { .. } | S::Approved) => {
            let reason = checked_comment(reason)?;
            Ok((S::Rejected, Event::Rejected { reason }))
        }
        (Command::Resubmit, S::Returned) => Ok((S::Submitted, Event::Resubmitted)),
        (Command::Withdraw, S::Submitted | S::Returned) => Ok((S::Withdrawn, Event::Withdrawn)),
        (Command::Sign, S::Approved) => Ok((S::Signed, Event::Signed)),
        _ => Err(not_allowed(state, command)),
    }
}

/// Paraf for the pending 0-based `step`; a step past the template's end is a corrupt state.
fn paraf(
    state: DocumentState,
    step: u32,
    template: &RoutingTemplate,
) -> Result<(DocumentState, Event), WorkflowError> {
    if template.step(step).is_none() {
        return Err(not_allowed(state, &Command::Paraf));
    }
    let next = match step.checked_add(1) {
        Some(next) if template.step(next).is_some() => DocumentState::InReview { step: next },
        _ => DocumentState::Approved,
    };
    Ok((next, Event::Paraf { step }))
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
mod walk;
