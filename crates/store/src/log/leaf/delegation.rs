//! The leaves of delegations (Plt./Plh.): granted and revoked. They belong to no document.
//!
//! ```text
//! sahih-log-leaf/1
//! kind=delegation_granted
//! time=2026-11-29T03:04:05Z
//! delegation=…(32 lowercase hex digits)
//! actor=…(32 lowercase hex digits)
//! delegator=…(32 lowercase hex digits)
//! delegate=…(32 lowercase hex digits)
//! acting=plt
//! valid_from=2026-12-01T00:00:00Z
//! valid_until=2027-03-01T00:00:00Z
//! ```
//!
//! `delegation` is the grant's pseudonym (the same in its `delegation_revoked`), `actor` who
//! granted or revoked it (the official, or their agency's admin), `delegator` and `delegate`
//! the officers' pseudonyms (`sahih-log/actor`), `acting` `plt` or `plh`, and the validity
//! `[valid_from, valid_until)` as RFC 3339 UTC times.

use sahih_workflow::DelegationKind;

use super::{Fields, LeafError, LeafKind, Pseudonym, bad, format_time, parse_time};

/// A delegation granted or revoked, as the log records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelegationLeaf {
    /// [`LeafKind::DelegationGranted`] or [`LeafKind::DelegationRevoked`].
    pub kind: LeafKind,
    /// When it was committed, Unix seconds (UTC).
    pub time: i64,
    /// The grant's pseudonym ([`Pseudonym::delegation`]).
    pub delegation: Pseudonym,
    /// Who granted or revoked it ([`Pseudonym::actor`]).
    pub actor: Pseudonym,
    /// The official whose signing authority is lent ([`Pseudonym::actor`]).
    pub delegator: Pseudonym,
    /// The acting official ([`Pseudonym::actor`]).
    pub delegate: Pseudonym,
    /// Plt. or Plh.
    pub acting: DelegationKind,
    /// The first second of validity, Unix seconds.
    pub valid_from: i64,
    /// The first second no longer valid, Unix seconds.
    pub valid_until: i64,
}

impl DelegationLeaf {
    /// Whether `kind` is one of a delegation leaf.
    pub fn is_delegation_kind(kind: LeafKind) -> bool {
        matches!(
            kind,
            LeafKind::DelegationGranted | LeafKind::DelegationRevoked
        )
    }
}

/// Appends the lines after `time=`.
pub(super) fn encode_fields(d: &DelegationLeaf, out: &mut String) -> Result<(), LeafError> {
    if !DelegationLeaf::is_delegation_kind(d.kind) {
        return Err(bad(format!("a delegation leaf cannot be {}", d.kind)));
    }
    out.push_str(&format!(
        "delegation={}\nactor={}\ndelegator={}\ndelegate={}\nacting={}\nvalid_from={}\nvalid_until={}\n",
        d.delegation,
        d.actor,
        d.delegator,
        d.delegate,
        d.acting.as_code(),
        format_time(d.valid_from)?,
        format_time(d.valid_until)?,
    ));
    Ok(())
}

/// Reads the lines after `time=`.
pub(super) fn parse_fields(
    kind: LeafKind,
    time: i64,
    fields: &mut Fields<'_>,
) -> Result<DelegationLeaf, LeafError> {
    Ok(DelegationLeaf {
        kind,
        time,
        delegation: fields.next("delegation", Pseudonym::parse)?,
        actor: fields.next("actor", Pseudonym::parse)?,
        delegator: fields.next("delegator", Pseudonym::parse)?,
        delegate: fields.next("delegate", Pseudonym::parse)?,
        acting: fields.next("acting", |s| DelegationKind::from_code(s).ok())?,
        valid_from: fields.next("valid_from", parse_time)?,
        valid_until: fields.next("valid_until", parse_time)?,
    })
}

#[cfg(test)]
mod tests {
    use super::super::Leaf;
    use super::*;

    fn granted() -> Leaf {
        Leaf::Delegation(DelegationLeaf {
            kind: LeafKind::DelegationGranted,
            time: 1_795_921_445,
            delegation: Pseudonym([0xd1; 16]),
            actor: Pseudonym([0x0a; 16]),
            delegator: Pseudonym([0x01; 16]),
            delegate: Pseudonym([0x02; 16]),
            acting: DelegationKind::Plt,
            valid_from: 1_796_083_200,
            valid_until: 1_803_859_200,
        })
    }

    #[test]
    fn bytes_are_as_documented_and_round_trip() {
        let bytes = granted().encode().expect("encode");
        let expected = format!(
            "sahih-log-leaf/1\nkind=delegation_granted\ntime=2026-11-29T03:04:05Z\n\
             delegation={}\nactor={}\ndelegator={}\ndelegate={}\nacting=plt\n\
             valid_from=2026-12-01T00:00:00Z\nvalid_until=2027-03-01T00:00:00Z\n",
            "d1".repeat(16),
            "0a".repeat(16),
            "01".repeat(16),
            "02".repeat(16),
        );
        assert_eq!(String::from_utf8_lossy(&bytes), expected);
        assert_eq!(Leaf::parse(&bytes), Ok(granted()));
        assert_eq!(granted().kind(), LeafKind::DelegationGranted);
        let mut revoked = granted();
        if let Leaf::Delegation(d) = &mut revoked {
            d.kind = LeafKind::DelegationRevoked;
            d.acting = DelegationKind::Plh;
        }
        let bytes = revoked.encode().expect("encode");
        assert!(bytes.starts_with(b"sahih-log-leaf/1\nkind=delegation_revoked\n"));
        assert_eq!(Leaf::parse(&bytes), Ok(revoked));
    }

    #[test]
    fn every_other_spelling_is_refused() {
        let good = String::from_utf8(granted().encode().expect("encode")).expect("ascii");
        let variants = [
            good.replace("acting=plt", "acting=Plt."),
            good.replace("acting=plt\n", ""),
            good.replace("valid_from=2026-12-01T00:00:00Z", "valid_from=2026-12-01"),
            good.replace("kind=delegation_granted", "kind=delegation_revoke"),
            good.replace("delegator=", "delegate="),
            good.replace(
                "valid_until=2027-03-01T00:00:00Z\n",
                "valid_until=2027-03-01T00:00:00Z\nx=1\n",
            ),
            // A delegation's fields under a document event's kind.
            good.replace("kind=delegation_granted", "kind=paraf"),
        ];
        for bad in variants {
            assert_ne!(bad, good);
            assert!(Leaf::parse(bad.as_bytes()).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn a_grant_has_its_own_pseudonym_domain() {
        let salt = [5u8; 32];
        assert_ne!(Pseudonym::delegation(&salt, 7), Pseudonym::actor(&salt, 7));
        assert_ne!(
            Pseudonym::delegation(&salt, 7),
            Pseudonym::document(&salt, 7)
        );
        assert_ne!(
            Pseudonym::delegation(&salt, 7),
            Pseudonym::delegation(&salt, 8)
        );
    }

    #[test]
    fn kinds_stay_with_their_leaf_shape() {
        let mut wrong = granted();
        if let Leaf::Delegation(d) = &mut wrong {
            d.kind = LeafKind::Paraf;
        }
        assert!(wrong.encode().is_err());
    }
}
