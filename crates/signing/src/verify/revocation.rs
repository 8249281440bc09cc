//! Revocation of the signer's certificate, from CRLs (RFC 5280 §5, §6.3, simplified): CRLs
//! found in the document's /DSS (ETSI EN 319 142-1 §5.4.2), in the CMS SignedData `crls`
//! field (RFC 5652 §5.1) and given by the caller ([`super::Policy::crls`]). A CRL counts for a
//! certificate when its issuer is the certificate's issuer and its signature verifies with that
//! issuer's key; it need not be current: a revocation it lists stays a revocation.
//!
//! The rule (ETSI TS 119 102-1 §5.2.6, simplified): a signature whose time is at or after the
//! revocation time fails (TOTAL-FAILED / REVOKED); one whose time is before it stands, with a
//! note. The signature's time is a trusted signature timestamp's genTime when there is one, else
//! the time the signer claims (`/M`), and the report says which. With reason keyCompromise a
//! claimed time is no proof (whoever holds the key can write any `/M`); that nuance is reported,
//! not decided. Only the signer's certificate is checked, not the CAs above it.
//!
//! No CRL covers the certificate: the verdict is left as it is and the report says that
//! revocation was not checked.

use der::Decode;
use lopdf::{Document, Object, Stream};
use time::OffsetDateTime;
use x509_cert::crl::CertificateList;

use super::ber::{self, tag};
use super::certs::Cert;
use super::crypto::{self, Algorithm, Hash};
use super::dictionary::rfc3339;
use crate::reader::deferred_range;
use crate::source::{Source, window};

/// Most CRLs considered for one document (from all sources together).
pub(crate) const MAX_CRLS: usize = 64;
/// Largest CRL read, bytes.
pub(crate) const MAX_CRL_BYTES: usize = 4 * 1024 * 1024;

const OID_REASON_CODE: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("2.5.29.21");
const OID_CRL_NUMBER: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("2.5.29.20");

/// Where a CRL was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// The document's /DSS /CRLs.
    Dss,
    /// The signature's CMS `crls`.
    Cms,
    /// Given by the verifier's caller (`sahih verify --crl`, the service's own CRL).
    Policy,
}

impl Origin {
    fn as_str(self) -> &'static str {
        match self {
            Origin::Dss => "the document's DSS",
            Origin::Cms => "the signature's CMS",
            Origin::Policy => "the verifier's own list",
        }
    }
}

/// One revoked certificate of a CRL.
#[derive(Debug, Clone)]
struct Entry {
    serial: Vec<u8>,
    revoked_at: i64,
    reason: Option<u8>,
}

/// A parsed CRL, its signature not yet checked.
#[derive(Debug, Clone)]
pub(crate) struct Crl {
    der: Vec<u8>,
    issuer_der: Vec<u8>,
    this_update: i64,
    next_update: Option<i64>,
    number: Option<String>,
    entries: Vec<Entry>,
    origin: Origin,
}

fn secs(t: x509_cert::time::Time) -> i64 {
    t.to_unix_duration().as_secs() as i64
}

impl Crl {
    /// Parses DER; `None` when it is not a CRL (RFC 5280 §5.1) or is too large.
    pub(crate) fn parse(der: &[u8], origin: Origin) -> Option<Crl> {
        if der.len() > MAX_CRL_BYTES {
            return None;
        }
        let list = CertificateList::<x509_cert::certificate::Rfc5280>::from_der(der).ok()?;
        let tbs = &list.tbs_cert_list;
        let entries = tbs
            .revoked_certificates
            .iter()
            .flatten()
            .map(|e| Entry {
                serial: e.serial_number.as_bytes().to_vec(),
                revoked_at: secs(e.revocation_date),
                reason: e.crl_entry_extensions.iter().flatten().find_map(|x| {
                    // ENUMERATED (0x0a), one octet.
                    match (x.extn_id == OID_REASON_CODE, x.extn_value.as_bytes()) {
                        (true, [0x0a, 0x01, code]) => Some(*code),
                        _ => None,
                    }
                }),
            })
            .collect();
        let number = tbs.crl_extensions.iter().flatten().find_map(|x| {
            (x.extn_id == OID_CRL_NUMBER)
                .then(|| ber::parse(x.extn_value.as_bytes()).ok())
                .flatten()
                .map(|(t, _)| super::certs::hex_lower(t.content))
        });
        Some(Crl {
            der: der.to_vec(),
            issuer_der: der::Encode::to_der(&tbs.issuer).ok()?,
            this_update: secs(tbs.this_update),
            next_update: tbs.next_update.map(secs),
            number,
            entries,
            origin,
        })
    }

    /// Whether `issuer` issued this CRL: names match and the signature verifies.
    fn issued_by(&self, issuer: &Cert) -> bool {
        if self.issuer_der != issuer.subject_der() {
            return false;
        }
        let (Some(spki), Some((tbs, alg, sig))) = (issuer.spki(), split_signed(&self.der)) else {
            return false;
        };
        crypto::verify(&spki, &alg, Hash::Sha256, &[tbs], sig).is_ok()
    }
}

/// The raw to-be-signed part, the algorithm and the signature of a signed X.509 structure
/// (a certificate or a CRL: `SEQUENCE { tbs, AlgorithmIdentifier, BIT STRING }`).
fn split_signed(der: &[u8]) -> Option<(&[u8], Algorithm<'_>, &[u8])> {
    let (outer, _) = ber::parse(der).ok()?;
    let parts = outer.expect(tag::SEQUENCE).ok()?.children().ok()?;
    let [tbs, alg, sig] = parts.as_slice() else {
        return None;
    };
    let alg = Algorithm::read(*alg).ok()?;
    let bits = sig.expect(tag::BIT_STRING).ok()?.content;
    let (unused, value) = bits.split_first()?;
    (*unused == 0).then_some((tbs.raw, alg, value))
}

/// The time a signature is judged at, and where it came from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SignatureTime {
    pub(crate) at: i64,
    pub(crate) source: TimeSource,
}

/// Where a signature's time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeSource {
    /// A trusted signature timestamp's genTime (proof of existence).
    Timestamp,
    /// A trusted document timestamp's genTime, of a later revision covering the signature
    /// (proof of existence, ETSI EN 319 142-1 §5.4.3).
    DocumentTimestamp,
    /// The signer's claimed `/M`: not proof.
    Claimed,
    /// Neither: the validation time.
    Validation,
}

impl TimeSource {
    /// Whether the time is proof of existence (a trusted timestamp), not a claim.
    pub(crate) fn is_proof(self) -> bool {
        matches!(self, TimeSource::Timestamp | TimeSource::DocumentTimestamp)
    }

    fn as_str(self) -> &'static str {
        match self {
            TimeSource::Timestamp => "the signature timestamp",
            TimeSource::DocumentTimestamp => "a document timestamp covering the signature",
            TimeSource::Claimed => "the time the signer claims (/M), not proven by a timestamp",
            TimeSource::Validation => "the validation time (the signature states no time)",
        }
    }
}

/// What the CRLs say of one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Status {
    /// No CRL covers it.
    NotChecked,
    /// CRLs cover it and none lists it; the newest covering CRL's thisUpdate, nextUpdate,
    /// number and origin.
    Good {
        this_update: i64,
        next_update: Option<i64>,
        number: Option<String>,
        origin: &'static str,
    },
    /// Listed: the earliest revocation time found, its reason code.
    Revoked { at: i64, reason: Option<u8> },
}

/// The status of `cert`, whose issuer is among `issuers`, by `crls`.
pub(crate) fn status(cert: &Cert, issuers: &[Cert], crls: &[&Crl]) -> Status {
    let Some(issuer) = issuers.iter().find(|i| cert.issued_by(i)) else {
        return Status::NotChecked;
    };
    let covering: Vec<&Crl> = crls
        .iter()
        .copied()
        .filter(|c| c.issued_by(issuer))
        .collect();
    let listed = covering
        .iter()
        .flat_map(|c| c.entries.iter())
        .filter(|e| e.serial == cert.serial())
        .min_by_key(|e| e.revoked_at);
    if let Some(e) = listed {
        return Status::Revoked {
            at: e.revoked_at,
            reason: e.reason,
        };
    }
    match covering.iter().max_by_key(|c| c.this_update) {
        Some(c) => Status::Good {
            this_update: c.this_update,
            next_update: c.next_update,
            number: c.number.clone(),
            origin: c.origin.as_str(),
        },
        None => Status::NotChecked,
    }
}

/// The RFC 5280 §5.3.1 name of a reason code.
pub(crate) fn reason_name(code: Option<u8>) -> &'static str {
    match code {
        None => "no reason given",
        Some(0) => "unspecified",
        Some(1) => "keyCompromise",
        Some(2) => "cACompromise",
        Some(3) => "affiliationChanged",
        Some(4) => "superseded",
        Some(5) => "cessationOfOperation",
        Some(6) => "certificateHold",
        Some(8) => "removeFromCRL",
        Some(9) => "privilegeWithdrawn",
        Some(10) => "aACompromise",
        Some(_) => "an unknown reason",
    }
}

/// The decision on one signature's revocation, with the detail to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Judgement {
    /// A CRL current at the signature's time does not list the certificate.
    Good(String),
    /// Revoked, but proof of existence (a trusted timestamp) places the signature before the
    /// revocation: it stands, with a note.
    RevokedAfterSigning(String),
    /// Revoked, and only the signer's claim (`/M`) places the signature before the revocation:
    /// INDETERMINATE / REVOKED_NO_POE (ETSI TS 119 102-1 §5.5.4, Table 5).
    RevokedNoPoe(String),
    /// Revoked at or before the signature's time: TOTAL-FAILED / REVOKED.
    Revoked(String),
}

/// The decision on one signature (ETSI TS 119 102-1 §5.2.6 and §5.5.4, simplified); `None`
/// when revocation was not checked (no CRL covers the certificate, or none that was current at
/// the signature's time says it was not revoked).
///
/// A CRL is evidence of "not revoked" at the signature's time only when it was current then:
/// its nextUpdate is at or after `time` (or it has none and its thisUpdate is after `time`).
/// A CRL past its nextUpdate today is fine (validation data of an old document ages); one
/// already stale when the signature was made proves nothing about that moment.
pub(crate) fn judge(
    status: &Status,
    time: SignatureTime,
    validation_time: OffsetDateTime,
) -> Option<Judgement> {
    let when = |t: i64| {
        OffsetDateTime::from_unix_timestamp(t)
            .map(rfc3339)
            .unwrap_or_else(|_| t.to_string())
    };
    match status {
        Status::NotChecked => None,
        Status::Good {
            this_update,
            next_update,
            number,
            origin,
        } => {
            let current_then = match next_update {
                Some(n) => *n >= time.at,
                None => *this_update > time.at,
            };
            if !current_then {
                return None;
            }
            let stale = next_update
                .filter(|n| *n < validation_time.unix_timestamp())
                .map(|n| format!("; that CRL was due to be replaced at {}", when(n)))
                .unwrap_or_default();
            let number = number
                .as_ref()
                .map(|n| format!(" number {n}"))
                .unwrap_or_default();
            Some(Judgement::Good(format!(
                "not revoked: not listed in the CRL{number} of {} from {origin}{stale}",
                when(*this_update)
            )))
        }
        Status::Revoked { at, reason } => {
            let name = reason_name(*reason);
            let proven = time.source.is_proof();
            let nuance = if *reason == Some(1) && !proven {
                "; the key was compromised, and a time without a timestamp is the key holder's claim"
            } else {
                ""
            };
            let detail = format!(
                "the signer's certificate was revoked at {} ({name}); the signature's time is {} by {}{nuance}",
                when(*at),
                when(time.at),
                time.source.as_str()
            );
            Some(if time.at >= *at {
                Judgement::Revoked(detail)
            } else if proven {
                Judgement::RevokedAfterSigning(format!(
                    "{detail}: a trusted timestamp proves it was signed before the revocation, so it stands"
                ))
            } else {
                Judgement::RevokedNoPoe(format!(
                    "{detail}: no trusted timestamp proves the signature existed before the revocation, so its validity cannot be decided"
                ))
            })
        }
    }
}

/// Whether the CRL `crl_der` (DER), issued by `cert`'s issuer (found among `issuers` and
/// checked by its signature), lists `cert`: `Ok(Some((revocation time, reason name)))` when it
/// does, `Ok(None)` when it does not.
///
/// Errors: a sentence when the bytes are no CRL, or no certificate of `issuers` issued both
/// the certificate and the CRL.
pub fn listed_in(
    crl_der: &[u8],
    cert: &x509_cert::Certificate,
    issuers: &[x509_cert::Certificate],
) -> Result<Option<(OffsetDateTime, &'static str)>, String> {
    let crl = Crl::parse(crl_der, Origin::Policy).ok_or("the file is not a DER CRL")?;
    let cert = Cert::from_parsed(cert).ok_or("the certificate cannot be encoded")?;
    let issuers: Vec<Cert> = issuers.iter().filter_map(Cert::from_parsed).collect();
    match status(&cert, &issuers, &[&crl]) {
        Status::NotChecked => Err(
            "the CRL is not signed by the certificate's issuer (give the issuer with --chain)"
                .into(),
        ),
        Status::Good { .. } => Ok(None),
        Status::Revoked { at, reason } => Ok(Some((
            OffsetDateTime::from_unix_timestamp(at).map_err(|e| e.to_string())?,
            reason_name(reason),
        ))),
    }
}

/// Checks the CRLs meant for a B-LT DSS (ETSI EN 319 142-1 §5.4.2) at `now` (UNIX seconds),
/// before anything is written: each CRL (DER) is signed by the issuer of a certificate of
/// `pool` (found in `pool`), current (thisUpdate ≤ `now` ≤ nextUpdate), and lists no
/// certificate of `chain`; and every certificate of `chain` (the signer's, anchors left out by
/// the caller) is covered by one of them (RFC 5280 §6.3, simplified).
///
/// Errors: a sentence naming the CRL (by position, 1-based) or the certificate (by subject).
pub(crate) fn check_for_dss(
    chain: &[Cert],
    pool: &[Cert],
    crls: &[Vec<u8>],
    now: i64,
) -> Result<(), String> {
    let when = |t: i64| {
        OffsetDateTime::from_unix_timestamp(t)
            .map(rfc3339)
            .unwrap_or_else(|_| t.to_string())
    };
    let mut parsed = Vec::with_capacity(crls.len());
    for (i, der) in crls.iter().enumerate() {
        let n = i + 1;
        let crl = Crl::parse(der, Origin::Policy).ok_or(format!("CRL {n} is not a DER CRL"))?;
        let issuer = pool
            .iter()
            .find(|i| crl.issued_by(i) && pool.iter().any(|c| c.issued_by(i)))
            .ok_or(format!(
                "CRL {n} is not signed by the issuer of any certificate of the signature"
            ))?;
        let current = crl.this_update <= now && crl.next_update.is_some_and(|t| t >= now);
        if !current {
            let next = crl.next_update.map_or("no nextUpdate".to_string(), |t| {
                format!("nextUpdate {}", when(t))
            });
            return Err(format!(
                "CRL {n} of {} is not current (thisUpdate {}, {next})",
                issuer.subject(),
                when(crl.this_update)
            ));
        }
        parsed.push(crl);
    }
    let all: Vec<&Crl> = parsed.iter().collect();
    for cert in chain {
        match status(cert, pool, &all) {
            Status::Good { .. } => {}
            Status::Revoked { at, reason } => {
                return Err(format!(
                    "a CRL lists {} as revoked at {} ({})",
                    cert.subject(),
                    when(at),
                    reason_name(reason)
                ));
            }
            Status::NotChecked => {
                return Err(format!(
                    "no CRL of the issuer of {} was given",
                    cert.subject()
                ));
            }
        }
    }
    Ok(())
}

/// The CRLs of the document's `/DSS /CRLs` (ETSI EN 319 142-1 §5.4.2.2): each a stream of a
/// DER CertificateList, read from the file (deferred streams) and decoded; at most
/// [`MAX_CRLS`], each at most [`MAX_CRL_BYTES`]. Unreadable entries are skipped.
pub(crate) fn from_dss(src: &dyn Source, doc: &Document) -> Vec<Crl> {
    let Ok(root) = crate::pdf::catalog_id(doc) else {
        return Vec::new();
    };
    let dss = doc
        .get_dictionary(root)
        .ok()
        .and_then(|c| c.get(b"DSS").ok())
        .and_then(|d| crate::pdf::resolve(doc, d))
        .and_then(|d| d.as_dict().ok());
    let crls = dss
        .and_then(|d| d.get(b"CRLs").ok())
        .and_then(|a| crate::pdf::resolve(doc, a))
        .and_then(|a| a.as_array().ok());
    crls.into_iter()
        .flatten()
        .take(MAX_CRLS)
        .filter_map(|entry| match crate::pdf::resolve(doc, entry)? {
            Object::Stream(s) => stream_bytes(src, s),
            _ => None,
        })
        .filter_map(|der| Crl::parse(&der, Origin::Dss))
        .collect()
}

/// A stream's decoded data: read from the file when the reader deferred it.
fn stream_bytes(src: &dyn Source, stream: &Stream) -> Option<Vec<u8>> {
    let mut stream = stream.clone();
    if let Some(range) = deferred_range(&stream) {
        if range.len() > MAX_CRL_BYTES {
            return None;
        }
        let data = window(src, range.start, range.len()).ok()?;
        (data.len() == range.len()).then_some(())?;
        stream.set_content(data.into_owned());
    }
    if stream.dict.has(b"Filter") {
        stream.decompressed_content_with_limit(MAX_CRL_BYTES).ok()
    } else {
        Some(stream.content)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(at: i64, source: TimeSource) -> SignatureTime {
        SignatureTime { at, source }
    }

    #[test]
    fn a_signature_at_or_after_the_revocation_fails_and_one_proven_before_stands() {
        let revoked = Status::Revoked {
            at: 1_000,
            reason: Some(3),
        };
        let now = OffsetDateTime::now_utc();
        for source in [TimeSource::Timestamp, TimeSource::DocumentTimestamp] {
            for (t, fails) in [(999, false), (1_000, true), (1_001, true)] {
                let out = judge(&revoked, at(t, source), now).expect("checked");
                assert_eq!(
                    matches!(out, Judgement::Revoked(_)),
                    fails,
                    "signed at {t}: {out:?}"
                );
                if !fails {
                    assert!(matches!(out, Judgement::RevokedAfterSigning(_)), "{out:?}");
                }
            }
        }
        assert_eq!(
            judge(&Status::NotChecked, at(5, TimeSource::Claimed), now),
            None
        );
    }

    #[test]
    fn a_claimed_time_before_the_revocation_is_no_proof_and_leaves_it_indeterminate() {
        let now = OffsetDateTime::now_utc();
        for reason in [Some(1), Some(3), None] {
            let revoked = Status::Revoked { at: 1_000, reason };
            let out = judge(&revoked, at(10, TimeSource::Claimed), now).expect("checked");
            let Judgement::RevokedNoPoe(detail) = out else {
                panic!("{reason:?}: {out:?}");
            };
            assert!(detail.contains("claims (/M)"), "{detail}");
            assert!(detail.contains("no trusted timestamp"), "{detail}");
            if reason == Some(1) {
                assert!(detail.contains("key holder's claim"), "{detail}");
            }
            // A claimed time at or after the revocation is the signer's own admission.
            let late = judge(&revoked, at(1_000, TimeSource::Claimed), now);
            assert!(matches!(late, Some(Judgement::Revoked(_))), "{late:?}");
        }
    }

    #[test]
    fn a_crl_counts_as_not_revoked_only_when_current_at_the_signatures_time() {
        let now = OffsetDateTime::now_utc();
        let good = |this_update, next_update| Status::Good {
            this_update,
            next_update,
            number: None,
            origin: "the document's DSS",
        };
        let t = at(1_000, TimeSource::Timestamp);
        // Stale already when the signature was made: proves nothing about that moment.
        assert_eq!(judge(&good(100, Some(999)), t, now), None);
        assert_eq!(judge(&good(100, None), t, now), None);
        // Current at the signature's time, long past its nextUpdate now: evidence.
        for status in [
            good(100, Some(1_000)),
            good(100, Some(5_000)),
            good(1_001, None),
        ] {
            let out = judge(&status, t, now);
            assert!(
                matches!(out, Some(Judgement::Good(_))),
                "{status:?}: {out:?}"
            );
        }
    }

    #[test]
    fn bytes_that_are_no_crl_are_skipped() {
        assert!(Crl::parse(b"not a crl", Origin::Policy).is_none());
        assert!(Crl::parse(&[], Origin::Dss).is_none());
    }
}
