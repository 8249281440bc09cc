//! The order rules an auditor checks over the whole log (or a receipt): each document's events,
//! replayed in log order, must be a path the workflow allows. Pure: no database, no network.
//!
//! The rules, per document pseudonym:
//! - its first event is `submitted` (`from=none`, `to=submitted`), and there is only one;
//! - every later event starts from the state the previous one ended in (`from` = last `to`);
//! - `paraf` and `acknowledged` go from `submitted` or `in_review:k` to `in_review:j` with
//!   `j ≥ k` (`j = k` while a parallel group still waits for more officers) or to `approved`:
//!   steps are given in order, never backwards;
//! - `signed` only from `approved`: no signature without every paraf since the last
//!   (re)submission;
//! - `returned` from `submitted`, `in_review:k` or `approved` to `returned`, or back to an
//!   earlier step `in_review:j` (`j < k`; any step from `approved`);
//! - `numbered` from `approved` to `approved`, once, just before `signed`;
//! - `forwarded` (disposisi) from any state before the end to the same state;
//! - `rejected` from `submitted`, `in_review:*` or `approved`; `resubmitted`
//!   from `returned` to `submitted`; `withdrawn` from `submitted` or `returned`;
//! - nothing after `signed`, `rejected` or `withdrawn`;
//! - `acknowledged`, `returned`, `rejected`, `withdrawn` and `forwarded` name the file then
//!   current (the `sha256` of the last `submitted`, `resubmitted` or `paraf`); a `paraf` may
//!   name a new file (the current one with the officer's approval signature added), which
//!   then becomes current.
//!
//! Delegations (Plt./Plh.) carry no document; their rules are in `audit/delegations.rs`:
//! granted once, bounded to 92 days, revoked at most once and only after the grant.
//!
//! The log does not carry the routing template, so which steps a document's route has (its
//! conditions, its parallel groups) is not checked beyond their order (see
//! docs/transparency-log.md).

mod delegations;

use std::collections::HashMap;

use sahih_workflow::DocumentState as S;

use super::leaf::{EventLeaf, Leaf, LeafKind, Pseudonym};

/// Where a document stands in the replay.
#[derive(Debug, Clone, Copy)]
struct Replayed {
    state: S,
    sha256: [u8; 32],
    /// A `numbered` leaf was the last: the next leaf must be its `signed`.
    numbered: bool,
}

/// Replays leaves in log order and reports the first that breaks an order rule.
#[derive(Debug, Default)]
pub struct OrderCheck {
    documents: HashMap<Pseudonym, Replayed>,
    grants: delegations::Grants,
}

/// Whether `(kind, from, to)` is a move the workflow makes, ignoring where the document is.
fn allowed(kind: LeafKind, from: S, to: S) -> bool {
    use LeafKind as K;
    let reviewable = matches!(from, S::Submitted | S::InReview { .. } | S::Approved);
    match kind {
        K::Paraf | K::Acknowledged => {
            let step = match from {
                S::Submitted => 0,
                S::InReview { step } => step,
                _ => return false,
            };
            match to {
                S::Approved => true,
                S::InReview { step: next } => next >= step,
                _ => false,
            }
        }
        K::Returned => match (from, to) {
            (_, S::Returned) => reviewable,
            (S::InReview { step }, S::InReview { step: back }) => back < step,
            (S::Approved, S::InReview { .. }) => true,
            _ => false,
        },
        K::Numbered => from == S::Approved && to == S::Approved,
        K::Forwarded => to == from && !from.is_terminal(),
        K::Rejected => reviewable && to == S::Rejected,
        K::Resubmitted => from == S::Returned && to == S::Submitted,
        K::Withdrawn => matches!(from, S::Submitted | S::Returned) && to == S::Withdrawn,
        K::Signed => from == S::Approved && to == S::Signed,
        K::Submitted
        | K::VerificationRequested
        | K::DelegationGranted
        | K::DelegationRevoked
        | K::CertificateIssued
        | K::CertificateRenewed
        | K::CertificateRevoked => false,
    }
}

impl OrderCheck {
    /// An empty replay.
    pub fn new() -> OrderCheck {
        OrderCheck::default()
    }

    /// Feeds the next leaf in log order.
    ///
    /// # Errors
    /// A sentence saying which rule the leaf breaks.
    pub fn push(&mut self, leaf: &Leaf) -> Result<(), String> {
        match leaf {
            Leaf::Verification(_) | Leaf::Certificate(_) => Ok(()),
            Leaf::Event(e) => self.push_event(e),
            Leaf::Delegation(d) => self.grants.push(d),
        }
    }

    fn push_event(&mut self, e: &EventLeaf) -> Result<(), String> {
        let doc = e.document;
        let Some(current) = self.documents.get(&doc).copied() else {
            if e.kind != LeafKind::Submitted || e.from.is_some() || e.to != S::Submitted {
                return Err(format!(
                    "document {doc}: its first event is {} from {}, not a submission",
                    e.kind,
                    e.from.map_or("none".into(), |s| s.as_code())
                ));
            }
            self.documents.insert(
                doc,
                Replayed {
                    state: S::Submitted,
                    sha256: e.sha256,
                    numbered: false,
                },
            );
            return Ok(());
        };
        if current.state.is_terminal() {
            return Err(format!(
                "document {doc}: {} after it was {}",
                e.kind,
                current.state.as_code()
            ));
        }
        let from = e
            .from
            .ok_or_else(|| format!("document {doc}: {} without a previous state", e.kind))?;
        if from != current.state {
            return Err(format!(
                "document {doc}: {} from {}, but the document was {}",
                e.kind,
                from.as_code(),
                current.state.as_code()
            ));
        }
        if !allowed(e.kind, from, e.to) {
            return Err(format!(
                "document {doc}: {} may not move it from {} to {}",
                e.kind,
                from.as_code(),
                e.to.as_code()
            ));
        }
        if current.numbered && e.kind != LeafKind::Signed {
            return Err(format!(
                "document {doc}: {} between its numbering and its signature",
                e.kind
            ));
        }
        // A paraf names the file then current, or (an approval signature added to it) the
        // new file, which becomes current.
        let same_file = matches!(
            e.kind,
            LeafKind::Acknowledged
                | LeafKind::Returned
                | LeafKind::Rejected
                | LeafKind::Withdrawn
                | LeafKind::Forwarded
        );
        if same_file && e.sha256 != current.sha256 {
            return Err(format!(
                "document {doc}: {} names a file other than the version submitted",
                e.kind
            ));
        }
        let sha256 = if matches!(e.kind, LeafKind::Resubmitted | LeafKind::Paraf) {
            e.sha256
        } else {
            current.sha256
        };
        self.documents.insert(
            doc,
            Replayed {
                state: e.to,
                sha256,
                numbered: e.kind == LeafKind::Numbered,
            },
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: LeafKind, from: Option<S>, to: S, file: u8) -> Leaf {
        Leaf::Event(EventLeaf {
            kind,
            time: 0,
            document: Pseudonym([1; 16]),
            actor: Pseudonym([2; 16]),
            sha256: [file; 32],
            from,
            to,
        })
    }

    fn replay(leaves: &[Leaf]) -> Result<(), (usize, String)> {
        let mut check = OrderCheck::new();
        for (i, leaf) in leaves.iter().enumerate() {
            check.push(leaf).map_err(|e| (i, e))?;
        }
        Ok(())
    }

    use LeafKind as K;

    #[test]
    fn the_workflow_paths_pass() {
        let two_steps = [
            ev(K::Submitted, None, S::Submitted, 1),
            ev(K::Paraf, Some(S::Submitted), S::InReview { step: 1 }, 1),
            ev(K::Returned, Some(S::InReview { step: 1 }), S::Returned, 1),
            ev(K::Resubmitted, Some(S::Returned), S::Submitted, 2),
            ev(K::Paraf, Some(S::Submitted), S::InReview { step: 1 }, 2),
            ev(K::Paraf, Some(S::InReview { step: 1 }), S::Approved, 2),
            ev(K::Signed, Some(S::Approved), S::Signed, 3),
        ];
        assert_eq!(replay(&two_steps), Ok(()));
        let withdrawn = [
            ev(K::Submitted, None, S::Submitted, 1),
            ev(K::Withdrawn, Some(S::Submitted), S::Withdrawn, 1),
        ];
        assert_eq!(replay(&withdrawn), Ok(()));
        let routed = [
            ev(K::Submitted, None, S::Submitted, 1),
            ev(K::Paraf, Some(S::Submitted), S::InReview { step: 1 }, 1),
            // A parallel group: the first of two paraf keeps the step.
            ev(
                K::Paraf,
                Some(S::InReview { step: 1 }),
                S::InReview { step: 1 },
                1,
            ),
            // A condition skips step 2.
            ev(
                K::Paraf,
                Some(S::InReview { step: 1 }),
                S::InReview { step: 3 },
                1,
            ),
            ev(
                K::Returned,
                Some(S::InReview { step: 3 }),
                S::InReview { step: 1 },
                1,
            ),
            ev(
                K::Paraf,
                Some(S::InReview { step: 1 }),
                S::InReview { step: 3 },
                1,
            ),
            ev(
                K::Acknowledged,
                Some(S::InReview { step: 3 }),
                S::Approved,
                1,
            ),
            ev(K::Numbered, Some(S::Approved), S::Approved, 4),
            ev(K::Signed, Some(S::Approved), S::Signed, 4),
        ];
        assert_eq!(replay(&routed), Ok(()));
    }

    #[test]
    fn each_broken_rule_is_named_at_its_leaf() {
        let sub = ev(K::Submitted, None, S::Submitted, 1);
        let paraf = ev(K::Paraf, Some(S::Submitted), S::Approved, 1);
        let signed = ev(K::Signed, Some(S::Approved), S::Signed, 3);
        let cases: Vec<(Vec<Leaf>, usize, &str)> = vec![
            (vec![paraf.clone()], 0, "first event"),
            (
                vec![sub.clone(), ev(K::Signed, Some(S::Submitted), S::Signed, 3)],
                1,
                "may not move",
            ),
            (
                vec![sub.clone(), ev(K::Signed, Some(S::Approved), S::Signed, 3)],
                1,
                "but the document was submitted",
            ),
            (
                vec![sub.clone(), paraf.clone(), signed.clone(), paraf.clone()],
                3,
                "after it was signed",
            ),
            (
                vec![
                    sub.clone(),
                    ev(K::Paraf, Some(S::Submitted), S::InReview { step: 2 }, 1),
                    ev(
                        K::Paraf,
                        Some(S::InReview { step: 2 }),
                        S::InReview { step: 1 },
                        1,
                    ),
                ],
                2,
                "may not move",
            ),
            (
                vec![
                    sub.clone(),
                    ev(K::Paraf, Some(S::Submitted), S::InReview { step: 1 }, 9),
                    // After a paraf with an approval signature, file 9 is current, not 1.
                    ev(K::Returned, Some(S::InReview { step: 1 }), S::Returned, 1),
                ],
                2,
                "other than the version",
            ),
            (
                vec![sub.clone(), sub.clone()],
                1,
                "without a previous state",
            ),
            (
                vec![
                    sub.clone(),
                    paraf.clone(),
                    ev(K::Numbered, Some(S::Approved), S::Approved, 3),
                    ev(K::Numbered, Some(S::Approved), S::Approved, 3),
                ],
                3,
                "between its numbering and its signature",
            ),
            (
                vec![
                    sub.clone(),
                    ev(K::Paraf, Some(S::Submitted), S::InReview { step: 2 }, 1),
                    ev(
                        K::Returned,
                        Some(S::InReview { step: 2 }),
                        S::InReview { step: 2 },
                        1,
                    ),
                ],
                2,
                "may not move",
            ),
        ];
        for (leaves, at, words) in cases {
            match replay(&leaves) {
                Err((i, reason)) => {
                    assert_eq!(i, at, "{reason}");
                    assert!(reason.contains(words), "{reason}");
                }
                Ok(()) => panic!("{leaves:?} passed"),
            }
        }
    }

    #[test]
    fn forwarding_keeps_the_state_and_the_file() {
        let sub = ev(K::Submitted, None, S::Submitted, 1);
        let fwd = |state, file| ev(K::Forwarded, Some(state), state, file);
        let path = [
            sub.clone(),
            fwd(S::Submitted, 1),
            ev(K::Paraf, Some(S::Submitted), S::Approved, 1),
            fwd(S::Approved, 1),
            fwd(S::Approved, 1),
            ev(K::Signed, Some(S::Approved), S::Signed, 3),
        ];
        assert_eq!(replay(&path), Ok(()));
        let signed = ev(K::Signed, Some(S::Approved), S::Signed, 3);
        let paraf = ev(K::Paraf, Some(S::Submitted), S::Approved, 1);
        let cases: Vec<(Vec<Leaf>, &str)> = vec![
            (
                vec![
                    sub.clone(),
                    ev(K::Forwarded, Some(S::Submitted), S::Approved, 1),
                ],
                "may not move",
            ),
            (
                vec![sub.clone(), fwd(S::Submitted, 7)],
                "other than the version",
            ),
            (
                vec![sub.clone(), paraf, signed, fwd(S::Signed, 3)],
                "after it was signed",
            ),
            (vec![fwd(S::Submitted, 1)], "first event"),
        ];
        for (leaves, words) in cases {
            let at = leaves.len() - 1;
            match replay(&leaves) {
                Err((i, reason)) => {
                    assert_eq!(i, at, "{reason}");
                    assert!(reason.contains(words), "{reason}");
                }
                Ok(()) => panic!("{leaves:?} passed"),
            }
        }
    }
}
