//! Sahih's own certification authority (RFC 5280), for development and for institutions without
//! national certificates: officer certificates issued and renewed, revocations published as a
//! CRL (RFC 5280 §5). Pure: the caller keeps the register of issued certificates (the store)
//! and passes the revoked ones in.
//!
//! Officer certificates carry keyUsage digitalSignature + nonRepudiation (critical,
//! RFC 5280 §4.2.1.3), the officer's name (commonName), position (title, X.520 2.5.4.12) and
//! agency (organizationName), a CRL distribution point (§4.2.1.13) naming the stable URL of
//! the CRL, `<public_url>/pki/crl`, and an authorityInfoAccess caIssuers (§4.2.2.1) naming the
//! CA certificate, `<public_url>/pki/ca.pem`.
//!
//! Renewal re-certifies the officer's existing public key: the key is encrypted under the
//! officer's passphrase, which the admin never knows, so only the officer can replace it
//! (re-key). A new key is made only when an officer has none, or after a keyCompromise.
//!
//! ```no_run
//! use sahih_signing::ca::{Ca, CaUrls, OfficerSubject, Validity, new_officer_key};
//! # fn main() -> Result<(), sahih_signing::SigningError> {
//! let ca = Ca::load_or_create(std::path::Path::new("certs-dev"))?;
//! let (public_key, encrypted_key_pem) = new_officer_key(b"officer passphrase")?;
//! let subject = OfficerSubject {
//!     name: "Rina Wulandari".into(),
//!     position: "Kepala Dinas".into(),
//!     agency: "DPMPTSP".into(),
//! };
//! let urls = CaUrls::under("https://sahih.kota.go.id");
//! let issued = ca.issue(&subject, &public_key, &Validity::days_from_now(730), &urls)?;
//! println!("{} {}", issued.serial_hex, encrypted_key_pem.len());
//! # Ok(()) }
//! ```

use std::path::Path;

use der::Decode;
use rcgen::{
    CertificateParams, CertificateRevocationListParams, CrlDistributionPoint, CustomExtension,
    DistinguishedName, DnType, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, PublicKeyData,
    RevokedCertParams, SerialNumber, SignatureAlgorithm,
};
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

use crate::SigningError;
use crate::devca::{CA_CERT_FILE, CA_KEY_FILE, io_err, load_or_create_ca, rcgen_err};
use crate::keys::encrypt_pkcs8_pem;

/// The path of the CRL under the public URL; written into every certificate's CRL
/// distribution point, so it never changes.
pub const CRL_PATH: &str = "/pki/crl";
/// The path of the CA certificate (PEM) under the public URL (authorityInfoAccess caIssuers).
pub const CA_CERT_PATH: &str = "/pki/ca.pem";
/// How long a CRL is valid: its nextUpdate is this long after its thisUpdate.
pub const CRL_VALIDITY: Duration = Duration::days(1);
/// Default validity of an officer certificate, days.
pub const DEFAULT_VALIDITY_DAYS: i64 = 730;

/// The URLs written into officer certificates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaUrls {
    /// The CRL distribution point, `<public_url>/pki/crl`.
    pub crl: String,
    /// The CA certificate, `<public_url>/pki/ca.pem`.
    pub ca_cert: String,
}

impl CaUrls {
    /// The URLs under `public_url` (`http(s)://host[:port]`, a trailing `/` ignored).
    pub fn under(public_url: &str) -> CaUrls {
        let base = public_url.trim_end_matches('/');
        CaUrls {
            crl: format!("{base}{CRL_PATH}"),
            ca_cert: format!("{base}{CA_CERT_PATH}"),
        }
    }
}

/// Who a certificate names (RFC 5280 §4.1.2.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficerSubject {
    /// Full name: commonName.
    pub name: String,
    /// Position (jabatan): title (X.520, 2.5.4.12).
    pub position: String,
    /// Agency (OPD): organizationName.
    pub agency: String,
}

/// A validity period (RFC 5280 §4.1.2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// notBefore.
    pub not_before: OffsetDateTime,
    /// notAfter.
    pub not_after: OffsetDateTime,
}

impl Validity {
    /// From a minute ago (clock skew) to `days` days from now.
    pub fn days_from_now(days: i64) -> Validity {
        let now = OffsetDateTime::now_utc();
        Validity {
            not_before: now - Duration::minutes(1),
            not_after: now + Duration::days(days),
        }
    }
}

/// A certificate the CA issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// The serial number's content octets, lowercase hex (16 octets, positive).
    pub serial_hex: String,
    /// The certificate, PEM.
    pub pem: String,
    /// notBefore, Unix seconds.
    pub not_before: i64,
    /// notAfter, Unix seconds.
    pub not_after: i64,
}

/// Why a certificate was revoked: the CRLReason codes (RFC 5280 §5.3.1) an officer
/// certificate can have (no CA, AA or hold reasons).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RevocationReason {
    /// unspecified (0).
    Unspecified,
    /// keyCompromise (1): the key may be known to someone else.
    KeyCompromise,
    /// affiliationChanged (3): the officer moved to another agency or position.
    AffiliationChanged,
    /// superseded (4): replaced by a new certificate.
    Superseded,
    /// cessationOfOperation (5): the officer left the service.
    CessationOfOperation,
    /// privilegeWithdrawn (9): the officer may no longer sign.
    PrivilegeWithdrawn,
}

impl RevocationReason {
    /// Every reason, in code order.
    pub const ALL: [RevocationReason; 6] = [
        RevocationReason::Unspecified,
        RevocationReason::KeyCompromise,
        RevocationReason::AffiliationChanged,
        RevocationReason::Superseded,
        RevocationReason::CessationOfOperation,
        RevocationReason::PrivilegeWithdrawn,
    ];

    /// The RFC 5280 name, e.g. `keyCompromise`: stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            RevocationReason::Unspecified => "unspecified",
            RevocationReason::KeyCompromise => "keyCompromise",
            RevocationReason::AffiliationChanged => "affiliationChanged",
            RevocationReason::Superseded => "superseded",
            RevocationReason::CessationOfOperation => "cessationOfOperation",
            RevocationReason::PrivilegeWithdrawn => "privilegeWithdrawn",
        }
    }

    /// The CRLReason code.
    pub fn code(self) -> u8 {
        match self {
            RevocationReason::Unspecified => 0,
            RevocationReason::KeyCompromise => 1,
            RevocationReason::AffiliationChanged => 3,
            RevocationReason::Superseded => 4,
            RevocationReason::CessationOfOperation => 5,
            RevocationReason::PrivilegeWithdrawn => 9,
        }
    }

    /// Parses an [`RevocationReason::as_str`] name exactly.
    pub fn parse(s: &str) -> Option<RevocationReason> {
        RevocationReason::ALL.into_iter().find(|r| r.as_str() == s)
    }

    fn rcgen(self) -> rcgen::RevocationReason {
        match self {
            RevocationReason::Unspecified => rcgen::RevocationReason::Unspecified,
            RevocationReason::KeyCompromise => rcgen::RevocationReason::KeyCompromise,
            RevocationReason::AffiliationChanged => rcgen::RevocationReason::AffiliationChanged,
            RevocationReason::Superseded => rcgen::RevocationReason::Superseded,
            RevocationReason::CessationOfOperation => rcgen::RevocationReason::CessationOfOperation,
            RevocationReason::PrivilegeWithdrawn => rcgen::RevocationReason::PrivilegeWithdrawn,
        }
    }
}

/// A revoked certificate, as a CRL lists it (RFC 5280 §5.1.2.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    /// The serial number's content octets, lowercase hex ([`Issued::serial_hex`]).
    pub serial_hex: String,
    /// revocationDate, Unix seconds.
    pub revoked_at: i64,
    /// reasonCode.
    pub reason: RevocationReason,
}

/// An officer's public key, to be certified (a SubjectPublicKeyInfo, RFC 5280 §4.1.2.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficerPublicKey {
    alg: &'static SignatureAlgorithm,
    bits: Vec<u8>,
}

impl PublicKeyData for OfficerPublicKey {
    fn der_bytes(&self) -> &[u8] {
        &self.bits
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        self.alg
    }
}

const EC_PUBLIC_KEY: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const P256: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const P384: const_oid::ObjectIdentifier = const_oid::ObjectIdentifier::new_unwrap("1.3.132.0.34");
const ED25519: const_oid::ObjectIdentifier = const_oid::ObjectIdentifier::new_unwrap("1.3.101.112");
const RSA: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

impl OfficerPublicKey {
    /// From a DER SubjectPublicKeyInfo: P-256, P-384, Ed25519 or RSA.
    ///
    /// Errors: [`SigningError::Key`] for anything else.
    pub fn from_spki_der(der: &[u8]) -> Result<OfficerPublicKey, SigningError> {
        let spki = spki::SubjectPublicKeyInfoRef::try_from(der)
            .map_err(|e| SigningError::Key(format!("unreadable public key: {e}")))?;
        let curve = spki
            .algorithm
            .parameters
            .and_then(|p| p.decode_as::<const_oid::ObjectIdentifier>().ok());
        let alg = match (spki.algorithm.oid, curve) {
            (EC_PUBLIC_KEY, Some(P256)) => &rcgen::PKCS_ECDSA_P256_SHA256,
            (EC_PUBLIC_KEY, Some(P384)) => &rcgen::PKCS_ECDSA_P384_SHA384,
            (ED25519, _) => &rcgen::PKCS_ED25519,
            (RSA, _) => &rcgen::PKCS_RSA_SHA256,
            (other, _) => {
                return Err(SigningError::Key(format!(
                    "public key algorithm {other} cannot be certified"
                )));
            }
        };
        Ok(OfficerPublicKey {
            alg,
            bits: spki.subject_public_key.raw_bytes().to_vec(),
        })
    }

    /// The public key an officer's certificate (PEM) certifies: what renewal certifies again.
    ///
    /// Errors: [`SigningError::Certificate`] for no certificate, [`SigningError::Key`] as
    /// [`OfficerPublicKey::from_spki_der`].
    pub fn of_certificate_pem(pem: &str) -> Result<OfficerPublicKey, SigningError> {
        let cert = crate::load_certificates_pem(pem)?
            .into_iter()
            .next()
            .ok_or_else(|| SigningError::Certificate("no certificate in the PEM".into()))?;
        let spki = der::Encode::to_der(cert.tbs_certificate().subject_public_key_info())
            .map_err(|e| SigningError::Certificate(e.to_string()))?;
        OfficerPublicKey::from_spki_der(&spki)
    }
}

/// A new ECDSA P-256 key for an officer: its public key, and the key as an `ENCRYPTED PRIVATE
/// KEY` PEM (PBES2, see [`encrypt_pkcs8_pem`]) under `passphrase`. The clear key is zeroized.
///
/// Errors: [`SigningError::Key`] or [`SigningError::Certificate`] if generation fails.
pub fn new_officer_key(
    passphrase: &[u8],
) -> Result<(OfficerPublicKey, Zeroizing<String>), SigningError> {
    let key = KeyPair::generate().map_err(rcgen_err)?;
    let der = Zeroizing::new(key.serialize_der());
    let pem = encrypt_pkcs8_pem(&der, passphrase)?;
    let public = OfficerPublicKey {
        alg: key.algorithm(),
        bits: key.der_bytes().to_vec(),
    };
    Ok((public, pem))
}

/// The CA: its certificate and key.
pub struct Ca {
    issuer: Issuer<'static, KeyPair>,
    cert_pem: String,
}

impl std::fmt::Debug for Ca {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ca").field("key", &"[redacted]").finish()
    }
}

impl Ca {
    /// The CA of the certs directory `dir` (`ca.pem`, `ca.key.pem`, as `sahih keys dev-init`
    /// makes them), created when missing.
    ///
    /// Errors: [`SigningError::Io`], [`SigningError::Certificate`].
    pub fn load_or_create(dir: &Path) -> Result<Ca, SigningError> {
        std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
        let (params, key) = load_or_create_ca(dir)?;
        let cert_path = dir.join(CA_CERT_FILE);
        let cert_pem = std::fs::read_to_string(&cert_path).map_err(|e| io_err(&cert_path, e))?;
        Ok(Ca {
            issuer: Issuer::new(params, key),
            cert_pem,
        })
    }

    /// The CA of `dir`, which must exist. Errors: [`SigningError::Io`] when `ca.pem` or
    /// `ca.key.pem` is missing; those of [`Ca::load_or_create`].
    pub fn load(dir: &Path) -> Result<Ca, SigningError> {
        for file in [CA_CERT_FILE, CA_KEY_FILE] {
            let path = dir.join(file);
            if !path.exists() {
                return Err(SigningError::Io(format!("{}: missing", path.display())));
            }
        }
        Ca::load_or_create(dir)
    }

    /// The CA certificate, PEM.
    pub fn certificate_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The CA certificate, DER.
    ///
    /// Errors: [`SigningError::Certificate`] if the PEM does not hold one.
    pub fn certificate_der(&self) -> Result<Vec<u8>, SigningError> {
        let cert = crate::load_certificates_pem(&self.cert_pem)?
            .into_iter()
            .next()
            .ok_or_else(|| SigningError::Certificate("the CA PEM holds no certificate".into()))?;
        der::Encode::to_der(&cert).map_err(|e| SigningError::Certificate(e.to_string()))
    }

    /// Issues an officer certificate for `public_key` (RFC 5280 §4.1), with a new random
    /// serial; see the module docs for its contents. Renewal is another call with the same key.
    ///
    /// Errors: [`SigningError::Certificate`] if rcgen refuses the parameters.
    pub fn issue(
        &self,
        subject: &OfficerSubject,
        public_key: &OfficerPublicKey,
        validity: &Validity,
        urls: &CaUrls,
    ) -> Result<Issued, SigningError> {
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, subject.name.as_str());
        dn.push(
            DnType::CustomDnType(vec![2, 5, 4, 12]),
            subject.position.as_str(),
        );
        dn.push(DnType::OrganizationName, subject.agency.as_str());
        dn.push(DnType::CountryName, "ID");
        params.distinguished_name = dn;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::ContentCommitment,
        ];
        params.use_authority_key_identifier_extension = true;
        params.crl_distribution_points = vec![CrlDistributionPoint {
            uris: vec![urls.crl.clone()],
        }];
        params.custom_extensions = vec![ca_issuers(&urls.ca_cert)];
        params.not_before = validity.not_before;
        params.not_after = validity.not_after;
        let serial = serial()?;
        params.serial_number = Some(SerialNumber::from_slice(&serial));
        let cert = params
            .signed_by(public_key, &self.issuer)
            .map_err(rcgen_err)?;
        Ok(Issued {
            serial_hex: hex(&serial),
            pem: cert.pem(),
            not_before: validity.not_before.unix_timestamp(),
            not_after: validity.not_after.unix_timestamp(),
        })
    }

    /// A CRL (RFC 5280 §5.1) listing `revoked`, numbered `number` (the cRLNumber extension,
    /// §5.2.3: the caller's counter, increasing), valid from `this_update` for
    /// [`CRL_VALIDITY`]; DER.
    ///
    /// Errors: [`SigningError::Certificate`] for a serial that is not hex, a time out of range,
    /// or if rcgen refuses.
    pub fn crl(
        &self,
        revoked: &[Revoked],
        number: u64,
        this_update: OffsetDateTime,
    ) -> Result<Vec<u8>, SigningError> {
        let revoked_certs = revoked
            .iter()
            .map(|r| {
                Ok(RevokedCertParams {
                    serial_number: SerialNumber::from_slice(&unhex(&r.serial_hex)?),
                    revocation_time: OffsetDateTime::from_unix_timestamp(r.revoked_at)
                        .map_err(|e| SigningError::Certificate(e.to_string()))?,
                    reason_code: Some(r.reason.rcgen()),
                    invalidity_date: None,
                })
            })
            .collect::<Result<Vec<_>, SigningError>>()?;
        let params = CertificateRevocationListParams {
            this_update,
            next_update: this_update + CRL_VALIDITY,
            crl_number: SerialNumber::from(number),
            issuing_distribution_point: None,
            revoked_certs,
            key_identifier_method: KeyIdMethod::Sha256,
        };
        let crl = params.signed_by(&self.issuer).map_err(rcgen_err)?;
        Ok(crl.der().to_vec())
    }
}

/// authorityInfoAccess with one caIssuers URI (RFC 5280 §4.2.2.1).
fn ca_issuers(uri: &str) -> CustomExtension {
    // AuthorityInfoAccessSyntax ::= SEQUENCE OF AccessDescription { accessMethod id-ad-caIssuers
    // (1.3.6.1.5.5.7.48.2), accessLocation uniformResourceIdentifier [6] IA5String }
    let method = [0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02];
    let location = tlv(0x86, uri.as_bytes());
    let description = tlv(0x30, &[&method[..], &location].concat());
    let content = tlv(0x30, &description);
    CustomExtension::from_oid_content(&[1, 3, 6, 1, 5, 5, 7, 1, 1], content)
}

/// A DER TLV with a definite length (X.690 §8.1.3).
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// 16 random octets whose first is 0x40..=0x7F: positive, and never shortened by DER, so the
/// content octets are exactly these (RFC 5280 §4.1.2.2).
fn serial() -> Result<[u8; 16], SigningError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| SigningError::Key(e.to_string()))?;
    bytes[0] = (bytes[0] & 0x3F) | 0x40;
    Ok(bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Result<Vec<u8>, SigningError> {
    let bad = || SigningError::Certificate(format!("serial {s:?} is not hex"));
    if s.is_empty() || !s.len().is_multiple_of(2) {
        return Err(bad());
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2).ok_or_else(bad)?, 16).map_err(|_| bad()))
        .collect()
}

/// The serial number of a certificate (PEM), lowercase hex of its content octets, as
/// [`Issued::serial_hex`].
///
/// Errors: [`SigningError::Certificate`] for no certificate.
pub fn serial_of_pem(pem: &str) -> Result<String, SigningError> {
    let cert = crate::load_certificates_pem(pem)?
        .into_iter()
        .next()
        .ok_or_else(|| SigningError::Certificate("no certificate in the PEM".into()))?;
    Ok(hex(cert.tbs_certificate().serial_number().as_bytes()))
}

/// The DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) of the first certificate of `pem`: what
/// certificates of one key (a renewal re-certifies it) have in common.
///
/// Errors: [`SigningError::Certificate`] for no certificate.
pub fn spki_of_pem(pem: &str) -> Result<Vec<u8>, SigningError> {
    let cert = crate::load_certificates_pem(pem)?
        .into_iter()
        .next()
        .ok_or_else(|| SigningError::Certificate("no certificate in the PEM".into()))?;
    der::Encode::to_der(cert.tbs_certificate().subject_public_key_info())
        .map_err(|e| SigningError::Certificate(e.to_string()))
}

/// Whether the CA certificate `ca_pem` issued the certificate `cert_pem` (the first of each
/// PEM): `cert_pem`'s issuer name is the CA's subject and its signature verifies with the CA's
/// public key. Every development CA has the same name: only the signature tells two apart.
///
/// Errors: [`SigningError::Certificate`] when either PEM holds no certificate.
pub fn is_issued_by(cert_pem: &str, ca_pem: &str) -> Result<bool, SigningError> {
    let first = |pem: &str| {
        crate::load_certificates_pem(pem)?
            .into_iter()
            .next()
            .ok_or_else(|| SigningError::Certificate("no certificate in the PEM".into()))
    };
    Ok(crate::verify::issued_by(&first(cert_pem)?, &first(ca_pem)?))
}

/// Whether `key_pem` (an unencrypted PKCS#8 private key, as `ca.key.pem`) is the key of the
/// certificate `cert_pem`: their public keys are the same.
///
/// Errors: [`SigningError::Key`] when `key_pem` is not a key rcgen reads,
/// [`SigningError::Certificate`] when `cert_pem` holds no certificate.
pub fn is_key_of(key_pem: &str, cert_pem: &str) -> Result<bool, SigningError> {
    let key = KeyPair::from_pem(key_pem).map_err(|e| SigningError::Key(e.to_string()))?;
    let cert = crate::load_certificates_pem(cert_pem)?
        .into_iter()
        .next()
        .ok_or_else(|| SigningError::Certificate("no certificate in the PEM".into()))?;
    Ok(cert
        .tbs_certificate()
        .subject_public_key_info()
        .subject_public_key
        .as_bytes()
        == Some(key.der_bytes()))
}

/// The validity of a certificate (PEM), Unix seconds `(notBefore, notAfter)`.
///
/// Errors: [`SigningError::Certificate`] for no certificate.
pub fn validity_of_pem(pem: &str) -> Result<(i64, i64), SigningError> {
    let cert = crate::load_certificates_pem(pem)?
        .into_iter()
        .next()
        .ok_or_else(|| SigningError::Certificate("no certificate in the PEM".into()))?;
    let v = cert.tbs_certificate().validity();
    let secs = |t: x509_cert::time::Time| t.to_unix_duration().as_secs() as i64;
    Ok((secs(v.not_before), secs(v.not_after)))
}

/// Whether `crl_der` is a DER CRL (RFC 5280 §5.1) — a shape check for callers that accept one
/// from a file; the verifier checks its signature and times itself.
pub fn is_crl_der(crl_der: &[u8]) -> bool {
    x509_cert::crl::CertificateList::<x509_cert::certificate::Rfc5280>::from_der(crl_der).is_ok()
}

#[cfg(test)]
mod tests;
