//! From findings to indications (ETSI TS 119 102-1 §5.1.3): each signature's checks become one
//! indication with a sub-indication and a stable reason code; the document's verdict is the
//! worst signature's.

use lopdf::{Dictionary, Object};
use time::OffsetDateTime;

use super::Policy;
use super::certs::{self, Cert, PathOutcome};
use super::crypto::CryptoFailure;
use super::dictionary::{
    docmdp, is_doc_timestamp, locks, pdf_date, rfc3339, signer_of, text, unix,
};
use super::diff::Finding;
use super::report::{
    Check, Indication, ModificationLevel as Level, Modifications, REPORT_SCHEMA, Report,
    SignatureKind, SignatureReport, SubIndication as Sub, Timestamp,
};
use super::revision::RevisionEnd;
use super::revocation::{self, Crl, Judgement, SignatureTime, TimeSource};
use super::signature::{Reading, TokenCheck, binding_detail, crypto_detail, crypto_ok};
use super::signed_data::Binding;

/// What every signature's verdict needs.
pub(crate) struct Context<'a> {
    /// CRLs of the document's DSS and the policy.
    pub(crate) crls: &'a [Crl],
    pub(crate) ends: &'a [RevisionEnd],
    pub(crate) findings: &'a [Finding],
    pub(crate) policy: &'a Policy,
    pub(crate) at: OffsetDateTime,
    pub(crate) has_dss: bool,
    /// DocMDP permission of the document's certification signature.
    pub(crate) docmdp: Option<u8>,
    /// Signed lengths of the document timestamps.
    pub(crate) doc_timestamps: Vec<usize>,
    /// Proof of existence from document timestamps that passed: each one's signed length and
    /// genTime (UNIX seconds). A signature whose revision ends within a signed length existed
    /// at that genTime (ETSI EN 319 142-1 §5.4.3).
    pub(crate) doc_poe: Vec<(usize, i64)>,
}

/// The failures found for one signature, in the order checked.
#[derive(Default)]
struct Failures(Vec<(Indication, Option<Sub>, String)>);

impl Failures {
    /// Records a failure and returns its check.
    fn fail(
        &mut self,
        indication: Indication,
        sub: Sub,
        code: &str,
        detail: impl Into<String>,
    ) -> Check {
        self.0.push((indication, Some(sub), code.to_string()));
        Check::fail(code, detail)
    }

    /// Records a failure that has no check of its own.
    fn note(&mut self, indication: Indication, sub: Sub, code: &str) {
        self.0.push((indication, Some(sub), code.to_string()));
    }
}

const NOT_CHECKED: &str = "V_NOT_CHECKED";

fn geometry_check(r: &Reading, revision: Option<usize>, f: &mut Failures) -> Check {
    match &r.format_failure {
        Some((code, detail)) => f.fail(
            Indication::TotalFailed,
            Sub::FormatFailure,
            code,
            detail.clone(),
        ),
        None if revision.is_none() => f.fail(
            Indication::TotalFailed,
            Sub::FormatFailure,
            "V_NOT_REVISION_END",
            "the signed bytes do not end where a revision ends",
        ),
        None => Check::pass("ByteRange covers one revision, except exactly the /Contents string"),
    }
}

fn integrity_check(r: &Reading, f: &mut Failures) -> Check {
    let Some(s) = &r.signer else {
        return Check::fail(NOT_CHECKED, "not checked");
    };
    if !s.attrs_der {
        return f.fail(
            Indication::TotalFailed,
            Sub::HashFailure,
            "V_SIGNED_ATTRS_NOT_DER",
            "the signed attributes are not DER-encoded (RFC 5652 §5.4), so what was signed is not what the attributes say",
        );
    }
    if s.digest.is_none() {
        return f.fail(
            Indication::TotalFailed,
            Sub::SigCryptoFailure,
            "V_ALGORITHM_UNSUPPORTED",
            format!("unsupported digest algorithm {}", s.digest_name),
        );
    }
    if r.content_matches == Some(true) && s.digest_matches == Some(true) {
        return Check::pass(format!(
            "{} digest of the signed bytes matches",
            s.digest_name
        ));
    }
    f.fail(
        Indication::TotalFailed,
        Sub::HashFailure,
        "V_DIGEST_MISMATCH",
        "the signed bytes were changed: their digest does not match the signed one",
    )
}

fn crypto_check(r: &Reading, f: &mut Failures) -> Check {
    let Some(s) = &r.signer else {
        return Check::fail(NOT_CHECKED, "not checked");
    };
    if crypto_ok(s) {
        return Check::pass(format!("the signature value verifies ({})", s.digest_name));
    }
    if !s.content_type_ok {
        return f.fail(
            Indication::TotalFailed,
            Sub::FormatFailure,
            "V_CMS_MALFORMED",
            "the content-type attribute does not match the signed content",
        );
    }
    match &s.signature {
        Err(e @ CryptoFailure::Unsupported(_)) => f.fail(
            Indication::TotalFailed,
            Sub::SigCryptoFailure,
            "V_ALGORITHM_UNSUPPORTED",
            crypto_detail(e),
        ),
        Err(e) if s.signer.is_none() && !s.identified => f.fail(
            Indication::Indeterminate,
            Sub::NoSigningCertificateFound,
            "V_SIGNER_CERT_MISSING",
            format!(
                "no certificate in the signature verifies it: {}",
                crypto_detail(e)
            ),
        ),
        Err(e) => f.fail(
            Indication::TotalFailed,
            Sub::SigCryptoFailure,
            "V_SIGNATURE_INVALID",
            crypto_detail(e),
        ),
        Ok(()) => Check::pass("verified"),
    }
}

/// ESS signing-certificate(-v2) binding (RFC 5035 §3; ETSI EN 319 142-1 §5.2.2 requires it
/// for `ETSI.CAdES.detached`).
fn binding_check(r: &Reading, sub_filter: &str, f: &mut Failures) -> Check {
    let Some(s) = &r.signer else {
        return Check::fail(NOT_CHECKED, "not checked");
    };
    if s.signer.is_some() && !s.identified {
        return f.fail(
            Indication::Indeterminate,
            Sub::NoSigningCertificateFound,
            "V_SIGNER_NOT_IDENTIFIED",
            "the SignerInfo does not name the certificate that verifies it",
        );
    }
    match s.binding {
        Binding::Mismatch => f.fail(
            Indication::Indeterminate,
            Sub::NoSigningCertificateFound,
            "V_SIGNING_CERT_MISMATCH",
            binding_detail(s.binding),
        ),
        Binding::Absent if sub_filter == "ETSI.CAdES.detached" && s.has_signed_attrs => f.fail(
            Indication::Indeterminate,
            Sub::NoSigningCertificateFound,
            "V_SIGNING_CERT_ATTR_MISSING",
            binding_detail(s.binding),
        ),
        b => Check::pass(binding_detail(b)),
    }
}

/// The certificate path, and the time it was checked at with where that time came from.
struct Trust {
    check: Check,
    chain: Vec<String>,
    at: OffsetDateTime,
    source: &'static str,
}

impl Context<'_> {
    fn anchors(&self) -> Vec<Cert> {
        self.policy
            .trust_anchors
            .iter()
            .filter_map(Cert::from_parsed)
            .collect()
    }

    /// A signature timestamp's findings. Its time counts as proof of existence only when the
    /// token is intact, its signer chains to a trust anchor at the validation time and carries
    /// the critical extendedKeyUsage id-kp-timeStamping (RFC 3161 §2.3): a certificate without
    /// it (an officer's own) is no timestamp authority, and a token it signed is just a claim.
    fn timestamp(&self, token: &TokenCheck) -> Timestamp {
        let tsa = token.signer.as_ref().and_then(|s| s.signer.as_ref());
        let chains = tsa.is_some_and(|cert| {
            matches!(
                certs::build_path(cert, &token.certs, &self.anchors(), self.at),
                PathOutcome::Trusted { .. }
            )
        });
        let untrusted = match tsa {
            _ if !token.intact() => Some("the token is not intact"),
            None => Some("the token's signer is not identified"),
            Some(c) if !c.is_time_stamping() => Some(
                "the token's signer is no timestamp authority: its certificate lacks the critical extendedKeyUsage timeStamping (RFC 3161 §2.3)",
            ),
            Some(_) if !chains => {
                Some("the timestamp authority's certificate does not chain to a trust anchor")
            }
            Some(_) => None,
        };
        Timestamp {
            time: token
                .info
                .as_ref()
                .map(|i| unix(i.gen_time))
                .unwrap_or_default(),
            tsa: tsa.map(Cert::subject),
            intact: token.intact(),
            trusted: untrusted.is_none(),
            untrusted_reason: untrusted.map(String::from),
        }
    }

    /// The report for one signature.
    pub(crate) fn signature(&self, field: &str, dict: &Dictionary, r: &Reading) -> SignatureReport {
        let doc_ts = is_doc_timestamp(dict);
        let own_docmdp = docmdp(dict);
        let kind = match (doc_ts, own_docmdp) {
            (true, _) => SignatureKind::DocumentTimestamp,
            (false, Some(_)) => SignatureKind::Certification,
            (false, None) => SignatureKind::Approval,
        };
        let sub_filter = dict
            .get(b"SubFilter")
            .and_then(Object::as_name)
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default();
        let revision = r
            .signed_end
            .and_then(|end| self.ends.iter().position(|e| e.matches(end)));
        let timestamp = r.timestamp.as_ref().map(|t| self.timestamp(t));
        let signer_cert = r.signer.as_ref().and_then(|s| s.signer.clone());
        let mut f = Failures::default();
        let byte_range_check = geometry_check(r, revision, &mut f);
        let integrity = integrity_check(r, &mut f);
        let crypto = crypto_check(r, &mut f);
        let signing_certificate = binding_check(r, &sub_filter, &mut f);
        let modifications = self.modifications(dict, revision, own_docmdp, &mut f);
        if r.signer.as_ref().is_some_and(|s| s.legacy_algorithm) {
            f.note(
                Indication::Indeterminate,
                Sub::CryptoConstraintsFailure,
                "V_LEGACY_ALGORITHM",
            );
        }
        let trusted_time = timestamp
            .as_ref()
            .filter(|t| t.trusted)
            .and(r.timestamp.as_ref());
        let mut trust = self.trust(r, signer_cert.as_ref(), trusted_time, &mut f);
        if doc_ts {
            tsa_usage(signer_cert.as_ref(), &mut trust.check, &mut f);
        }
        let time = self.signature_time(dict, trusted_time, r.signed_end);
        let revocation = self.revocation(r, signer_cert.as_ref(), time, &mut f);
        let (indication, sub_indication, reason) = worst(f.0);
        SignatureReport {
            field: field.to_string(),
            kind,
            format: self.format(&sub_filter, timestamp.is_some(), r.signed_end, doc_ts),
            sub_filter,
            signer: signer_cert.as_ref().map(signer_of),
            claimed_time: text(dict, b"M").and_then(|m| pdf_date(&m)),
            stated_reason: text(dict, b"Reason").filter(|r| !r.trim().is_empty()),
            timestamp: timestamp.or_else(|| {
                r.doc_timestamp.as_ref().map(|i| Timestamp {
                    time: unix(i.gen_time),
                    tsa: signer_cert.as_ref().map(Cert::subject),
                    intact: integrity.ok && crypto.ok,
                    trusted: trust.check.ok,
                    untrusted_reason: (!trust.check.ok).then(|| trust.check.detail.clone()),
                })
            }),
            byte_range: r.byte_range.clone(),
            revision: revision.map(|i| i + 1),
            signed_length: r.signed_end.map(|e| e as u64),
            covers_whole_file: revision == Some(self.ends.len() - 1)
                && modifications.changes.is_empty(),
            byte_range_check,
            integrity,
            crypto,
            signing_certificate,
            modifications,
            trust: trust.check,
            chain: trust.chain,
            revocation,
            checked_at: rfc3339(trust.at),
            checked_at_source: trust.source.into(),
            indication,
            sub_indication,
            reason,
        }
    }

    /// The time a signature is judged at for revocation: a trusted timestamp's genTime, else
    /// the earliest genTime of a passed document timestamp covering the signature's revision
    /// (`signed_end`), else the claimed `/M`, else the validation time.
    fn signature_time(
        &self,
        dict: &Dictionary,
        trusted: Option<&TokenCheck>,
        signed_end: Option<usize>,
    ) -> SignatureTime {
        if let Some(info) = trusted.and_then(|t| t.info.as_ref()) {
            return SignatureTime {
                at: info.gen_time,
                source: TimeSource::Timestamp,
            };
        }
        let covering = signed_end.and_then(|end| {
            self.doc_poe
                .iter()
                .filter(|(len, _)| *len > end)
                .map(|(_, t)| *t)
                .min()
        });
        if let Some(at) = covering {
            return SignatureTime {
                at,
                source: TimeSource::DocumentTimestamp,
            };
        }
        let claimed = text(dict, b"M").and_then(|m| pdf_date(&m)).and_then(|t| {
            OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339).ok()
        });
        match claimed {
            Some(t) => SignatureTime {
                at: t.unix_timestamp(),
                source: TimeSource::Claimed,
            },
            None => SignatureTime {
                at: self.at.unix_timestamp(),
                source: TimeSource::Validation,
            },
        }
    }

    /// The signer's certificate against the CRLs of the DSS, the policy and the signature's
    /// own CMS (see `revocation`): TOTAL-FAILED / REVOKED when it was revoked at or before
    /// `time`.
    fn revocation(
        &self,
        r: &Reading,
        signer: Option<&Cert>,
        time: SignatureTime,
        f: &mut Failures,
    ) -> Check {
        let Some(cert) = signer else {
            return Check::fail(NOT_CHECKED, "no signer certificate");
        };
        let own: Vec<Crl> = r
            .crls
            .iter()
            .take(revocation::MAX_CRLS)
            .filter_map(|der| Crl::parse(der, revocation::Origin::Cms))
            .collect();
        let crls: Vec<&Crl> = self.crls.iter().chain(own.iter()).collect();
        let mut issuers = r.certs.clone();
        if let Some(t) = &r.timestamp {
            issuers.extend(t.certs.iter().cloned());
        }
        issuers.extend(self.anchors());
        let status = revocation::status(cert, &issuers, &crls);
        match revocation::judge(&status, time, self.at) {
            None => Check {
                ok: true,
                code: "V_REVOCATION_NOT_CHECKED".into(),
                detail: "revocation not checked: no CRL of the certificate's issuer that was current at the signature's time was found"
                    .into(),
            },
            Some(Judgement::Good(detail)) => Check::pass(detail),
            Some(Judgement::RevokedAfterSigning(detail)) => Check {
                ok: true,
                code: "V_REVOKED_AFTER_SIGNING".into(),
                detail,
            },
            Some(Judgement::RevokedNoPoe(detail)) => f.fail(
                Indication::Indeterminate,
                Sub::RevokedNoPoe,
                "V_REVOKED_NO_POE",
                detail,
            ),
            Some(Judgement::Revoked(detail)) => {
                f.fail(Indication::TotalFailed, Sub::Revoked, "V_REVOKED", detail)
            }
        }
    }

    /// Builds the certification path at the time of interest: a trusted signature timestamp's
    /// time (proof of existence), else the validation time.
    fn trust(
        &self,
        r: &Reading,
        signer: Option<&Cert>,
        trusted_time: Option<&TokenCheck>,
        f: &mut Failures,
    ) -> Trust {
        let poe = trusted_time
            .and_then(|t| t.info.as_ref())
            .map(|i| i.gen_time);
        let (at, source) = match poe.and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok()) {
            Some(t) => (t, "signature timestamp"),
            None if self.policy.at.is_some() => (self.at, "validation time given"),
            None => (self.at, "current time"),
        };
        let Some(cert) = signer else {
            let check = Check::fail(NOT_CHECKED, "no signer certificate");
            return Trust {
                check,
                chain: Vec::new(),
                at,
                source,
            };
        };
        let mut pool = r.certs.clone();
        if let Some(t) = &r.timestamp {
            pool.extend(t.certs.iter().cloned());
        }
        let (check, chain) = match certs::build_path(cert, &pool, &self.anchors(), at) {
            PathOutcome::Trusted { path } => (
                Check::pass("the certificate chains to a trust anchor and is valid"),
                path,
            ),
            PathOutcome::NoAnchor { path } => {
                let expired = if cert.valid_at(at) {
                    String::new()
                } else {
                    format!(
                        "; it is also outside its validity period at {}",
                        rfc3339(at)
                    )
                };
                let detail = format!("the certificate does not chain to a trusted anchor{expired}");
                let check = f.fail(
                    Indication::Indeterminate,
                    Sub::NoCertificateChainFound,
                    "V_UNTRUSTED",
                    detail,
                );
                (check, path)
            }
            PathOutcome::OutOfValidity { path, subject } => (
                f.fail(
                    Indication::Indeterminate,
                    Sub::OutOfBoundsNoPoe,
                    "V_CERT_OUT_OF_VALIDITY",
                    format!("{subject} is not valid at {}", rfc3339(at)),
                ),
                path,
            ),
        };
        Trust {
            check,
            chain,
            at,
            source,
        }
    }

    fn modifications(
        &self,
        dict: &Dictionary,
        revision: Option<usize>,
        own_docmdp: Option<u8>,
        f: &mut Failures,
    ) -> Modifications {
        let Some(rev) = revision else {
            return Modifications {
                level: Level::None,
                allowed: false,
                docmdp: own_docmdp.or(self.docmdp),
                changes: Vec::new(),
            };
        };
        let after: Vec<&Finding> = self
            .findings
            .iter()
            .filter(|f| f.change.revision > rev + 1)
            .collect();
        let level = after
            .iter()
            .map(|f| f.change.level)
            .max()
            .unwrap_or(Level::None);
        let docmdp = own_docmdp.or(self.docmdp);
        // ISO 32000-2 §12.8.2.2.2 for DocMDP; without it, Sahih permits what P = 2 permits
        // (signatures, timestamps, validation data, form filling): an annotation drawn over a
        // signed page is not something a reader should be told is fine.
        let limit = match docmdp {
            Some(1) => Level::SignaturesAndTimestamps,
            Some(3) => Level::Annotations,
            _ => Level::FormFilling,
        };
        let signature_forbidden = (docmdp == Some(1) && after.iter().any(|f| f.new_signature))
            || (docmdp.is_some() && after.iter().any(|f| f.visible_signature));
        let field_locked = after
            .iter()
            .find_map(|f| f.filled_field.as_ref().filter(|n| locks(dict, n)));
        let allowed = level <= limit && !signature_forbidden && field_locked.is_none();
        if !allowed {
            let code = if level == Level::Other {
                "V_MODIFIED"
            } else {
                "V_MODIFICATION_NOT_PERMITTED"
            };
            f.note(Indication::TotalFailed, Sub::FormatFailure, code);
        }
        Modifications {
            level,
            allowed,
            docmdp,
            changes: after.iter().map(|f| f.change.clone()).collect(),
        }
    }

    fn format(
        &self,
        sub_filter: &str,
        has_ts: bool,
        signed_end: Option<usize>,
        doc_ts: bool,
    ) -> String {
        let later_doc_ts =
            signed_end.is_some_and(|end| self.doc_timestamps.iter().any(|t| *t > end));
        match sub_filter {
            _ if doc_ts => "PAdES document timestamp".into(),
            "ETSI.CAdES.detached" => match (has_ts, self.has_dss, later_doc_ts) {
                (true, true, true) => "PAdES B-LTA",
                (true, true, false) => "PAdES B-LT",
                (true, false, _) => "PAdES B-T",
                (false, _, _) => "PAdES B-B",
            }
            .into(),
            "adbe.pkcs7.detached" if has_ts => "PKCS#7 with timestamp".into(),
            "adbe.pkcs7.detached" => "PKCS#7".into(),
            "adbe.pkcs7.sha1" => "PKCS#7 SHA-1 (legacy)".into(),
            other => format!("unknown ({other})"),
        }
    }
}

/// A document timestamp's signer must be a timestamp authority (RFC 3161 §2.3: the critical
/// extendedKeyUsage timeStamping); otherwise its trust check fails with INDETERMINATE /
/// CHAIN_CONSTRAINTS_FAILURE (`V_TSA_NOT_TIMESTAMPING`), whatever it chains to.
fn tsa_usage(signer: Option<&Cert>, check: &mut Check, f: &mut Failures) {
    if signer.is_none_or(Cert::is_time_stamping) {
        return;
    }
    *check = f.fail(
        Indication::Indeterminate,
        Sub::ChainConstraintsFailure,
        "V_TSA_NOT_TIMESTAMPING",
        "the document timestamp's signer is no timestamp authority: its certificate lacks the critical extendedKeyUsage timeStamping (RFC 3161 §2.3)",
    );
}

/// The most severe candidate, the first of equals; TOTAL-PASSED when there is none.
fn worst(candidates: Vec<(Indication, Option<Sub>, String)>) -> (Indication, Option<Sub>, String) {
    let max = candidates.iter().map(|c| c.0).max();
    candidates
        .into_iter()
        .find(|c| Some(c.0) == max)
        .unwrap_or((Indication::TotalPassed, None, "V_OK".into()))
}

/// What the report says of the file itself.
pub(crate) struct File {
    /// SHA-256 of the whole file.
    pub(crate) sha256: Vec<u8>,
    /// Its length, bytes.
    pub(crate) size: usize,
}

/// The document's report: the worst signature decides.
pub(crate) fn document(
    file: &File,
    ends: &[RevisionEnd],
    signatures: Vec<SignatureReport>,
    notes: Vec<String>,
    at: OffsetDateTime,
    orphans: usize,
) -> Report {
    let (indication, sub_indication, reason) = if signatures.is_empty() && orphans > 0 {
        // Signature dictionaries that no field refers to any more: a signature was removed
        // from the form after signing, which is no unsigned document.
        (
            Indication::TotalFailed,
            Some(Sub::FormatFailure),
            "V_SIGNATURE_REMOVED".to_string(),
        )
    } else if signatures.is_empty() {
        (
            Indication::Indeterminate,
            Some(Sub::SignedDataNotFound),
            "V_NO_SIGNATURE".to_string(),
        )
    } else {
        worst(
            signatures
                .iter()
                .map(|s| (s.indication, s.sub_indication, s.reason.clone()))
                .collect(),
        )
    };
    Report {
        schema: REPORT_SCHEMA,
        sha256: certs::hex_lower(&file.sha256),
        size: file.size as u64,
        revisions: ends.len(),
        revision_lengths: ends.iter().map(|e| e.end_eol as u64).collect(),
        validation_time: rfc3339(at),
        signatures,
        indication,
        sub_indication,
        reason,
        notes,
    }
}
