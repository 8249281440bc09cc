//! Property tests of the state machine: random routes (parallel groups, conditions,
//! acknowledgements), random form values, and random command sequences from random users. The
//! approvals are kept as the store keeps them (per step, cleared when the document returns
//! before the step or to the applicant), and after every accepted command the invariants are
//! checked against that record:
//! - no signature without the required paraf of every step that applies;
//! - no step skipped: a document only ever moves forward to the next step that applies, and only
//!   once the step's group is satisfied;
//! - a document is signed at most once (so it never gets a second nomor surat), and nothing
//!   changes a signed document.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use super::*;
use crate::{Assignees, Comparison, Condition, GroupMode};

const APPLICANT: UserId = UserId(1);

#[derive(Debug, Clone)]
struct Route {
    template: RoutingTemplate,
    /// Who may act at each step.
    officers: Vec<Vec<UserId>>,
}

fn mode() -> impl Strategy<Value = GroupMode> {
    prop_oneof![
        Just(GroupMode::Any),
        Just(GroupMode::All),
        (1u32..=3).prop_map(GroupMode::KOfN)
    ]
}

fn middle_step() -> impl Strategy<Value = (bool, GroupMode, Option<u64>, usize)> {
    (
        any::<bool>(),
        mode(),
        proptest::option::of(0u64..100),
        1usize..=3,
    )
}

fn route() -> impl Strategy<Value = Route> {
    (
        mode(),
        1usize..=3,
        proptest::collection::vec(middle_step(), 0..4),
    )
        .prop_map(|(first_mode, first_n, middle)| {
            let mut steps = vec![(true, first_mode, None, first_n)];
            steps.extend(middle);
            let mut template_steps = Vec::new();
            let mut officers = Vec::new();
            let mut next_id = 10;
            for (i, (paraf, mode, threshold, n)) in steps.into_iter().enumerate() {
                template_steps.push(Step {
                    name: format!("Langkah {i}"),
                    action: if paraf {
                        StepAction::Paraf
                    } else {
                        StepAction::Acknowledge
                    },
                    assignees: Assignees {
                        position: Some(format!("Jabatan {i}")),
                        ..Assignees::default()
                    },
                    mode,
                    condition: threshold.map(|t| Condition {
                        field: "jumlah".into(),
                        op: Comparison::Gt,
                        value: t.to_string(),
                    }),
                    deadline_days: None,
                    cc: vec![],
                    approval_signature: false,
                });
                officers.push((next_id..next_id + n as i64).map(UserId).collect());
                next_id += 10;
            }
            template_steps.push(Step {
                name: "Tanda tangan".into(),
                action: StepAction::Sign,
                assignees: Assignees {
                    role: Some(Role::Signer),
                    ..Assignees::default()
                },
                mode: GroupMode::Any,
                condition: None,
                deadline_days: None,
                cc: vec![],
                approval_signature: false,
            });
            officers.push(vec![UserId(999)]);
            Route {
                template: RoutingTemplate::new(template_steps).expect("generated template"),
                officers,
            }
        })
}

fn command() -> impl Strategy<Value = Command> {
    prop_oneof![
        4 => Just(Command::Paraf),
        2 => Just(Command::Acknowledge),
        2 => Just(Command::Sign),
        1 => Just(Command::Return { comment: "Perbaiki".into(), to: ReturnTo::Applicant }),
        1 => Just(Command::Return { comment: "Periksa lagi".into(), to: ReturnTo::PreviousStep }),
        1 => Just(Command::Resubmit),
        1 => Just(Command::Withdraw),
        1 => Just(Command::Reject { reason: "Tidak lengkap".into() }),
    ]
}

/// An actor: the applicant, another citizen, or an officer picked by index from every officer
/// of the route (so often one who is not assigned to the pending step).
fn actor(route: &Route, pick: usize) -> Actor {
    let all: Vec<UserId> = route.officers.iter().flatten().copied().collect();
    match pick % (all.len() + 2) {
        0 => Actor {
            id: APPLICANT,
            role: Role::Citizen,
            is_applicant: true,
        },
        1 => Actor {
            id: UserId(2),
            role: Role::Citizen,
            is_applicant: false,
        },
        i => officer_actor(all[i - 2]),
    }
}

/// The approvals as the store keeps them, and the checks made on every accepted transition.
#[derive(Default)]
struct Record {
    approvals: BTreeMap<u32, BTreeSet<UserId>>,
    signed: usize,
}

impl Record {
    fn given(&self, step: Option<u32>) -> Vec<UserId> {
        step.and_then(|s| self.approvals.get(&s))
            .map(|set| set.iter().copied().collect())
            .unwrap_or_default()
    }

    fn satisfied(&self, route: &Route, step: u32) -> bool {
        let Some(s) = route.template.step(step) else {
            return false;
        };
        let given = self.given(Some(step));
        let mut assigned = route.officers[step as usize].clone();
        assigned.extend(&given);
        assigned.sort_unstable();
        assigned.dedup();
        given.len() >= s.mode.required(assigned.len())
    }

    fn apply(&mut self, route: &Route, form: &[(String, String)], t: &Transition) {
        let template = &route.template;
        let before = t.from.pending_step(template, form);
        let after = t.to.pending_step(template, form);
        for event in &t.events {
            match event {
                Event::Paraf { step } | Event::Acknowledged { step } => {
                    assert_eq!(
                        Some(*step),
                        before,
                        "an event at a step that is not pending"
                    );
                }
                Event::Returned { to_step, .. } => {
                    let from = to_step.unwrap_or(0);
                    self.approvals.retain(|s, _| *s < from);
                }
                Event::Resubmitted => self.approvals.clear(),
                Event::Signed => {
                    self.signed += 1;
                    assert_eq!(self.signed, 1, "signed twice");
                    let mut step = template.first_step(form);
                    while step < template.sign_step() {
                        assert!(
                            self.satisfied(route, step),
                            "signed without the paraf of step {step}"
                        );
                        step = template.next_step(step, form);
                    }
                }
                _ => {}
            }
        }
        if let (Some(b), Some(a)) = (before, after)
            && a > b
        {
            assert_eq!(a, template.next_step(b, form), "skipped a step");
            assert!(
                self.satisfied(route, b),
                "left step {b} before its group agreed"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_commands_keep_the_invariants(
        route in route(),
        amount in 0u64..100,
        script in proptest::collection::vec((command(), any::<bool>(), any::<usize>()), 1..60),
    ) {
        let form = vec![("jumlah".to_string(), amount.to_string())];
        let mut state = submit().to;
        let mut record = Record::default();
        let mut reached_signed = false;
        for (command, assigned, pick) in script {
            let pending = state.pending_step(&route.template, &form);
            // Half the time someone assigned to the pending step acts, so routes get walked.
            let actor = match pending.and_then(|p| route.officers.get(p as usize)) {
                Some(ids) if assigned => officer_actor(ids[pick % ids.len()]),
                _ => actor(&route, pick),
            };
            let given = record.given(pending);
            let eligible = pending.map_or(&[][..], |p| route.officers[p as usize].as_slice());
            let situation = Situation {
                state,
                template: &route.template,
                form: &form,
                eligible,
                given: &given,
            };
            match decide(&situation, &actor, &command) {
                Ok(t) => {
                    prop_assert!(!state.is_terminal());
                    prop_assert_eq!(t.from, state);
                    // Paraf is recorded before the step is judged, as the store does.
                    for event in &t.events {
                        if let Event::Paraf { step } | Event::Acknowledged { step } = event {
                            prop_assert!(eligible.contains(&actor.id));
                            record.approvals.entry(*step).or_default().insert(actor.id);
                        }
                    }
                    record.apply(&route, &form, &t);
                    reached_signed |= t.to == DocumentState::Signed;
                    state = t.to;
                }
                Err(WorkflowError::Terminal(s)) => prop_assert!(s.is_terminal() && s == state),
                Err(_) => {}
            }
        }
        SIGNED_RUNS.fetch_add(usize::from(reached_signed), std::sync::atomic::Ordering::Relaxed);
    }
}

static SIGNED_RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn officer_actor(id: UserId) -> Actor {
    Actor {
        id,
        role: if id == UserId(999) {
            Role::Signer
        } else {
            Role::Verifier
        },
        is_applicant: false,
    }
}

/// The random walks do reach signatures (else the invariants above were never tested there).
#[test]
fn the_random_walks_reach_signatures() {
    random_commands_keep_the_invariants();
    assert!(SIGNED_RUNS.load(std::sync::atomic::Ordering::Relaxed) >= 20);
}
