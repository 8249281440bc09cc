//! Table tests for `decide`: every state × command pair, wrong actors, comments.

use rstest::rstest;

use super::*;
use crate::{ParafStep, UserId};

use DocumentState::{Approved, InReview, Rejected, Returned, Signed, Submitted, Withdrawn};

/// A template with `steps` paraf steps.
pub(super) fn template(steps: usize) -> RoutingTemplate {
    let steps = (0..steps)
        .map(|i| ParafStep {
            name: format!("Paraf {i}"),
        })
        .collect();
    RoutingTemplate { paraf_steps: steps }
}

pub(super) fn actor(role: Role, is_applicant: bool) -> Actor {
    Actor {
        id: UserId(1),
        role,
        is_applicant,
    }
}

pub(super) fn applicant() -> Actor {
    actor(Role::Citizen, true)
}

pub(super) fn other_citizen() -> Actor {
    actor(Role::Citizen, false)
}

pub(super) fn verifier() -> Actor {
    actor(Role::Verifier, false)
}

pub(super) fn signer() -> Actor {
    actor(Role::Signer, false)
}

pub(super) fn admin() -> Actor {
    actor(Role::Admin, false)
}

pub(super) fn return_(comment: &str) -> Command {
    Command::Return {
        comment: comment.to_owned(),
    }
}

pub(super) fn reject(reason: &str) -> Command {
    Command::Reject {
        reason: reason.to_owned(),
    }
}

/// The actor the rules expect for `command` in `state`; a verifier where nobody is expected.
pub(super) fn right_actor(state: DocumentState, command: &Command) -> Actor {
    match command {
        Command::Paraf => verifier(),
        Command::Sign => signer(),
        Command::Return { .. } | Command::Reject { .. } if state == Approved => signer(),
        Command::Return { .. } | Command::Reject { .. } => verifier(),
        Command::Resubmit | Command::Withdraw => applicant(),
    }
}

fn na(state: DocumentState, command: &'static str) -> WorkflowError {
    WorkflowError::NotAllowed { state, command }
}

/// `decide` with the right actor, reduced to the new state.
fn outcome(
    steps: usize,
    state: DocumentState,
    command: &Command,
) -> Result<DocumentState, WorkflowError> {
    let result = decide(
        state,
        &template(steps),
        &right_actor(state, command),
        command,
    );
    if let Ok(transition) = &result {
        assert_eq!(transition.from, state);
        assert_eq!(transition.events.len(), 1);
    }
    result.map(|transition| transition.to)
}

/// Rows whose outcome does not depend on the template; each runs with 1 and 2 paraf steps.
/// `InReview { step: 1 }` is past the end of the 1-step template: return and reject still
/// work there, so a verifier can get a corrupt document out of the queue.
#[rstest]
#[case(Submitted, return_("x"), Ok(Returned))]
#[case(Submitted, Command::Resubmit, Err(na(Submitted, "resubmit")))]
#[case(Submitted, reject("x"), Ok(Rejected))]
#[case(Submitted, Command::Withdraw, Ok(Withdrawn))]
#[case(Submitted, Command::Sign, Err(na(Submitted, "sign")))]
#[case(InReview { step: 1 }, return_("x"), Ok(Returned))]
#[case(InReview { step: 1 }, Command::Resubmit, Err(na(InReview { step: 1 }, "resubmit")))]
#[case(InReview { step: 1 }, reject("x"), Ok(Rejected))]
#[case(InReview { step: 1 }, Command::Withdraw, Err(na(InReview { step: 1 }, "withdraw")))]
#[case(InReview { step: 1 }, Command::Sign, Err(na(InReview { step: 1 }, "sign")))]
#[case(Returned, Command::Paraf, Err(na(Returned, "paraf")))]
#[case(Returned, return_("x"), Err(na(Returned, "return")))]
#[case(Returned, Command::Resubmit, Ok(Submitted))]
#[case(Returned, reject("x"), Err(na(Returned, "reject")))]
#[case(Returned, Command::Withdraw, Ok(Withdrawn))]
#[case(Returned, Command::Sign, Err(na(Returned, "sign")))]
#[case(Approved, Command::Paraf, Err(na(Approved, "paraf")))]
#[case(Approved, return_("x"), Ok(Returned))]
#[case(Approved, Command::Resubmit, Err(na(Approved, "resubmit")))]
#[case(Approved, reject("x"), Ok(Rejected))]
#[case(Approved, Command::Withdraw, Err(na(Approved, "withdraw")))]
#[case(Approved, Command::Sign, Ok(Signed))]
fn every_state_and_command(
    #[values(1, 2)] steps: usize,
    #[case] state: DocumentState,
    #[case] command: Command,
    #[case] expected: Result<DocumentState, WorkflowError>,
) {
    assert_eq!(outcome(steps, state, &command), expected);
}

/// Paraf, whose outcome depends on how many paraf steps the template has.
#[rstest]
#[case(1, Submitted, Ok(Approved))]
#[case(2, Submitted, Ok(InReview { step: 1 }))]
#[case(1, InReview { step: 0 }, Ok(Approved))]
#[case(2, InReview { step: 0 }, Ok(InReview { step: 1 }))]
#[case(2, InReview { step: 1 }, Ok(Approved))]
#[case(3, InReview { step: 1 }, Ok(InReview { step: 2 }))]
#[case(1, InReview { step: 1 }, Err(na(InReview { step: 1 }, "paraf")))]
#[case(2, InReview { step: 2 }, Err(na(InReview { step: 2 }, "paraf")))]
#[case(2, InReview { step: u32::MAX }, Err(na(InReview { step: u32::MAX }, "paraf")))]
#[case(0, Submitted, Err(na(Submitted, "paraf")))]
fn paraf_follows_the_template(
    #[case] steps: usize,
    #[case] state: DocumentState,
    #[case] expected: Result<DocumentState, WorkflowError>,
) {
    assert_eq!(outcome(steps, state, &Command::Paraf), expected);
}

#[rstest]
fn closed_documents_refuse_everything(
    #[values(1, 2)] steps: usize,
    #[values(Signed, Rejected, Withdrawn)] state: DocumentState,
    #[values(
        Command::Paraf,
        return_("x"),
        Command::Resubmit,
        reject("x"),
        Command::Withdraw,
        Command::Sign
    )]
    command: Command,
) {
    assert_eq!(
        outcome(steps, state, &command),
        Err(WorkflowError::Terminal(state))
    );
}

fn wrong_role(needed: Role, actual: Role) -> WorkflowError {
    WorkflowError::WrongRole { needed, actual }
}

/// The wrong user; the check order is terminal, then role, then state, then comment.
#[rstest]
#[case::citizen_paraf(
    Submitted,
    applicant(),
    Command::Paraf,
    wrong_role(Role::Verifier, Role::Citizen)
)]
#[case::citizen_sign(
    Approved,
    applicant(),
    Command::Sign,
    wrong_role(Role::Signer, Role::Citizen)
)]
#[case::verifier_sign(
    Approved,
    verifier(),
    Command::Sign,
    wrong_role(Role::Signer, Role::Verifier)
)]
#[case::verifier_sign_early(
    Submitted,
    verifier(),
    Command::Sign,
    wrong_role(Role::Signer, Role::Verifier)
)]
#[case::signer_paraf(
    Submitted,
    signer(),
    Command::Paraf,
    wrong_role(Role::Verifier, Role::Signer)
)]
#[case::signer_paraf_step(InReview { step: 1 }, signer(), Command::Paraf, wrong_role(Role::Verifier, Role::Signer))]
#[case::signer_paraf_approved(
    Approved,
    signer(),
    Command::Paraf,
    wrong_role(Role::Verifier, Role::Signer)
)]
#[case::admin_paraf(
    Submitted,
    admin(),
    Command::Paraf,
    wrong_role(Role::Verifier, Role::Admin)
)]
#[case::admin_sign(
    Approved,
    admin(),
    Command::Sign,
    wrong_role(Role::Signer, Role::Admin)
)]
#[case::verifier_returns_approved(
    Approved,
    verifier(),
    return_("x"),
    wrong_role(Role::Signer, Role::Verifier)
)]
#[case::signer_returns_submitted(
    Submitted,
    signer(),
    return_("x"),
    wrong_role(Role::Verifier, Role::Signer)
)]
#[case::signer_rejects_in_review(InReview { step: 1 }, signer(), reject("x"), wrong_role(Role::Verifier, Role::Signer))]
#[case::citizen_rejects(
    Submitted,
    applicant(),
    reject(""),
    wrong_role(Role::Verifier, Role::Citizen)
)]
#[case::other_resubmits(
    Returned,
    other_citizen(),
    Command::Resubmit,
    WorkflowError::NotApplicant
)]
#[case::other_withdraws(
    Submitted,
    other_citizen(),
    Command::Withdraw,
    WorkflowError::NotApplicant
)]
#[case::other_withdraws_returned(
    Returned,
    other_citizen(),
    Command::Withdraw,
    WorkflowError::NotApplicant
)]
#[case::other_withdraws_in_review(InReview { step: 1 }, other_citizen(), Command::Withdraw, WorkflowError::NotApplicant)]
#[case::verifier_withdraws(Submitted, verifier(), Command::Withdraw, WorkflowError::NotApplicant)]
#[case::signer_resubmits(Returned, signer(), Command::Resubmit, WorkflowError::NotApplicant)]
#[case::nobody_returns_returned(Returned, applicant(), return_(""), na(Returned, "return"))]
#[case::closed_before_role(Signed, applicant(), Command::Paraf, WorkflowError::Terminal(Signed))]
#[case::closed_before_applicant(
    Withdrawn,
    other_citizen(),
    Command::Withdraw,
    WorkflowError::Terminal(Withdrawn)
)]
fn wrong_actor_is_refused(
    #[case] state: DocumentState,
    #[case] actor: Actor,
    #[case] command: Command,
    #[case] expected: WorkflowError,
) {
    assert_eq!(decide(state, &template(2), &actor, &command), Err(expected));
}

#[rstest]
#[case::empty("", Err(WorkflowError::EmptyComment))]
#[case::blank(" \t\n ", Err(WorkflowError::EmptyComment))]
#[case::trimmed("  Lampirkan KTP yang terbaca. \n", Ok("Lampirkan KTP yang terbaca.".to_owned()))]
#[case::at_limit(&"é".repeat(MAX_COMMENT_CHARS), Ok("é".repeat(MAX_COMMENT_CHARS)))]
#[case::at_limit_padded(&format!("  {}  ", "a".repeat(MAX_COMMENT_CHARS)), Ok("a".repeat(MAX_COMMENT_CHARS)))]
#[case::over_limit(&"a".repeat(MAX_COMMENT_CHARS + 1), Err(WorkflowError::CommentTooLong { max: MAX_COMMENT_CHARS }))]
fn comments_are_trimmed_and_bounded(
    #[values(Submitted, InReview { step: 1 }, Approved)] state: DocumentState,
    #[case] text: &str,
    #[case] expected: Result<String, WorkflowError>,
) {
    let returned = expected.clone().map(|comment| Event::Returned { comment });
    let rejected = expected.map(|reason| Event::Rejected { reason });
    for (command, event) in [(return_(text), returned), (reject(text), rejected)] {
        let result = decide(state, &template(2), &right_actor(state, &command), &command);
        assert_eq!(result.map(|t| t.events), event.map(|e| vec![e]));
    }
}

#[test]
fn comment_is_checked_after_the_state() {
    let result = decide(Returned, &template(2), &verifier(), &reject(" "));
    assert_eq!(result, Err(na(Returned, "reject")));
}

#[test]
fn submit_starts_in_submitted_with_one_event() {
    let transition = submit();
    assert_eq!(transition.from, Submitted);
    assert_eq!(transition.to, Submitted);
    assert_eq!(transition.events, vec![Event::Submitted]);
}

#[test]
fn two_step_route_records_each_paraf_then_the_signature() {
    let template = template(2);
    let steps = [
        (
            Submitted,
            verifier(),
            Command::Paraf,
            InReview { step: 1 },
            Event::Paraf { step: 0 },
        ),
        (
            InReview { step: 1 },
            verifier(),
            Command::Paraf,
            Approved,
            Event::Paraf { step: 1 },
        ),
        (Approved, signer(), Command::Sign, Signed, Event::Signed),
    ];
    for (from, actor, command, to, event) in steps {
        let expected = Transition {
            from,
            to,
            events: vec![event],
        };
        assert_eq!(decide(from, &template, &actor, &command), Ok(expected));
    }
}

#[test]
fn return_and_resubmit_start_the_paraf_over() {
    let template = template(2);
    let returned = decide(
        InReview { step: 1 },
        &template,
        &verifier(),
        &return_("Foto buram"),
    );
    assert_eq!(
        returned.map(|t| (t.to, t.events)),
        Ok((
            Returned,
            vec![Event::Returned {
                comment: "Foto buram".to_owned()
            }]
        ))
    );
    let resubmitted = decide(Returned, &template, &applicant(), &Command::Resubmit);
    assert_eq!(
        resubmitted.map(|t| (t.to, t.events)),
        Ok((Submitted, vec![Event::Resubmitted]))
    );
}
