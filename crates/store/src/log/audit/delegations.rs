//! The order rules of delegation leaves (Plt./Plh.), per grant pseudonym:
//! - `delegation_granted` once per grant, with `delegator` ≠ `delegate`, `valid_from` before
//!   `valid_until`, and at most [`MAX_DELEGATION_SECONDS`] (92 days) between them;
//! - `delegation_revoked` only after the grant, at most once, naming the same delegator,
//!   delegate, kind and validity.

use std::collections::HashMap;

use sahih_workflow::MAX_DELEGATION_SECONDS;

use super::super::leaf::{DelegationLeaf, LeafKind, Pseudonym};

/// The grants replayed so far: each with whether it was revoked.
#[derive(Debug, Default)]
pub(super) struct Grants(HashMap<Pseudonym, (DelegationLeaf, bool)>);

impl Grants {
    /// Feeds the next delegation leaf. Errors: the broken rule, as a sentence.
    pub(super) fn push(&mut self, d: &DelegationLeaf) -> Result<(), String> {
        let id = d.delegation;
        match d.kind {
            LeafKind::DelegationGranted => {
                if self.0.contains_key(&id) {
                    return Err(format!("delegation {id}: granted twice"));
                }
                if d.delegator == d.delegate {
                    return Err(format!("delegation {id}: granted to the delegator"));
                }
                let length = d.valid_until.checked_sub(d.valid_from).unwrap_or(-1);
                if !(1..=MAX_DELEGATION_SECONDS).contains(&length) {
                    return Err(format!(
                        "delegation {id}: valid for {length} seconds, not 1 to \
                         {MAX_DELEGATION_SECONDS} (92 days)"
                    ));
                }
                self.0.insert(id, (d.clone(), false));
                Ok(())
            }
            _ => {
                let Some((grant, revoked)) = self.0.get_mut(&id) else {
                    return Err(format!("delegation {id}: revoked but never granted"));
                };
                if *revoked {
                    return Err(format!("delegation {id}: revoked twice"));
                }
                let same = (
                    d.delegator,
                    d.delegate,
                    d.acting,
                    d.valid_from,
                    d.valid_until,
                ) == (
                    grant.delegator,
                    grant.delegate,
                    grant.acting,
                    grant.valid_from,
                    grant.valid_until,
                );
                if !same {
                    return Err(format!(
                        "delegation {id}: revoked with other terms than it was granted with"
                    ));
                }
                *revoked = true;
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use sahih_workflow::DelegationKind;

    use super::super::{Leaf, OrderCheck};
    use super::*;

    const DAY: i64 = 86_400;

    fn leaf(kind: LeafKind, id: u8, days: i64) -> Leaf {
        Leaf::Delegation(DelegationLeaf {
            kind,
            time: 0,
            delegation: Pseudonym([id; 16]),
            actor: Pseudonym([9; 16]),
            delegator: Pseudonym([1; 16]),
            delegate: Pseudonym([2; 16]),
            acting: DelegationKind::Plh,
            valid_from: 1_800_000_000,
            valid_until: 1_800_000_000 + days * DAY,
        })
    }

    fn replay(leaves: &[Leaf]) -> Result<(), (usize, String)> {
        let mut check = OrderCheck::new();
        for (i, leaf) in leaves.iter().enumerate() {
            check.push(leaf).map_err(|e| (i, e))?;
        }
        Ok(())
    }

    use LeafKind::{DelegationGranted as G, DelegationRevoked as R};

    #[test]
    fn grants_and_their_revocations_pass() {
        let leaves = [leaf(G, 1, 92), leaf(G, 2, 1), leaf(R, 1, 92)];
        assert_eq!(replay(&leaves), Ok(()));
    }

    #[test]
    fn each_broken_rule_is_named_at_its_leaf() {
        let mut to_self = leaf(G, 1, 5);
        if let Leaf::Delegation(d) = &mut to_self {
            d.delegate = d.delegator;
        }
        let cases: Vec<(Vec<Leaf>, usize, &str)> = vec![
            (vec![leaf(G, 1, 93)], 0, "not 1 to"),
            (vec![leaf(G, 1, 0)], 0, "not 1 to"),
            (vec![leaf(G, 1, -3)], 0, "not 1 to"),
            (vec![to_self], 0, "granted to the delegator"),
            (vec![leaf(G, 1, 5), leaf(G, 1, 5)], 1, "granted twice"),
            (vec![leaf(R, 1, 5)], 0, "never granted"),
            (
                vec![leaf(G, 1, 5), leaf(R, 1, 5), leaf(R, 1, 5)],
                2,
                "revoked twice",
            ),
            (vec![leaf(G, 1, 5), leaf(R, 1, 6)], 1, "other terms"),
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
}
