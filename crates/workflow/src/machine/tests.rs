//! Table tests of `decide` on a route with every kind of step: a verifier's paraf, a parallel
//! group in mode all, a conditional paraf by another agency, an acknowledgement, the signature.

use rstest::rstest;

use super::*;
use crate::{Assignees, Comparison, Condition, GroupMode};
use DocumentState::{Approved, InReview, Rejected, Returned, Signed, Submitted, Withdrawn};

pub(super) const APPLICANT: UserId = UserId(1);
const VERIFIERS: &[UserId] = &[UserId(10), UserId(11)];
const KABID: &[UserId] = &[UserId(20), UserId(21)];
const KEPALA_BPKAD: &[UserId] = &[UserId(30)];
const SEKRETARIS: &[UserId] = &[UserId(40)];
const SIGNERS: &[UserId] = &[UserId(50)];

fn step(name: &str, action: StepAction, position: &str, mode: GroupMode) -> Step {
    Step {
        name: name.into(),
        action,
        assignees: Assignees {
            position: Some(position.into()),
            ..Assignees::default()
        },
        mode,
        condition: None,
        deadline_days: Some(2),
        cc: vec![],
        approval_signature: false,
    }
}

/// Verifikasi (any) → Kepala Bidang (all) → Kepala BPKAD if jumlah > 50,000,000 →
/// Sekretaris acknowledges → Kepala Dinas signs.
pub(super) fn template() -> RoutingTemplate {
    let mut finance = step(
        "Kepala BPKAD",
        StepAction::Paraf,
        "Kepala BPKAD",
        GroupMode::Any,
    );
    finance.assignees.agency = Some("BPKAD".into());
    finance.condition = Some(Condition {
        field: "jumlah".into(),
        op: Comparison::Gt,
        value: "50000000".into(),
    });
    RoutingTemplate::new(vec![
        step(
            "Verifikasi",
            StepAction::Paraf,
            "Verifikator",
            GroupMode::Any,
        ),
        step(
            "Kepala Bidang",
            StepAction::Paraf,
            "Kepala Bidang",
            GroupMode::All,
        ),
        finance,
        step(
            "Sekretaris",
            StepAction::Acknowledge,
            "Sekretaris",
            GroupMode::Any,
        ),
        step(
            "Kepala Dinas",
            StepAction::Sign,
            "Kepala Dinas",
            GroupMode::Any,
        ),
    ])
    .expect("valid template")
}

/// Who may act at each step of [`template`].
pub(super) fn eligible_at(step: u32) -> &'static [UserId] {
    let all = [VERIFIERS, KABID, KEPALA_BPKAD, SEKRETARIS, SIGNERS];
    usize::try_from(step)
        .ok()
        .and_then(|i| all.get(i).copied())
        .unwrap_or(&[])
}

pub(super) fn officer(id: UserId) -> Actor {
    let role = if id == UserId(50) || id == UserId(30) {
        Role::Signer
    } else {
        Role::Verifier
    };
    Actor {
        id,
        role,
        is_applicant: false,
    }
}

fn citizen(is_applicant: bool) -> Actor {
    Actor {
        id: if is_applicant { APPLICANT } else { UserId(2) },
        role: Role::Citizen,
        is_applicant,
    }
}

fn form(amount: u64) -> Vec<(String, String)> {
    vec![("jumlah".into(), amount.to_string())]
}

fn run(
    state: DocumentState,
    amount: u64,
    given: &[UserId],
    actor: Actor,
    command: Command,
) -> Result<DocumentState, WorkflowError> {
    let template = template();
    let form = form(amount);
    let pending = state.pending_step(&template, &form);
    let situation = Situation {
        state,
        template: &template,
        form: &form,
        eligible: pending.map_or(&[][..], eligible_at),
        given,
    };
    let transition = decide(&situation, &actor, &command)?;
    assert_eq!(transition.from, state);
    assert_eq!(transition.events.len(), 1);
    Ok(transition.to)
}

fn ret(to: ReturnTo) -> Command {
    Command::Return {
        comment: "Lengkapi lampiran".into(),
        to,
    }
}

const SMALL: u64 = 10_000_000;
const LARGE: u64 = 75_000_000;

#[rstest]
#[case(Submitted, SMALL, &[], officer(UserId(10)), Command::Paraf, Ok(InReview { step: 1 }))]
#[case(Submitted, SMALL, &[], officer(UserId(20)), Command::Paraf, Err("E_NOT_ASSIGNEE"))]
#[case(Submitted, SMALL, &[], citizen(true), Command::Paraf, Err("E_WRONG_ROLE"))]
#[case(Submitted, SMALL, &[], officer(UserId(10)), Command::Acknowledge, Err("E_TRANSITION_NOT_ALLOWED"))]
#[case(Submitted, SMALL, &[], officer(UserId(50)), Command::Sign, Err("E_TRANSITION_NOT_ALLOWED"))]
// Mode all: the first Kepala Bidang's paraf keeps the step; the second moves on.
#[case(InReview { step: 1 }, SMALL, &[], officer(UserId(20)), Command::Paraf, Ok(InReview { step: 1 }))]
#[case(InReview { step: 1 }, SMALL, &[UserId(20)], officer(UserId(20)), Command::Paraf, Err("E_ALREADY_ACTED"))]
#[case(InReview { step: 1 }, SMALL, &[UserId(20)], officer(UserId(21)), Command::Paraf, Ok(InReview { step: 3 }))]
// The condition: above 50,000,000 the head of finance's paraf is needed.
#[case(InReview { step: 1 }, LARGE, &[UserId(20)], officer(UserId(21)), Command::Paraf, Ok(InReview { step: 2 }))]
#[case(InReview { step: 2 }, LARGE, &[], officer(UserId(30)), Command::Paraf, Ok(InReview { step: 3 }))]
#[case(InReview { step: 3 }, SMALL, &[], officer(UserId(40)), Command::Paraf, Err("E_TRANSITION_NOT_ALLOWED"))]
#[case(InReview { step: 3 }, SMALL, &[], officer(UserId(40)), Command::Acknowledge, Ok(Approved))]
#[case(InReview { step: 3 }, SMALL, &[], officer(UserId(50)), Command::Sign, Err("E_TRANSITION_NOT_ALLOWED"))]
#[case(Approved, SMALL, &[], officer(UserId(50)), Command::Sign, Ok(Signed))]
#[case(Approved, SMALL, &[], officer(UserId(10)), Command::Sign, Err("E_NOT_ASSIGNEE"))]
#[case(Approved, SMALL, &[], officer(UserId(50)), Command::Paraf, Err("E_TRANSITION_NOT_ALLOWED"))]
// Return: to the applicant, or to the previous step that applies.
#[case(InReview { step: 3 }, SMALL, &[], officer(UserId(40)), ret(ReturnTo::PreviousStep), Ok(InReview { step: 1 }))]
#[case(InReview { step: 3 }, LARGE, &[], officer(UserId(40)), ret(ReturnTo::PreviousStep), Ok(InReview { step: 2 }))]
#[case(Approved, SMALL, &[], officer(UserId(50)), ret(ReturnTo::PreviousStep), Ok(InReview { step: 3 }))]
#[case(Submitted, SMALL, &[], officer(UserId(10)), ret(ReturnTo::PreviousStep), Err("E_NO_PREVIOUS_STEP"))]
#[case(InReview { step: 1 }, SMALL, &[], officer(UserId(20)), ret(ReturnTo::Applicant), Ok(Returned))]
#[case(InReview { step: 1 }, SMALL, &[], officer(UserId(10)), ret(ReturnTo::Applicant), Err("E_NOT_ASSIGNEE"))]
#[case(Approved, SMALL, &[], officer(UserId(50)), Command::Reject { reason: "Tidak memenuhi syarat".into() }, Ok(Rejected))]
#[case(Approved, SMALL, &[], officer(UserId(50)), Command::Reject { reason: " \n ".into() }, Err("E_COMMENT_REQUIRED"))]
#[case(Approved, SMALL, &[], officer(UserId(50)), Command::Reject { reason: "x".repeat(2001) }, Err("E_COMMENT_TOO_LONG"))]
// The applicant's commands.
#[case(Returned, SMALL, &[], citizen(true), Command::Resubmit, Ok(Submitted))]
#[case(Returned, SMALL, &[], citizen(false), Command::Resubmit, Err("E_NOT_APPLICANT"))]
#[case(Returned, SMALL, &[], officer(UserId(10)), Command::Paraf, Err("E_TRANSITION_NOT_ALLOWED"))]
#[case(Submitted, SMALL, &[], citizen(true), Command::Withdraw, Ok(Withdrawn))]
#[case(InReview { step: 1 }, SMALL, &[], citizen(true), Command::Withdraw, Err("E_TRANSITION_NOT_ALLOWED"))]
#[case(Submitted, SMALL, &[], citizen(true), Command::Resubmit, Err("E_TRANSITION_NOT_ALLOWED"))]
// A corrupt step index (past the end, or the sign step without Approved) moves nothing.
#[case(InReview { step: 9 }, SMALL, &[], officer(UserId(10)), Command::Paraf, Err("E_TRANSITION_NOT_ALLOWED"))]
#[case(InReview { step: 4 }, SMALL, &[], officer(UserId(50)), Command::Sign, Err("E_TRANSITION_NOT_ALLOWED"))]
fn decides(
    #[case] state: DocumentState,
    #[case] amount: u64,
    #[case] given: &[UserId],
    #[case] actor: Actor,
    #[case] command: Command,
    #[case] expected: Result<DocumentState, &str>,
) {
    let got = run(state, amount, given, actor, command).map_err(|e| e.code());
    assert_eq!(got, expected);
}

#[rstest]
fn closed_documents_refuse_everything(
    #[values(Signed, Rejected, Withdrawn)] state: DocumentState,
    #[values(Command::Paraf, Command::Sign, Command::Withdraw, Command::Resubmit)] command: Command,
) {
    let got = run(state, SMALL, &[], officer(UserId(50)), command);
    assert_eq!(got, Err(WorkflowError::Terminal(state)));
}

#[test]
fn k_of_n_needs_k_distinct_officers() {
    let mut template = template();
    template.steps[1].mode = GroupMode::KOfN(2);
    let form = form(SMALL);
    let three = [UserId(20), UserId(21), UserId(22)];
    let at = |given: &'static [UserId]| Situation {
        state: InReview { step: 1 },
        template: &template,
        form: &form,
        eligible: &three,
        given,
    };
    let first = decide(&at(&[]), &officer(UserId(22)), &Command::Paraf).map(|t| t.to);
    assert_eq!(first, Ok(InReview { step: 1 }));
    let second = decide(&at(&[UserId(22)]), &officer(UserId(20)), &Command::Paraf);
    assert_eq!(second.map(|t| t.to), Ok(InReview { step: 3 }));
}

#[test]
fn the_event_names_the_step_and_the_return_target() {
    let template = template();
    let form = form(SMALL);
    let situation = Situation {
        state: InReview { step: 3 },
        template: &template,
        form: &form,
        eligible: SEKRETARIS,
        given: &[],
    };
    let ack = decide(&situation, &officer(UserId(40)), &Command::Acknowledge);
    assert_eq!(
        ack.map(|t| t.events),
        Ok(vec![Event::Acknowledged { step: 3 }])
    );
    let back = decide(
        &situation,
        &officer(UserId(40)),
        &ret(ReturnTo::PreviousStep),
    );
    assert_eq!(
        back.map(|t| t.events),
        Ok(vec![Event::Returned {
            comment: "Lengkapi lampiran".into(),
            to_step: Some(1)
        }])
    );
}
