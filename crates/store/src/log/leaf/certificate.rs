//! The leaves of Sahih's CA (DESIGN.md decision 5, "key issued/revoked"): an officer
//! certificate issued, renewed or revoked. They belong to no document.
//!
//! ```text
//! sahih-log-leaf/1
//! kind=certificate_revoked
//! time=2026-11-29T03:04:05Z
//! officer=…(32 lowercase hex digits)
//! actor=…(32 lowercase hex digits, or none)
//! serial=…(2 to 40 lowercase hex digits, an even number)
//! reason=keyCompromise
//! ```
//!
//! `officer` is the certified officer's pseudonym and `actor` the admin's who acted
//! (`sahih-log/actor`), `none` when the command line did; `serial` the certificate's serial
//! number (public: it is in the certificate and the CRL); `reason` the RFC 5280 §5.3.1
//! CRLReason name of a revocation, `none` for `certificate_issued` (a new key) and
//! `certificate_renewed` (the same key certified again).

use super::{Fields, LeafError, LeafKind, Pseudonym, bad};

/// A certificate issued, renewed or revoked, as the log records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateLeaf {
    /// [`LeafKind::CertificateIssued`], [`LeafKind::CertificateRenewed`] or
    /// [`LeafKind::CertificateRevoked`].
    pub kind: LeafKind,
    /// When it was committed, Unix seconds (UTC).
    pub time: i64,
    /// The certified officer ([`Pseudonym::actor`]).
    pub officer: Pseudonym,
    /// The admin who acted ([`Pseudonym::actor`]); `None` for the command line.
    pub actor: Option<Pseudonym>,
    /// The serial number's content octets, lowercase hex.
    pub serial: String,
    /// The CRLReason name of a revocation; `None` otherwise.
    pub reason: Option<String>,
}

impl CertificateLeaf {
    /// Whether `kind` is one of a certificate leaf.
    pub fn is_certificate_kind(kind: LeafKind) -> bool {
        matches!(
            kind,
            LeafKind::CertificateIssued
                | LeafKind::CertificateRenewed
                | LeafKind::CertificateRevoked
        )
    }
}

fn serial_ok(s: &str) -> bool {
    (2..=40).contains(&s.len())
        && s.len().is_multiple_of(2)
        && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn reason_ok(s: &str) -> bool {
    !s.is_empty() && s != "none" && s.len() <= 40 && s.bytes().all(|b| b.is_ascii_alphabetic())
}

/// Appends the lines after `time=`.
pub(super) fn encode_fields(c: &CertificateLeaf, out: &mut String) -> Result<(), LeafError> {
    if !CertificateLeaf::is_certificate_kind(c.kind) {
        return Err(bad(format!("a certificate leaf cannot be {}", c.kind)));
    }
    if !serial_ok(&c.serial) {
        return Err(bad(format!("serial {:?} is not lowercase hex", c.serial)));
    }
    let revoked = c.kind == LeafKind::CertificateRevoked;
    let reason = match (&c.reason, revoked) {
        (Some(r), true) if reason_ok(r) => r.as_str(),
        (None, false) => "none",
        _ => return Err(bad("a reason goes with a revocation, and only with one")),
    };
    let actor = c
        .actor
        .map_or_else(|| "none".to_string(), |a| a.to_string());
    out.push_str(&format!(
        "officer={}\nactor={actor}\nserial={}\nreason={reason}\n",
        c.officer, c.serial
    ));
    Ok(())
}

/// Reads the lines after `time=`.
pub(super) fn parse_fields(
    kind: LeafKind,
    time: i64,
    fields: &mut Fields<'_>,
) -> Result<CertificateLeaf, LeafError> {
    Ok(CertificateLeaf {
        kind,
        time,
        officer: fields.next("officer", Pseudonym::parse)?,
        actor: fields.next("actor", |s| match s {
            "none" => Some(None),
            p => Pseudonym::parse(p).map(Some),
        })?,
        serial: fields.next("serial", |s| serial_ok(s).then(|| s.to_string()))?,
        reason: fields.next("reason", |s| match s {
            "none" => Some(None),
            r => reason_ok(r).then(|| Some(r.to_string())),
        })?,
    })
}

#[cfg(test)]
mod tests {
    use super::super::Leaf;
    use super::*;

    fn revoked() -> Leaf {
        Leaf::Certificate(CertificateLeaf {
            kind: LeafKind::CertificateRevoked,
            time: 1_795_921_445,
            officer: Pseudonym([0x01; 16]),
            actor: Some(Pseudonym([0x0a; 16])),
            serial: "4a".repeat(16),
            reason: Some("keyCompromise".into()),
        })
    }

    #[test]
    fn bytes_are_as_documented_and_round_trip() {
        let bytes = revoked().encode().expect("encode");
        let expected = format!(
            "sahih-log-leaf/1\nkind=certificate_revoked\ntime=2026-11-29T03:04:05Z\n\
             officer={}\nactor={}\nserial={}\nreason=keyCompromise\n",
            "01".repeat(16),
            "0a".repeat(16),
            "4a".repeat(16),
        );
        assert_eq!(String::from_utf8_lossy(&bytes), expected);
        assert_eq!(Leaf::parse(&bytes), Ok(revoked()));
        let issued = Leaf::Certificate(CertificateLeaf {
            kind: LeafKind::CertificateIssued,
            actor: None,
            reason: None,
            ..match revoked() {
                Leaf::Certificate(c) => c,
                _ => unreachable!(),
            }
        });
        let bytes = issued.encode().expect("encode");
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            text.contains("actor=none\n") && text.ends_with("reason=none\n"),
            "{text}"
        );
        assert_eq!(Leaf::parse(&bytes), Ok(issued));
    }

    #[test]
    fn every_other_spelling_is_refused() {
        let good = String::from_utf8(revoked().encode().expect("encode")).expect("ascii");
        let variants = [
            good.replace("reason=keyCompromise", "reason=none"),
            good.replace("kind=certificate_revoked", "kind=certificate_issued"),
            good.replace(&"4a".repeat(16), &"4A".repeat(16)),
            good.replace(&"4a".repeat(16), "4"),
            good.replace("reason=keyCompromise\n", ""),
            good.replace("kind=certificate_revoked", "kind=paraf"),
        ];
        for bad in variants {
            assert_ne!(bad, good);
            assert!(Leaf::parse(bad.as_bytes()).is_err(), "{bad:?} accepted");
        }
    }
}
