//! The validation report: per signature, each check separately, then one indication in the
//! terms of ETSI TS 119 102-1 §5.1.3 (Table 5). Serialized as JSON by the CLI and the API; the
//! schema is documented in docs/verification.md and versioned by [`REPORT_SCHEMA`].

use serde::Serialize;

/// Version tag written into every report.
pub const REPORT_SCHEMA: &str = "sahih-verify-report/1";

/// Main indication (ETSI TS 119 102-1 §5.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Indication {
    #[serde(rename = "TOTAL-PASSED")]
    TotalPassed,
    #[serde(rename = "INDETERMINATE")]
    Indeterminate,
    #[serde(rename = "TOTAL-FAILED")]
    TotalFailed,
}

impl Indication {
    /// The standard spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Indication::TotalPassed => "TOTAL-PASSED",
            Indication::Indeterminate => "INDETERMINATE",
            Indication::TotalFailed => "TOTAL-FAILED",
        }
    }
}

/// Sub-indications used by Sahih (ETSI TS 119 102-1 Table 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SubIndication {
    /// The signature or the document is not in the expected format, or was modified in a way
    /// its rules do not allow.
    FormatFailure,
    /// The signed bytes do not match the digest the signer signed.
    HashFailure,
    /// The signature value does not verify, or its algorithm cannot be verified.
    SigCryptoFailure,
    /// A signature algorithm below current requirements (SHA-1).
    CryptoConstraintsFailure,
    /// The signer's certificate cannot be identified or is not bound to the signature.
    NoSigningCertificateFound,
    /// No path to a trust anchor.
    NoCertificateChainFound,
    /// A certificate on the path is outside its validity period at the validation time, and
    /// no proof of existence (trusted timestamp) places the signature within it.
    OutOfBoundsNoPoe,
    /// There is nothing signed to validate.
    SignedDataNotFound,
    /// The signer's certificate was revoked at or before the signature's time.
    Revoked,
    /// The signer's certificate was revoked, and no proof of existence (a trusted timestamp)
    /// places the signature before the revocation.
    RevokedNoPoe,
    /// A certificate does not meet the constraints of its use, e.g. a timestamp signed by a
    /// certificate without the extendedKeyUsage timeStamping.
    ChainConstraintsFailure,
}

impl SubIndication {
    /// The standard spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SubIndication::FormatFailure => "FORMAT_FAILURE",
            SubIndication::HashFailure => "HASH_FAILURE",
            SubIndication::SigCryptoFailure => "SIG_CRYPTO_FAILURE",
            SubIndication::CryptoConstraintsFailure => "CRYPTO_CONSTRAINTS_FAILURE",
            SubIndication::NoSigningCertificateFound => "NO_SIGNING_CERTIFICATE_FOUND",
            SubIndication::NoCertificateChainFound => "NO_CERTIFICATE_CHAIN_FOUND",
            SubIndication::OutOfBoundsNoPoe => "OUT_OF_BOUNDS_NO_POE",
            SubIndication::SignedDataNotFound => "SIGNED_DATA_NOT_FOUND",
            SubIndication::Revoked => "REVOKED",
            SubIndication::RevokedNoPoe => "REVOKED_NO_POE",
            SubIndication::ChainConstraintsFailure => "CHAIN_CONSTRAINTS_FAILURE",
        }
    }
}

/// What changed after a signature, from least to most (ordered).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModificationLevel {
    /// Nothing: the signature covers the whole file.
    None,
    /// Only later signatures, timestamps, validation data (DSS) and metadata.
    SignaturesAndTimestamps,
    /// Form fields filled in.
    FormFilling,
    /// Annotations added or changed (including new visible signature fields).
    Annotations,
    /// Anything else: content, pages, fonts, the catalog, re-pointed or freed objects.
    Other,
}

impl ModificationLevel {
    /// The serialized spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ModificationLevel::None => "none",
            ModificationLevel::SignaturesAndTimestamps => "signatures_and_timestamps",
            ModificationLevel::FormFilling => "form_filling",
            ModificationLevel::Annotations => "annotations",
            ModificationLevel::Other => "other",
        }
    }
}

/// One object changed by a later revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// 1-based revision that made the change.
    pub revision: usize,
    /// `"N G"` for an indirect object, `"trailer"` for the trailer.
    pub object: String,
    pub level: ModificationLevel,
    /// What the change is, in English, e.g. "page /Annots: annotation 12 0 added".
    pub detail: String,
}

/// The kind of signature (ISO 32000-2 §12.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureKind {
    /// An approval signature.
    Approval,
    /// A certification signature (DocMDP, ISO 32000-2 §12.8.2.2).
    Certification,
    /// A document timestamp (ETSI EN 319 142-1 §5.4, `/Type /DocTimeStamp`).
    DocumentTimestamp,
}

/// Outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub ok: bool,
    /// A stable code, e.g. `V_DIGEST_MISMATCH`; `V_OK` when `ok`.
    pub code: String,
    /// English detail for logs and the JSON reader.
    pub detail: String,
}

impl Check {
    pub(crate) fn pass(detail: impl Into<String>) -> Check {
        Check {
            ok: true,
            code: "V_OK".into(),
            detail: detail.into(),
        }
    }

    pub(crate) fn fail(code: &str, detail: impl Into<String>) -> Check {
        Check {
            ok: false,
            code: code.into(),
            detail: detail.into(),
        }
    }
}

/// The signer as its certificate names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signer {
    pub common_name: String,
    pub organization: Option<String>,
    /// Subject, RFC 4514.
    pub subject: String,
    /// Issuer, RFC 4514.
    pub issuer: String,
    /// The issuer's commonName, else the whole issuer name.
    pub issuer_common_name: String,
    /// Serial number, hex.
    pub serial: String,
    /// Validity, RFC 3339.
    pub not_before: String,
    pub not_after: String,
    /// SHA-256 of the certificate, hex.
    pub sha256: String,
}

/// A timestamp token's findings (RFC 3161).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timestamp {
    /// genTime, RFC 3339.
    pub time: String,
    /// The TSA certificate's subject.
    pub tsa: Option<String>,
    /// The token's imprint matches and its signature verifies.
    pub intact: bool,
    /// The TSA's certificate chains to a trust anchor and carries the critical extendedKeyUsage
    /// timeStamping (RFC 3161 §2.3): only then does the time count as proof of existence.
    pub trusted: bool,
    /// Why the time does not count as proof (English); `None` when trusted.
    pub untrusted_reason: Option<String>,
}

/// Modifications after one signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Modifications {
    pub level: ModificationLevel,
    /// Whether the signature's rules (DocMDP, FieldMDP, the default) allow them.
    pub allowed: bool,
    /// DocMDP permission (1, 2 or 3) in force for this signature, if any.
    pub docmdp: Option<u8>,
    pub changes: Vec<Change>,
}

/// One signature's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignatureReport {
    /// Fully qualified field name.
    pub field: String,
    pub kind: SignatureKind,
    /// `/SubFilter`.
    pub sub_filter: String,
    /// "PAdES B-B", "PAdES B-T", "PAdES B-LT", "PAdES B-LTA", "PKCS#7", "PKCS#7 (SHA-1, legacy)",
    /// "PAdES document timestamp".
    pub format: String,
    pub signer: Option<Signer>,
    /// `/M`, RFC 3339, as claimed by the signer (not trusted).
    pub claimed_time: Option<String>,
    /// `/Reason` as the signer wrote it (ISO 32000-2 §12.8.1, Table 255), e.g. the nomor surat
    /// and the office signed for (`Plt. Kepala Dinas …, a.n. …`); a claim, not checked.
    pub stated_reason: Option<String>,
    pub timestamp: Option<Timestamp>,
    /// `/ByteRange` as written.
    pub byte_range: Vec<i64>,
    /// 1-based revision the signature covers; `None` if it covers no revision end.
    pub revision: Option<usize>,
    /// Length of the signed revision (the file prefix `[0, b+c)`), bytes.
    pub signed_length: Option<u64>,
    /// Whether the signed revision is the whole file.
    pub covers_whole_file: bool,
    /// ByteRange geometry and `/Contents` (ISO 32000-2 §12.8.1).
    pub byte_range_check: Check,
    /// The signed bytes match the signer's digest.
    pub integrity: Check,
    /// The signature value verifies with the signer's key.
    pub crypto: Check,
    /// The signing certificate is identified and bound (ESS signing-certificate(-v2)).
    pub signing_certificate: Check,
    pub modifications: Modifications,
    /// The certificate chains to a trust anchor and is valid at the time used.
    pub trust: Check,
    /// Subjects from the signer up to the anchor.
    pub chain: Vec<String>,
    /// The signer's certificate against the CRLs found (RFC 5280 §5): `V_OK` not revoked,
    /// `V_REVOKED` revoked at or before the signature's time, `V_REVOKED_AFTER_SIGNING`
    /// revoked later as proven by a trusted timestamp (the signature stands),
    /// `V_REVOKED_NO_POE` revoked and only the claimed `/M` is earlier (INDETERMINATE),
    /// `V_REVOCATION_NOT_CHECKED` no CRL current at the signature's time covers it (the
    /// verdict is not changed by that).
    pub revocation: Check,
    /// The time the certificate was checked at, RFC 3339, and where it came from.
    pub checked_at: String,
    pub checked_at_source: String,
    pub indication: Indication,
    pub sub_indication: Option<SubIndication>,
    /// Stable code of the deciding finding (`V_OK` when passed).
    pub reason: String,
}

/// The whole document's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub schema: &'static str,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    pub size: u64,
    /// Number of revisions (incremental updates + 1).
    pub revisions: usize,
    /// Length of each revision, bytes, oldest first.
    pub revision_lengths: Vec<u64>,
    /// The validation time, RFC 3339.
    pub validation_time: String,
    pub signatures: Vec<SignatureReport>,
    pub indication: Indication,
    pub sub_indication: Option<SubIndication>,
    /// Stable code of the deciding finding.
    pub reason: String,
    /// Document-level findings in English (e.g. a later revision that does not parse).
    pub notes: Vec<String>,
}

/// Why a file could not be validated at all ("unusable input").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unusable {
    pub schema: &'static str,
    pub indication: &'static str,
    /// Stable code, e.g. `E_NOT_PDF`, `E_PDF_BROKEN_XREF`, `E_PDF_TOO_LARGE`.
    pub code: String,
    pub reason: String,
}
