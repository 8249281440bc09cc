//! From findings to indications (ETSI TS 119 102-1 §5.1.3): each signature's checks become one
//! indication with a sub-indication and a stable reason code; the document's verdict is the
//! worst signature's.

use lopdf::{Dictionary, Object};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Policy;
use super::certs::{self, Cert, PathOutcome};
use super::diff::Finding;
use super::report::{
    Check, Indication, ModificationLevel as Level, Modifications, REPORT_SCHEMA, Report,
    SignatureKind, SignatureReport, Signer, SubIndication as Sub, Timestamp,
};
use super::revision::RevisionEnd;
use super::signature::{Reading, TokenCheck, binding_detail, crypto_detail, crypto_ok};
use super::signed_data::Binding;

/// What every signature's verdict needs.
pub(crate) struct Context<'a> {
    pub(crate) ends: &'a [RevisionEnd],
    pub(crate) findings: &'a [Finding],
    pub(crate) policy: &'a Policy,
    pub(crate) at: OffsetDateTime,
    pub(crate) has_dss: bool,
    /// DocMDP permission of the document's certification signature.
    pub(crate) docmdp: Option<u8>,
    /// Signed lengths of the document timestamps.
    pub(crate) doc_timestamps: Vec<usize>,
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn unix(secs: i64) -> String {
    OffsetDateTime::from_unix_timestamp(secs)
        .map(rfc3339)
        .unwrap_or_default()
}

/// The DocMDP `/P` of a certification signature dictionary (ISO 32000-2 §12.8.2.2; default 2).
pub(crate) fn docmdp(sig: &Dictionary) -> Option<u8> {
    transforms(sig).into_iter().find_map(|(method, params)| {
        (method == b"DocMDP").then(|| {
            params
                .and_then(|p| p.get(b"P").and_then(Object::as_i64).ok())
                .and_then(|p| u8::try_from(p).ok())
                .filter(|p| (1..=3).contains(p))
                .unwrap_or(2)
        })
    })
}

pub(crate) fn is_doc_timestamp(sig: &Dictionary) -> bool {
    sig.get(b"Type").and_then(Object::as_name).ok() == Some(b"DocTimeStamp")
        || sig.get(b"SubFilter").and_then(Object::as_name).ok() == Some(b"ETSI.RFC3161")
}

fn transforms(sig: &Dictionary) -> Vec<(Vec<u8>, Option<&Dictionary>)> {
    let Ok(refs) = sig.get(b"Reference").and_then(Object::as_array) else {
        return Vec::new();
    };
    refs.iter()
        .filter_map(|r| r.as_dict().ok())
        .filter_map(|r| {
            let method = r
                .get(b"TransformMethod")
                .and_then(Object::as_name)
                .ok()?
                .to_vec();
            Some((
                method,
                r.get(b"TransformParams").and_then(Object::as_dict).ok(),
            ))
        })
        .collect()
}

/// Whether FieldMDP of `sig` locks the field named `name` (ISO 32000-2 §12.8.2.4).
fn locks(sig: &Dictionary, name: &str) -> bool {
    transforms(sig).into_iter().any(|(method, params)| {
        if method != b"FieldMDP" {
            return false;
        }
        let Some(params) = params else { return false };
        let listed = params
            .get(b"Fields")
            .and_then(Object::as_array)
            .map(|f| {
                f.iter()
                    .filter_map(|n| lopdf::decode_text_string(n).ok())
                    .any(|n| n == name)
            })
            .unwrap_or(false);
        match params.get(b"Action").and_then(Object::as_name).ok() {
            Some(b"All") => true,
            Some(b"Include") => listed,
            Some(b"Exclude") => !listed,
            _ => false,
        }
    })
}

fn text(dict: &Dictionary, key: &[u8]) -> Option<String> {
    dict.get(key)
        .ok()
        .and_then(|v| lopdf::decode_text_string(v).ok())
}

/// `D:YYYYMMDDHHmmSSOHH'mm'` (ISO 32000-2 §7.9.4) as RFC 3339; partial dates are completed.
fn pdf_date(s: &str) -> Option<String> {
    let s = s.strip_prefix("D:").unwrap_or(s);
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    if digits.len() < 4 {
        return None;
    }
    let part = |r: std::ops::Range<usize>, d: &str| digits.get(r).unwrap_or(d).to_string();
    let rest = &s[digits.len()..];
    let offset = match rest.chars().next() {
        Some(sign @ ('+' | '-')) => {
            let nums: String = rest[1..].chars().filter(char::is_ascii_digit).collect();
            format!(
                "{sign}{}:{}",
                nums.get(0..2).unwrap_or("00"),
                nums.get(2..4).unwrap_or("00")
            )
        }
        _ => "Z".into(),
    };
    let out = format!(
        "{}-{}-{}T{}:{}:{}{}",
        part(0..4, "0000"),
        part(4..6, "01"),
        part(6..8, "01"),
        part(8..10, "00"),
        part(10..12, "00"),
        part(12..14, "00"),
        offset
    );
    OffsetDateTime::parse(&out, &Rfc3339).ok().map(rfc3339)
}

fn signer_of(cert: &Cert) -> Signer {
    let (from, to) = cert.validity();
    Signer {
        common_name: cert.common_name(),
        organization: cert.organization(),
        subject: cert.subject(),
        issuer: cert.issuer(),
        serial: certs::hex_lower(cert.serial()),
        not_before: unix(from),
        not_after: unix(to),
        sha256: cert.fingerprint(),
    }
}

impl Context<'_> {
    fn anchors(&self) -> Vec<Cert> {
        self.policy
            .trust_anchors
            .iter()
            .filter_map(Cert::from_parsed)
            .collect()
    }

    fn timestamp(&self, token: &TokenCheck) -> Timestamp {
        let tsa = token.signer.as_ref().and_then(|s| s.signer.as_ref());
        let trusted = tsa.is_some_and(|cert| {
            matches!(
                certs::build_path(cert, &token.certs, &self.anchors(), self.at),
                PathOutcome::Trusted { .. }
            )
        });
        Timestamp {
            time: token
                .info
                .as_ref()
                .map(|i| unix(i.gen_time))
                .unwrap_or_default(),
            tsa: tsa.map(Cert::subject),
            intact: token.intact(),
            trusted: token.intact() && trusted,
        }
    }

    /// The report for one signature.
    pub(crate) fn signature(&self, field: &str, dict: &Dictionary, r: &Reading) -> SignatureReport {
        let doc_ts = is_doc_timestamp(dict);
        let own_docmdp = docmdp(dict);
        let kind = if doc_ts {
            SignatureKind::DocumentTimestamp
        } else if own_docmdp.is_some() {
            SignatureKind::Certification
        } else {
            SignatureKind::Approval
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
        let mut candidates: Vec<(Indication, Option<Sub>, String)> = Vec::new();
        let mut fail = |ind: Indication, sub: Sub, code: &str| {
            candidates.push((ind, Some(sub), code.to_string()))
        };

        let byte_range_check = match &r.format_failure {
            Some((code, detail)) => {
                fail(Indication::TotalFailed, Sub::FormatFailure, code);
                Check::fail(code, detail.clone())
            }
            None if revision.is_none() => {
                fail(
                    Indication::TotalFailed,
                    Sub::FormatFailure,
                    "V_NOT_REVISION_END",
                );
                Check::fail(
                    "V_NOT_REVISION_END",
                    "the signed bytes do not end where a revision ends",
                )
            }
            None => {
                Check::pass("ByteRange covers one revision, except exactly the /Contents string")
            }
        };
        let integrity = match (r.content_matches, &r.signer) {
            (_, Some(s)) if !s.attrs_der => {
                fail(
                    Indication::TotalFailed,
                    Sub::HashFailure,
                    "V_SIGNED_ATTRS_NOT_DER",
                );
                Check::fail(
                    "V_SIGNED_ATTRS_NOT_DER",
                    "the signed attributes are not DER-encoded (RFC 5652 §5.4), so what was signed is not what the attributes say",
                )
            }
            (Some(true), Some(s)) if s.digest_matches == Some(true) => Check::pass(format!(
                "{} digest of the signed bytes matches",
                s.digest_name
            )),
            (_, Some(s)) if s.digest.is_none() => {
                fail(
                    Indication::TotalFailed,
                    Sub::SigCryptoFailure,
                    "V_ALGORITHM_UNSUPPORTED",
                );
                Check::fail(
                    "V_ALGORITHM_UNSUPPORTED",
                    format!("unsupported digest algorithm {}", s.digest_name),
                )
            }
            (None, None) => Check::fail("V_NOT_CHECKED", "not checked"),
            _ => {
                fail(
                    Indication::TotalFailed,
                    Sub::HashFailure,
                    "V_DIGEST_MISMATCH",
                );
                Check::fail(
                    "V_DIGEST_MISMATCH",
                    "the signed bytes were changed: their digest does not match the signed one",
                )
            }
        };
        let crypto = match &r.signer {
            None => Check::fail("V_NOT_CHECKED", "not checked"),
            Some(s) if crypto_ok(s) => {
                Check::pass(format!("the signature value verifies ({})", s.digest_name))
            }
            Some(s) if !s.content_type_ok => {
                fail(
                    Indication::TotalFailed,
                    Sub::FormatFailure,
                    "V_CMS_MALFORMED",
                );
                Check::fail(
                    "V_CMS_MALFORMED",
                    "the content-type attribute does not match the signed content",
                )
            }
            Some(s) => match &s.signature {
                Err(e @ super::crypto::CryptoFailure::Unsupported(_)) => {
                    fail(
                        Indication::TotalFailed,
                        Sub::SigCryptoFailure,
                        "V_ALGORITHM_UNSUPPORTED",
                    );
                    Check::fail("V_ALGORITHM_UNSUPPORTED", crypto_detail(e))
                }
                Err(e) if s.signer.is_none() && !s.identified => {
                    fail(
                        Indication::Indeterminate,
                        Sub::NoSigningCertificateFound,
                        "V_SIGNER_CERT_MISSING",
                    );
                    Check::fail(
                        "V_SIGNER_CERT_MISSING",
                        format!(
                            "no certificate in the signature verifies it: {}",
                            crypto_detail(e)
                        ),
                    )
                }
                Err(e) => {
                    fail(
                        Indication::TotalFailed,
                        Sub::SigCryptoFailure,
                        "V_SIGNATURE_INVALID",
                    );
                    Check::fail("V_SIGNATURE_INVALID", crypto_detail(e))
                }
                Ok(()) => Check::pass("verified"),
            },
        };
        let signing_certificate = self.binding_check(r, &sub_filter, &mut fail);
        let modifications = self.modifications(dict, revision, own_docmdp, doc_ts, &mut fail);
        if r.signer.as_ref().is_some_and(|s| s.legacy_algorithm) {
            fail(
                Indication::Indeterminate,
                Sub::CryptoConstraintsFailure,
                "V_LEGACY_ALGORITHM",
            );
        }
        let (poe, checked_at_source) = match (&timestamp, &r.doc_timestamp) {
            (Some(t), _) if t.trusted => (
                r.timestamp
                    .as_ref()
                    .and_then(|t| t.info.as_ref())
                    .map(|i| i.gen_time),
                "signature timestamp",
            ),
            _ => (
                None,
                if self.policy.at.is_some() {
                    "validation time given"
                } else {
                    "current time"
                },
            ),
        };
        let checked_at = poe
            .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
            .unwrap_or(self.at);
        let (trust, chain) = match &signer_cert {
            None => (
                Check::fail("V_NOT_CHECKED", "no signer certificate"),
                Vec::new(),
            ),
            Some(cert) => {
                let mut pool = r.certs.clone();
                if let Some(t) = &r.timestamp {
                    pool.extend(t.certs.iter().cloned());
                }
                match certs::build_path(cert, &pool, &self.anchors(), checked_at) {
                    PathOutcome::Trusted { path } => (
                        Check::pass("the certificate chains to a trust anchor and is valid"),
                        path,
                    ),
                    PathOutcome::NoAnchor { path } => {
                        fail(
                            Indication::Indeterminate,
                            Sub::NoCertificateChainFound,
                            "V_UNTRUSTED",
                        );
                        (
                            Check::fail(
                                "V_UNTRUSTED",
                                "the certificate does not chain to a trusted anchor",
                            ),
                            path,
                        )
                    }
                    PathOutcome::OutOfValidity { path, subject } => {
                        fail(
                            Indication::Indeterminate,
                            Sub::OutOfBoundsNoPoe,
                            "V_CERT_OUT_OF_VALIDITY",
                        );
                        (
                            Check::fail(
                                "V_CERT_OUT_OF_VALIDITY",
                                format!("{subject} is not valid at {}", rfc3339(checked_at)),
                            ),
                            path,
                        )
                    }
                }
            }
        };
        let (indication, sub_indication, reason) = worst(candidates);
        let signed_length = r.signed_end.map(|e| e as u64);
        SignatureReport {
            field: field.to_string(),
            kind,
            format: self.format(&sub_filter, timestamp.is_some(), r.signed_end, doc_ts),
            sub_filter,
            signer: signer_cert.as_ref().map(signer_of),
            claimed_time: text(dict, b"M").and_then(|m| pdf_date(&m)),
            timestamp: timestamp.or_else(|| {
                r.doc_timestamp.as_ref().map(|i| Timestamp {
                    time: unix(i.gen_time),
                    tsa: signer_cert.as_ref().map(Cert::subject),
                    intact: integrity.ok && crypto.ok,
                    trusted: trust.ok,
                })
            }),
            byte_range: r.byte_range.clone(),
            revision: revision.map(|i| i + 1),
            signed_length,
            covers_whole_file: revision.is_some()
                && revision == Some(self.ends.len() - 1)
                && modifications.changes.is_empty(),
            byte_range_check,
            integrity,
            crypto,
            signing_certificate,
            modifications,
            trust,
            chain,
            checked_at: rfc3339(checked_at),
            checked_at_source: checked_at_source.into(),
            indication,
            sub_indication,
            reason,
        }
    }

    fn binding_check(
        &self,
        r: &Reading,
        sub_filter: &str,
        fail: &mut impl FnMut(Indication, Sub, &str),
    ) -> Check {
        let Some(s) = &r.signer else {
            return Check::fail("V_NOT_CHECKED", "not checked");
        };
        if s.signer.is_some() && !s.identified {
            fail(
                Indication::Indeterminate,
                Sub::NoSigningCertificateFound,
                "V_SIGNER_NOT_IDENTIFIED",
            );
            return Check::fail(
                "V_SIGNER_NOT_IDENTIFIED",
                "the SignerInfo does not name the certificate that verifies it",
            );
        }
        match s.binding {
            Binding::Mismatch => {
                fail(
                    Indication::Indeterminate,
                    Sub::NoSigningCertificateFound,
                    "V_SIGNING_CERT_MISMATCH",
                );
                Check::fail("V_SIGNING_CERT_MISMATCH", binding_detail(s.binding))
            }
            Binding::Absent if sub_filter == "ETSI.CAdES.detached" && s.has_signed_attrs => {
                fail(
                    Indication::Indeterminate,
                    Sub::NoSigningCertificateFound,
                    "V_SIGNING_CERT_ATTR_MISSING",
                );
                Check::fail("V_SIGNING_CERT_ATTR_MISSING", binding_detail(s.binding))
            }
            b => Check::pass(binding_detail(b)),
        }
    }

    fn modifications(
        &self,
        dict: &Dictionary,
        revision: Option<usize>,
        own_docmdp: Option<u8>,
        doc_ts: bool,
        fail: &mut impl FnMut(Indication, Sub, &str),
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
        let limit = match docmdp {
            Some(1) => Level::SignaturesAndTimestamps,
            Some(2) => Level::FormFilling,
            _ => Level::Annotations,
        };
        let signature_forbidden = docmdp == Some(1) && after.iter().any(|f| f.new_signature);
        let field_locked = after
            .iter()
            .find_map(|f| f.filled_field.as_ref().filter(|n| locks(dict, n)));
        let allowed = level <= limit && !signature_forbidden && field_locked.is_none();
        if !allowed && !doc_ts {
            let code = if level == Level::Other {
                "V_MODIFIED"
            } else {
                "V_MODIFICATION_NOT_PERMITTED"
            };
            fail(Indication::TotalFailed, Sub::FormatFailure, code);
        } else if !allowed {
            fail(Indication::TotalFailed, Sub::FormatFailure, "V_MODIFIED");
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

/// The most severe candidate, the first of equals; TOTAL-PASSED when there is none.
fn worst(candidates: Vec<(Indication, Option<Sub>, String)>) -> (Indication, Option<Sub>, String) {
    let max = candidates.iter().map(|c| c.0).max();
    candidates
        .into_iter()
        .find(|c| Some(c.0) == max)
        .unwrap_or((Indication::TotalPassed, None, "V_OK".into()))
}

/// The document's report: the worst signature decides.
pub(crate) fn document(
    pdf: &[u8],
    ends: &[RevisionEnd],
    signatures: Vec<SignatureReport>,
    notes: Vec<String>,
    at: OffsetDateTime,
) -> Report {
    let (indication, sub_indication, reason) = if signatures.is_empty() {
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
        sha256: certs::hex_lower(&super::crypto::Hash::Sha256.digest(&[pdf])),
        size: pdf.len() as u64,
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
