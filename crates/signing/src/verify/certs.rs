//! X.509 certificates for validation (RFC 5280): the bytes as found, the parsed certificate,
//! and the certification path from a signer to a trust anchor (RFC 5280 §6, simplified: names
//! chain, each signature verifies, issuers are CAs, every certificate is within its validity
//! period at the time of interest). Revocation is not checked yet.

use der::{Decode, Encode};
use time::OffsetDateTime;
use x509_cert::Certificate;

use super::ber::{self, tag};
use super::crypto::{self, Algorithm, Hash};

/// Longest path accepted, in certificates.
const MAX_PATH: usize = 8;

/// A certificate and the exact bytes it was read from.
#[derive(Debug, Clone)]
pub(crate) struct Cert {
    pub(crate) der: Vec<u8>,
    pub(crate) parsed: Certificate,
}

const OID_CN: const_oid::ObjectIdentifier = const_oid::ObjectIdentifier::new_unwrap("2.5.4.3");
const OID_O: const_oid::ObjectIdentifier = const_oid::ObjectIdentifier::new_unwrap("2.5.4.10");
const OID_SKI: const_oid::ObjectIdentifier = const_oid::ObjectIdentifier::new_unwrap("2.5.29.14");
const OID_BASIC_CONSTRAINTS: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("2.5.29.19");
const OID_EXT_KEY_USAGE: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("2.5.29.37");
/// id-kp-timeStamping (RFC 5280 §4.2.1.12).
const OID_KP_TIME_STAMPING: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");

/// Whether `cert` may sign timestamp tokens: RFC 3161 §2.3 requires an extendedKeyUsage
/// extension, marked critical, whose purposes include id-kp-timeStamping. A certificate
/// without it (an officer's, a CA's) is no timestamp authority, whatever it chains to.
pub(crate) fn is_time_stamping(cert: &Certificate) -> bool {
    let Some(ext) = cert
        .tbs_certificate()
        .extensions()
        .and_then(|e| e.iter().find(|e| e.extn_id == OID_EXT_KEY_USAGE))
    else {
        return false;
    };
    let Ok((seq, _)) = ber::parse(ext.extn_value.as_bytes()) else {
        return false;
    };
    let Ok(purposes) = seq.expect(tag::SEQUENCE).and_then(|s| s.children()) else {
        return false;
    };
    let wanted = OID_KP_TIME_STAMPING.as_bytes();
    ext.critical
        && purposes
            .iter()
            .any(|p| p.tag == 0x06 && p.content == wanted)
}

impl Cert {
    /// Parses DER bytes; `None` when they are not an X.509 certificate.
    pub(crate) fn from_der(der: &[u8]) -> Option<Cert> {
        let parsed = Certificate::from_der(der).ok()?;
        Some(Cert {
            der: der.to_vec(),
            parsed,
        })
    }

    /// From an already parsed certificate (trust anchors read from PEM).
    pub(crate) fn from_parsed(parsed: &Certificate) -> Option<Cert> {
        Some(Cert {
            der: parsed.to_der().ok()?,
            parsed: parsed.clone(),
        })
    }

    /// The SubjectPublicKeyInfo, DER.
    pub(crate) fn spki(&self) -> Option<Vec<u8>> {
        self.parsed
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .ok()
    }

    pub(crate) fn subject_der(&self) -> Vec<u8> {
        self.parsed
            .tbs_certificate()
            .subject()
            .to_der()
            .unwrap_or_default()
    }

    pub(crate) fn issuer_der(&self) -> Vec<u8> {
        self.parsed
            .tbs_certificate()
            .issuer()
            .to_der()
            .unwrap_or_default()
    }

    /// The serial number's content octets.
    pub(crate) fn serial(&self) -> &[u8] {
        self.parsed.tbs_certificate().serial_number().as_bytes()
    }

    /// The subject key identifier extension's value (RFC 5280 §4.2.1.2).
    pub(crate) fn subject_key_id(&self) -> Option<Vec<u8>> {
        self.extension(OID_SKI)
            .and_then(|v| ber::parse(&v).ok().and_then(|(t, _)| t.octets().ok()))
    }

    fn extension(&self, oid: const_oid::ObjectIdentifier) -> Option<Vec<u8>> {
        self.parsed
            .tbs_certificate()
            .extensions()?
            .iter()
            .find(|e| e.extn_id == oid)
            .map(|e| e.extn_value.as_bytes().to_vec())
    }

    /// Whether basicConstraints says cA (RFC 5280 §4.2.1.9).
    pub(crate) fn is_ca(&self) -> bool {
        let Some(value) = self.extension(OID_BASIC_CONSTRAINTS) else {
            return false;
        };
        let Ok((seq, _)) = ber::parse(&value) else {
            return false;
        };
        seq.children()
            .ok()
            .and_then(|c| c.first().copied())
            .is_some_and(|b| b.tag == 0x01 && b.content.first().is_some_and(|v| *v != 0))
    }

    /// Whether this certificate may sign timestamp tokens (see [`is_time_stamping`]).
    pub(crate) fn is_time_stamping(&self) -> bool {
        is_time_stamping(&self.parsed)
    }

    /// Validity period as UNIX seconds.
    pub(crate) fn validity(&self) -> (i64, i64) {
        let v = self.parsed.tbs_certificate().validity();
        let secs = |t: x509_cert::time::Time| t.to_unix_duration().as_secs() as i64;
        (secs(v.not_before), secs(v.not_after))
    }

    /// Whether `at` lies within the validity period.
    pub(crate) fn valid_at(&self, at: OffsetDateTime) -> bool {
        let (from, to) = self.validity();
        let t = at.unix_timestamp();
        from <= t && t <= to
    }

    /// RFC 4514 rendering of the subject.
    pub(crate) fn subject(&self) -> String {
        self.parsed.tbs_certificate().subject().to_string()
    }

    pub(crate) fn issuer(&self) -> String {
        self.parsed.tbs_certificate().issuer().to_string()
    }

    /// The subject's commonName, else the whole subject.
    pub(crate) fn common_name(&self) -> String {
        name_attribute(self.parsed.tbs_certificate().subject(), OID_CN)
            .unwrap_or_else(|| self.subject())
    }

    /// The issuer's commonName, else the whole issuer name.
    pub(crate) fn issuer_common_name(&self) -> String {
        name_attribute(self.parsed.tbs_certificate().issuer(), OID_CN)
            .unwrap_or_else(|| self.issuer())
    }

    pub(crate) fn organization(&self) -> Option<String> {
        name_attribute(self.parsed.tbs_certificate().subject(), OID_O)
    }

    /// Whether `issuer` issued this certificate: names chain and the signature verifies.
    pub(crate) fn issued_by(&self, issuer: &Cert) -> bool {
        if self.issuer_der() != issuer.subject_der() {
            return false;
        }
        let Some(spki) = issuer.spki() else {
            return false;
        };
        let Some((tbs, alg, sig)) = split_certificate(&self.der) else {
            return false;
        };
        crypto::verify(&spki, &alg, Hash::Sha256, &[tbs], sig).is_ok()
    }

    /// SHA-256 fingerprint, lowercase hex.
    pub(crate) fn fingerprint(&self) -> String {
        hex_lower(&Hash::Sha256.digest(&[&self.der]))
    }
}

pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The first value of attribute `oid` in `name`, as text.
fn name_attribute(
    name: &x509_cert::name::Name,
    oid: const_oid::ObjectIdentifier,
) -> Option<String> {
    name.iter()
        .find(|atv| atv.oid == oid)
        .and_then(|atv| directory_string(*atv.value.to_der().ok()?.first()?, atv.value.value()))
}

/// A DirectoryString (RFC 5280 §4.1.2.4) as text.
fn directory_string(tag: u8, value: &[u8]) -> Option<String> {
    match tag {
        0x0c | 0x13 | 0x16 => String::from_utf8(value.to_vec()).ok(),
        0x14 => Some(value.iter().map(|b| char::from(*b)).collect()),
        0x1e => {
            let units: Vec<u16> = value
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}

/// The raw tbsCertificate, the signature algorithm and the signature bits of a certificate.
fn split_certificate(der: &[u8]) -> Option<(&[u8], Algorithm<'_>, &[u8])> {
    let (cert, _) = ber::parse(der).ok()?;
    let parts = cert.expect(tag::SEQUENCE).ok()?.children().ok()?;
    let [tbs, alg, sig] = parts.as_slice() else {
        return None;
    };
    let alg = Algorithm::read(*alg).ok()?;
    let bits = sig.expect(tag::BIT_STRING).ok()?.content;
    // The first content octet counts unused bits; signatures use whole octets.
    let (unused, value) = bits.split_first()?;
    (*unused == 0).then_some((tbs.raw, alg, value))
}

/// The outcome of building a certification path.
#[derive(Debug, Clone)]
pub(crate) enum PathOutcome {
    /// A path from the certificate to a trust anchor; subjects from the certificate upwards.
    Trusted { path: Vec<String> },
    /// A path ends at a certificate that is no anchor and has no known issuer.
    NoAnchor { path: Vec<String> },
    /// The path reaches an anchor but a certificate on it is outside its validity at `at`.
    OutOfValidity { path: Vec<String>, subject: String },
}

/// Builds a path from `leaf` through `pool` to one of `anchors` and checks validity at `at`.
pub(crate) fn build_path(
    leaf: &Cert,
    pool: &[Cert],
    anchors: &[Cert],
    at: OffsetDateTime,
) -> PathOutcome {
    let mut path = vec![leaf.clone()];
    loop {
        let current = path.last().cloned().unwrap_or_else(|| leaf.clone());
        let mut names: Vec<String> = path.iter().map(Cert::subject).collect();
        let is_anchor = anchors.iter().any(|a| a.der == current.der);
        let issuer = anchors.iter().find(|a| current.issued_by(a));
        if is_anchor || issuer.is_some() {
            // The anchor closes the path; as a trusted input its own validity is not checked
            // (RFC 5280 §6.1.1 (d)).
            if let Some(anchor) = issuer.filter(|_| !is_anchor) {
                names.push(anchor.subject());
            }
            if let Some(bad) = path.iter().find(|c| !c.valid_at(at)) {
                return PathOutcome::OutOfValidity {
                    path: names,
                    subject: bad.subject(),
                };
            }
            return PathOutcome::Trusted { path: names };
        }
        if path.len() >= MAX_PATH {
            return PathOutcome::NoAnchor { path: names };
        }
        let next = pool.iter().find(|c| {
            c.der != current.der
                && c.is_ca()
                && !path.iter().any(|p| p.der == c.der)
                && current.issued_by(c)
        });
        match next {
            Some(issuer) => path.push(issuer.clone()),
            None => return PathOutcome::NoAnchor { path: names },
        }
    }
}
