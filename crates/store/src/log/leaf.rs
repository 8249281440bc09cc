//! The log's leaf format, `sahih-log-leaf/1`: one canonical text encoding per event, the bytes
//! a leaf hash is computed over (RFC 9162 §2.1.1: `SHA-256(0x00 ‖ entry)`). Pure: no database.
//!
//! A leaf is ASCII, lines ending in `\n` (0x0A), no other whitespace: the version line, then
//! `key=value` lines in a fixed order. A workflow event:
//!
//! ```text
//! sahih-log-leaf/1
//! kind=paraf
//! time=2026-11-29T03:04:05Z
//! document=5f0c…(32 lowercase hex digits)
//! actor=9a1e…(32 lowercase hex digits)
//! sha256=…(64 lowercase hex digits)
//! from=submitted
//! to=approved
//! ```
//!
//! A verification requested on the public page or the API (no document, no actor):
//!
//! ```text
//! sahih-log-leaf/1
//! kind=verification_requested
//! time=2026-11-29T03:04:05Z
//! sha256=…(64 lowercase hex digits)
//! verdict=TOTAL-PASSED
//! source=page
//! ```
//!
//! A disposisi is a workflow event of kind `forwarded` whose `from` and `to` are the document's
//! state (forwarding changes no state). A delegation (Plt./Plh.) granted or revoked has no
//! document: see [`DelegationLeaf`]; nor has an officer certificate issued, renewed or revoked
//! by Sahih's CA: see [`CertificateLeaf`].
//!
//! [`Leaf::parse`] accepts exactly what [`Leaf::encode`] writes, so one event has one encoding
//! and one leaf hash.

mod certificate;
mod delegation;

use std::fmt;

use sahih_workflow::DocumentState;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::macros::format_description;

pub use certificate::CertificateLeaf;
pub use delegation::DelegationLeaf;

/// The first line of every leaf: the format and its version.
pub const LEAF_FORMAT: &str = "sahih-log-leaf/1";

/// The longest leaf [`Leaf::parse`] reads (real leaves are about 250 bytes).
pub const MAX_LEAF_LEN: usize = 1024;

/// Why bytes are not a `sahih-log-leaf/1` leaf.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a sahih-log-leaf/1 entry: {0}")]
pub struct LeafError(pub String);

fn bad(reason: impl Into<String>) -> LeafError {
    LeafError(reason.into())
}

/// What happened: a workflow event (the kinds of `sahih_workflow::Event::kind`) or a public
/// verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LeafKind {
    /// The applicant submitted the document.
    Submitted,
    /// The applicant resubmitted it after a return for revision (a new version).
    Resubmitted,
    /// An officer gave paraf (one officer's, in a parallel group).
    Paraf,
    /// An officer acknowledged (mengetahui) at an acknowledgement step.
    Acknowledged,
    /// The nomor surat was allocated, in the signing transaction, just before `signed`.
    Numbered,
    /// Returned for revision.
    Returned,
    /// Rejected.
    Rejected,
    /// Withdrawn by the applicant.
    Withdrawn,
    /// Signed by the signing official.
    Signed,
    /// Someone checked a PDF on `/verifikasi` or `POST /api/v1/verify`.
    VerificationRequested,
    /// An officer forwarded the document down the hierarchy (disposisi); no state change.
    Forwarded,
    /// An official's signing authority was lent to an acting official (Plt./Plh.).
    DelegationGranted,
    /// A delegation was revoked before its end.
    DelegationRevoked,
    /// Sahih's CA issued an officer a new key and certificate.
    CertificateIssued,
    /// Sahih's CA certified an officer's key again (renewal).
    CertificateRenewed,
    /// Sahih's CA revoked an officer's certificate.
    CertificateRevoked,
}

impl LeafKind {
    const ALL: [LeafKind; 16] = [
        LeafKind::Submitted,
        LeafKind::Resubmitted,
        LeafKind::Paraf,
        LeafKind::Acknowledged,
        LeafKind::Numbered,
        LeafKind::Returned,
        LeafKind::Rejected,
        LeafKind::Withdrawn,
        LeafKind::Signed,
        LeafKind::VerificationRequested,
        LeafKind::Forwarded,
        LeafKind::DelegationGranted,
        LeafKind::DelegationRevoked,
        LeafKind::CertificateIssued,
        LeafKind::CertificateRenewed,
        LeafKind::CertificateRevoked,
    ];

    /// The `kind=` value: the workflow's event kind, or `verification_requested`.
    pub fn as_str(self) -> &'static str {
        match self {
            LeafKind::Submitted => "submitted",
            LeafKind::Resubmitted => "resubmitted",
            LeafKind::Paraf => "paraf",
            LeafKind::Acknowledged => "acknowledged",
            LeafKind::Numbered => "numbered",
            LeafKind::Returned => "returned",
            LeafKind::Rejected => "rejected",
            LeafKind::Withdrawn => "withdrawn",
            LeafKind::Signed => "signed",
            LeafKind::VerificationRequested => "verification_requested",
            LeafKind::Forwarded => "forwarded",
            LeafKind::DelegationGranted => "delegation_granted",
            LeafKind::DelegationRevoked => "delegation_revoked",
            LeafKind::CertificateIssued => "certificate_issued",
            LeafKind::CertificateRenewed => "certificate_renewed",
            LeafKind::CertificateRevoked => "certificate_revoked",
        }
    }

    /// Parses an `as_str` value exactly.
    pub fn parse(s: &str) -> Option<LeafKind> {
        LeafKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The kind of a workflow event.
    pub fn of_event(event: &sahih_workflow::Event) -> LeafKind {
        use sahih_workflow::Event as E;
        match event {
            E::Submitted => LeafKind::Submitted,
            E::Resubmitted => LeafKind::Resubmitted,
            E::Paraf { .. } => LeafKind::Paraf,
            E::Acknowledged { .. } => LeafKind::Acknowledged,
            E::Numbered { .. } => LeafKind::Numbered,
            E::Returned { .. } => LeafKind::Returned,
            E::Rejected { .. } => LeafKind::Rejected,
            E::Withdrawn => LeafKind::Withdrawn,
            E::Signed => LeafKind::Signed,
        }
    }
}

impl fmt::Display for LeafKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A pseudonymous id: the first 16 bytes of `SHA-256(salt ‖ domain ‖ 0x0A ‖ id)`, with the
/// deployment's secret 32-byte salt; written as 32 lowercase hex digits. Stable within one
/// deployment, unlinkable to the id without the salt.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pseudonym(pub [u8; 16]);

impl Pseudonym {
    /// The pseudonym of a document (`domain` `sahih-log/document`, id its row id in decimal).
    pub fn document(salt: &[u8; 32], id: i64) -> Pseudonym {
        Pseudonym::derive(salt, "sahih-log/document", id)
    }

    /// The pseudonym of an officer acting (`domain` `sahih-log/actor`, id the user's row id in
    /// decimal): the same across documents, so an official's decisions can be followed.
    pub fn actor(salt: &[u8; 32], id: i64) -> Pseudonym {
        Pseudonym::derive(salt, "sahih-log/actor", id)
    }

    /// The pseudonym of the applicant acting on their own document (`domain`
    /// `sahih-log/applicant`, id the document's row id in decimal): different for each
    /// application, so a citizen's applications cannot be linked to each other through the
    /// log (one signed letter names its applicant; it must not reveal their other files).
    pub fn applicant(salt: &[u8; 32], document: i64) -> Pseudonym {
        Pseudonym::derive(salt, "sahih-log/applicant", document)
    }

    /// The pseudonym of a delegation (Plt./Plh.) grant (`domain` `sahih-log/delegation`, id
    /// its row id in decimal): links a grant's revocation to it.
    pub fn delegation(salt: &[u8; 32], id: i64) -> Pseudonym {
        Pseudonym::derive(salt, "sahih-log/delegation", id)
    }

    fn derive(salt: &[u8; 32], domain: &str, id: i64) -> Pseudonym {
        let digest = Sha256::new()
            .chain_update(salt)
            .chain_update(domain.as_bytes())
            .chain_update(b"\n")
            .chain_update(id.to_string().as_bytes())
            .finalize();
        let mut out = [0u8; 16];
        out.copy_from_slice(&digest[..16]);
        Pseudonym(out)
    }

    /// Parses 32 lowercase hex digits.
    pub fn parse(s: &str) -> Option<Pseudonym> {
        parse_hex::<16>(s).map(Pseudonym)
    }
}

impl fmt::Display for Pseudonym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for Pseudonym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pseudonym({self})")
    }
}

/// Decodes exactly `2N` lowercase hex digits.
pub(crate) fn parse_hex<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.len() != 2 * N || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut out = [0u8; N];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

/// The public verdict of a verification request: the ETSI TS 119 102-1 indication, or
/// `UNUSABLE` when the file could not be validated at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// TOTAL-PASSED.
    TotalPassed,
    /// INDETERMINATE.
    Indeterminate,
    /// TOTAL-FAILED.
    TotalFailed,
    /// The file is not a PDF the verifier can read.
    Unusable,
}

impl Verdict {
    const ALL: [Verdict; 4] = [
        Verdict::TotalPassed,
        Verdict::Indeterminate,
        Verdict::TotalFailed,
        Verdict::Unusable,
    ];

    /// `TOTAL-PASSED`, `INDETERMINATE`, `TOTAL-FAILED` or `UNUSABLE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::TotalPassed => "TOTAL-PASSED",
            Verdict::Indeterminate => "INDETERMINATE",
            Verdict::TotalFailed => "TOTAL-FAILED",
            Verdict::Unusable => "UNUSABLE",
        }
    }

    /// Parses an `as_str` value exactly.
    pub fn parse(s: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Where a verification was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VerificationSource {
    /// The upload form of `/verifikasi`.
    Page,
    /// `POST /api/v1/verify`.
    Api,
}

impl VerificationSource {
    /// `page` or `api`.
    pub fn as_str(self) -> &'static str {
        match self {
            VerificationSource::Page => "page",
            VerificationSource::Api => "api",
        }
    }

    /// Parses an `as_str` value exactly.
    pub fn parse(s: &str) -> Option<VerificationSource> {
        [VerificationSource::Page, VerificationSource::Api]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// A workflow event as the log records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventLeaf {
    /// Which event (never [`LeafKind::VerificationRequested`] nor a `delegation_*` kind).
    pub kind: LeafKind,
    /// When it was committed, Unix seconds (UTC).
    pub time: i64,
    /// The document's pseudonym.
    pub document: Pseudonym,
    /// The acting user's pseudonym.
    pub actor: Pseudonym,
    /// SHA-256 of the document's file after the event: the signed PDF for `signed`, else the
    /// current version's attachment.
    pub sha256: [u8; 32],
    /// The state before; `None` for `submitted`, which creates the document.
    pub from: Option<DocumentState>,
    /// The state after.
    pub to: DocumentState,
}

/// A verification requested on the public page or the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationLeaf {
    /// When it was answered, Unix seconds (UTC).
    pub time: i64,
    /// SHA-256 of the file checked.
    pub sha256: [u8; 32],
    /// The verdict given.
    pub verdict: Verdict,
    /// Where it was asked for.
    pub source: VerificationSource,
}

/// One log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Leaf {
    /// A workflow event of a document.
    Event(EventLeaf),
    /// A public verification.
    Verification(VerificationLeaf),
    /// A delegation granted or revoked (no document).
    Delegation(DelegationLeaf),
    /// An officer certificate issued, renewed or revoked by Sahih's CA (no document).
    Certificate(CertificateLeaf),
}

const TIME_FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

/// `YYYY-MM-DDTHH:MM:SSZ` (RFC 3339, UTC, whole seconds).
fn format_time(unix: i64) -> Result<String, LeafError> {
    let t = OffsetDateTime::from_unix_timestamp(unix).map_err(|e| bad(e.to_string()))?;
    if !(0..=9999).contains(&t.year()) {
        return Err(bad("time outside the years 0000 to 9999"));
    }
    t.format(TIME_FORMAT).map_err(|e| bad(e.to_string()))
}

fn parse_time(text: &str) -> Option<i64> {
    let t = time::PrimitiveDateTime::parse(text, TIME_FORMAT).ok()?;
    let unix = t.assume_utc().unix_timestamp();
    (format_time(unix).ok()? == text).then_some(unix)
}

fn state_code(state: Option<DocumentState>) -> String {
    state.map_or_else(|| "none".to_owned(), |s| s.as_code())
}

impl Leaf {
    /// The leaf's kind.
    pub fn kind(&self) -> LeafKind {
        match self {
            Leaf::Event(e) => e.kind,
            Leaf::Verification(_) => LeafKind::VerificationRequested,
            Leaf::Delegation(d) => d.kind,
            Leaf::Certificate(c) => c.kind,
        }
    }

    /// The time, Unix seconds.
    pub fn time(&self) -> i64 {
        match self {
            Leaf::Event(e) => e.time,
            Leaf::Verification(v) => v.time,
            Leaf::Delegation(d) => d.time,
            Leaf::Certificate(c) => c.time,
        }
    }

    /// The canonical bytes.
    ///
    /// # Errors
    /// A time outside the years 0000–9999, an event leaf of kind `verification_requested` or
    /// `delegation_*`, or a delegation leaf of another kind.
    pub fn encode(&self) -> Result<Vec<u8>, LeafError> {
        let mut out = format!("{LEAF_FORMAT}\nkind={}\n", self.kind());
        out.push_str(&format!("time={}\n", format_time(self.time())?));
        match self {
            Leaf::Event(e) => {
                if e.kind == LeafKind::VerificationRequested
                    || DelegationLeaf::is_delegation_kind(e.kind)
                    || CertificateLeaf::is_certificate_kind(e.kind)
                {
                    return Err(bad(format!("a workflow event cannot be {}", e.kind)));
                }
                out.push_str(&format!(
                    "document={}\nactor={}\nsha256={}\nfrom={}\nto={}\n",
                    e.document,
                    e.actor,
                    hex::encode(e.sha256),
                    state_code(e.from),
                    e.to.as_code()
                ));
            }
            Leaf::Verification(v) => out.push_str(&format!(
                "sha256={}\nverdict={}\nsource={}\n",
                hex::encode(v.sha256),
                v.verdict.as_str(),
                v.source.as_str()
            )),
            Leaf::Delegation(d) => delegation::encode_fields(d, &mut out)?,
            Leaf::Certificate(c) => certificate::encode_fields(c, &mut out)?,
        }
        Ok(out.into_bytes())
    }

    /// Parses a leaf strictly: exactly the bytes [`Leaf::encode`] writes for some leaf.
    ///
    /// # Errors
    /// [`LeafError`] naming the first line or value that is not as written.
    pub fn parse(bytes: &[u8]) -> Result<Leaf, LeafError> {
        if bytes.len() > MAX_LEAF_LEN {
            return Err(bad(format!("longer than {MAX_LEAF_LEN} bytes")));
        }
        let text = std::str::from_utf8(bytes).map_err(|_| bad("not UTF-8"))?;
        let body = text
            .strip_suffix('\n')
            .ok_or_else(|| bad("does not end in a newline"))?;
        let mut lines = body.split('\n');
        if lines.next() != Some(LEAF_FORMAT) {
            return Err(bad(format!("the first line is not {LEAF_FORMAT}")));
        }
        let mut fields = Fields(lines);
        let kind = fields.next("kind", LeafKind::parse)?;
        let time = fields.next("time", parse_time)?;
        let leaf = if kind == LeafKind::VerificationRequested {
            Leaf::Verification(VerificationLeaf {
                time,
                sha256: fields.next("sha256", parse_hex::<32>)?,
                verdict: fields.next("verdict", Verdict::parse)?,
                source: fields.next("source", VerificationSource::parse)?,
            })
        } else if DelegationLeaf::is_delegation_kind(kind) {
            Leaf::Delegation(delegation::parse_fields(kind, time, &mut fields)?)
        } else if CertificateLeaf::is_certificate_kind(kind) {
            Leaf::Certificate(certificate::parse_fields(kind, time, &mut fields)?)
        } else {
            Leaf::Event(EventLeaf {
                kind,
                time,
                document: fields.next("document", Pseudonym::parse)?,
                actor: fields.next("actor", Pseudonym::parse)?,
                sha256: fields.next("sha256", parse_hex::<32>)?,
                from: fields.next("from", |s| match s {
                    "none" => Some(None),
                    code => DocumentState::from_code(code).ok().map(Some),
                })?,
                to: fields.next("to", |s| DocumentState::from_code(s).ok())?,
            })
        };
        if let Some(extra) = fields.0.next() {
            return Err(bad(format!("unexpected line {extra:?}")));
        }
        if leaf.encode()? != bytes {
            return Err(bad("not in canonical form"));
        }
        Ok(leaf)
    }
}

/// The `key=value` lines of a leaf, read in their fixed order.
struct Fields<'a>(std::str::Split<'a, char>);

impl Fields<'_> {
    fn next<T>(&mut self, key: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T, LeafError> {
        let line = self
            .0
            .next()
            .ok_or_else(|| bad(format!("missing {key}=")))?;
        let value = line
            .strip_prefix(key)
            .and_then(|rest| rest.strip_prefix('='))
            .ok_or_else(|| bad(format!("expected {key}=, found {line:?}")))?;
        parse(value).ok_or_else(|| bad(format!("{key}={value:?} is not valid")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paraf() -> Leaf {
        Leaf::Event(EventLeaf {
            kind: LeafKind::Paraf,
            time: 1_795_921_445,
            document: Pseudonym([0xab; 16]),
            actor: Pseudonym([0x01; 16]),
            sha256: [0x5e; 32],
            from: Some(DocumentState::Submitted),
            to: DocumentState::Approved,
        })
    }

    #[test]
    fn event_leaf_bytes_are_as_documented() {
        let bytes = paraf().encode().expect("encode");
        let expected = format!(
            "sahih-log-leaf/1\nkind=paraf\ntime=2026-11-29T03:04:05Z\ndocument={}\nactor={}\nsha256={}\nfrom=submitted\nto=approved\n",
            "ab".repeat(16),
            "01".repeat(16),
            "5e".repeat(32)
        );
        assert_eq!(String::from_utf8_lossy(&bytes), expected);
        assert_eq!(Leaf::parse(&bytes), Ok(paraf()));
    }

    #[test]
    fn verification_leaf_round_trips() {
        let leaf = Leaf::Verification(VerificationLeaf {
            time: 0,
            sha256: [0; 32],
            verdict: Verdict::Unusable,
            source: VerificationSource::Api,
        });
        let bytes = leaf.encode().expect("encode");
        assert!(bytes.starts_with(
            b"sahih-log-leaf/1\nkind=verification_requested\ntime=1970-01-01T00:00:00Z\nsha256=00"
        ));
        assert!(bytes.ends_with(b"\nverdict=UNUSABLE\nsource=api\n"));
        assert_eq!(Leaf::parse(&bytes), Ok(leaf));
    }

    #[test]
    fn submitted_has_no_previous_state() {
        let mut leaf = paraf();
        if let Leaf::Event(e) = &mut leaf {
            e.kind = LeafKind::Submitted;
            e.from = None;
            e.to = DocumentState::Submitted;
        }
        let bytes = leaf.encode().expect("encode");
        assert!(String::from_utf8_lossy(&bytes).contains("\nfrom=none\nto=submitted\n"));
        assert_eq!(Leaf::parse(&bytes), Ok(leaf));
    }

    #[test]
    fn every_other_spelling_is_refused() {
        let good = String::from_utf8(paraf().encode().expect("encode")).expect("ascii");
        let variants = [
            good.replace("sahih-log-leaf/1", "sahih-log-leaf/2"),
            good.replace("kind=paraf", "kind=Paraf"),
            good.replace("kind=paraf\n", "kind = paraf\n"),
            good.replace("T03:04:05Z", "T03:04:05+00:00"),
            good.replace("2026-11-29", "2026-11-31"),
            good.replace(&"ab".repeat(16), &"AB".repeat(16)),
            good.replace(&"ab".repeat(16), &"ab".repeat(15)),
            good.replace("from=submitted", "from=in_review:01"),
            good.replace("to=approved\n", "to=approved\n\n"),
            good.replace("to=approved\n", "to=approved"),
            good.replace("to=approved\n", "to=approved\nextra=1\n"),
            good.replace("\n", "\r\n"),
            good.replace("actor=", "actors="),
            // Fields out of order.
            good.replace(
                &format!("actor={}\nsha256={}\n", "01".repeat(16), "5e".repeat(32)),
                &format!("sha256={}\nactor={}\n", "5e".repeat(32), "01".repeat(16)),
            ),
        ];
        for bad in variants {
            assert_ne!(bad, good);
            assert!(Leaf::parse(bad.as_bytes()).is_err(), "{bad:?} accepted");
        }
        assert!(Leaf::parse(&[b'x'; MAX_LEAF_LEN + 1]).is_err());
    }

    #[test]
    fn pseudonyms_depend_on_salt_domain_and_id() {
        let (a, b) = ([1u8; 32], [2u8; 32]);
        assert_ne!(Pseudonym::actor(&a, 7), Pseudonym::actor(&b, 7));
        assert_ne!(Pseudonym::actor(&a, 7), Pseudonym::document(&a, 7));
        assert_ne!(Pseudonym::actor(&a, 7), Pseudonym::actor(&a, 70));
        assert_eq!(Pseudonym::actor(&a, 7), Pseudonym::actor(&a, 7));
        assert_ne!(Pseudonym::applicant(&a, 7), Pseudonym::actor(&a, 7));
        assert_ne!(Pseudonym::applicant(&a, 7), Pseudonym::applicant(&a, 8));
        let text = Pseudonym::actor(&a, 7).to_string();
        assert_eq!(Pseudonym::parse(&text), Some(Pseudonym::actor(&a, 7)));
    }
}
