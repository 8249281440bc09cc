//! Exhaustive walk: every command sequence up to `DEPTH` long from `submit()`, with the right
//! actor for each command, checking the workflow's invariants at every node.

use std::collections::HashSet;

use super::tests::{
    admin, applicant, other_citizen, reject, return_, right_actor, signer, template, verifier,
};
use super::*;

const DEPTH: usize = 6;

fn commands() -> [Command; 6] {
    [
        Command::Paraf,
        return_("Perbaiki lampiran"),
        Command::Resubmit,
        reject("Tidak memenuhi syarat"),
        Command::Withdraw,
        Command::Sign,
    ]
}

struct Walk {
    template: RoutingTemplate,
    steps: u32,
    reached: HashSet<DocumentState>,
    nodes: usize,
}

impl Walk {
    fn new(steps: u32) -> Self {
        let template = template(usize::try_from(steps).expect("small step count"));
        Walk {
            template,
            steps,
            reached: HashSet::new(),
            nodes: 0,
        }
    }

    fn visit(&mut self, state: DocumentState, history: &mut Vec<Event>, depth: usize) {
        self.nodes += 1;
        self.reached.insert(state);
        self.check_state(state, history);
        self.check_authorization(state);
        if depth == DEPTH {
            return;
        }
        for command in commands() {
            let actor = right_actor(state, &command);
            match decide(state, &self.template, &actor, &command) {
                Ok(transition) => {
                    assert!(!state.is_terminal(), "{state} changed by {command:?}");
                    assert_eq!(transition.from, state);
                    assert!(!transition.events.is_empty());
                    let mark = history.len();
                    history.extend(transition.events);
                    self.visit(transition.to, history, depth + 1);
                    history.truncate(mark);
                }
                Err(WorkflowError::Terminal(closed)) => {
                    assert!(state.is_terminal());
                    assert_eq!(closed, state);
                    self.visit(state, history, depth + 1);
                }
                Err(error) => {
                    assert!(!state.is_terminal(), "{state} gave {error:?}");
                    self.visit(state, history, depth + 1);
                }
            }
        }
    }

    /// What must hold of every reachable state and the history that led to it.
    fn check_state(&self, state: DocumentState, history: &[Event]) {
        assert_eq!(history.first(), Some(&Event::Submitted));
        let round = current_round(history);
        let parafs: Vec<u32> = round
            .iter()
            .filter_map(|event| match event {
                Event::Paraf { step } => Some(*step),
                _ => None,
            })
            .collect();
        match state {
            DocumentState::Submitted => assert!(parafs.is_empty(), "{history:?}"),
            DocumentState::InReview { step } => {
                assert!(
                    step >= 1 && step < self.steps,
                    "{state} with {} steps",
                    self.steps
                );
                assert_eq!(parafs, (0..step).collect::<Vec<_>>(), "{history:?}");
            }
            DocumentState::Approved => {
                assert_eq!(parafs, (0..self.steps).collect::<Vec<_>>(), "{history:?}");
            }
            DocumentState::Signed => {
                assert_eq!(parafs, (0..self.steps).collect::<Vec<_>>(), "{history:?}");
                assert_eq!(round.last(), Some(&Event::Signed));
            }
            _ => {}
        }
    }

    /// Among all kinds of user, only the one the rules name may move the document.
    fn check_authorization(&self, state: DocumentState) {
        let actors = [applicant(), other_citizen(), verifier(), signer(), admin()];
        for command in commands() {
            for actor in actors {
                if decide(state, &self.template, &actor, &command).is_err() {
                    continue;
                }
                match command {
                    Command::Resubmit | Command::Withdraw => assert!(actor.is_applicant),
                    _ => assert_eq!(Some(actor.role), state.awaiting(&self.template)),
                }
            }
        }
    }
}

/// The events since the last `Resubmitted` (or since `Submitted` if never resubmitted).
fn current_round(history: &[Event]) -> &[Event] {
    let start = history
        .iter()
        .rposition(|event| matches!(event, Event::Resubmitted | Event::Submitted))
        .map_or(0, |index| index + 1);
    &history[start..]
}

#[rstest::rstest]
fn every_sequence_keeps_the_invariants(#[values(1, 2, 3)] steps: u32) {
    let mut walk = Walk::new(steps);
    let start = submit();
    let mut history = start.events;
    walk.visit(start.to, &mut history, 0);

    let nodes: usize = (0..=DEPTH)
        .map(|d| 6_usize.pow(u32::try_from(d).expect("small")))
        .sum();
    assert_eq!(walk.nodes, nodes);
    for state in [
        DocumentState::Submitted,
        DocumentState::Returned,
        DocumentState::Approved,
        DocumentState::Signed,
        DocumentState::Rejected,
        DocumentState::Withdrawn,
    ] {
        assert!(walk.reached.contains(&state), "{state} never reached");
    }
    let in_review = (1..steps).map(|step| DocumentState::InReview { step });
    assert!(in_review.into_iter().all(|s| walk.reached.contains(&s)));
}
