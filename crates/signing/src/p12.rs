//! PKCS#12 import (RFC 7292): an officer's key and certificate from a national CA, as a `.p12`
//! / `.pfx` file. Bags encrypted with PBES2/AES (RFC 8018) and the legacy PKCS#12 PBE schemes
//! national CAs still issue (3DES, RC2; RFC 7292 Appendix C) are read (`p12_read`); the MAC
//! is checked. The result is checked before it is used: the key must match the leaf
//! certificate, the certificate must be valid now and allow digitalSignature or
//! nonRepudiation (RFC 5280 §4.2.1.3). Sahih then stores the key re-encrypted under the
//! officer's new passphrase ([`crate::encrypt_pkcs8_pem`]); the file's password is never kept.

use std::fmt;

use der::{Decode, Encode};
use x509_cert::Certificate;
use x509_cert::ext::pkix::KeyUsage;
use zeroize::Zeroizing;

use crate::SigningError;
use crate::keys::{SignerKey, check_key_matches};

/// What a PKCS#12 file held: the key (unencrypted PKCS#8 DER, zeroized on drop), its
/// certificate, and the issuers the file carried (leaf's issuer first). `Debug` shows no key.
pub struct P12Bundle {
    /// The private key, PKCS#8 `PrivateKeyInfo` DER (RFC 5958).
    pub key_pkcs8: Zeroizing<Vec<u8>>,
    /// The certificate of the key.
    pub certificate: Certificate,
    /// The chain the file carried, without the leaf.
    pub chain: Vec<Certificate>,
}

impl fmt::Debug for P12Bundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "P12Bundle(key redacted, {} issuers)", self.chain.len())
    }
}

impl P12Bundle {
    /// The certificate and its chain as PEM, leaf first (RFC 7468 §5).
    ///
    /// Errors: [`SigningError::Der`] if a certificate does not encode.
    pub fn certificates_pem(&self) -> Result<String, SigningError> {
        let mut pem = String::new();
        for cert in std::iter::once(&self.certificate).chain(&self.chain) {
            pem.push_str(
                &der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &cert.to_der()?)
                    .map_err(|e| SigningError::Certificate(e.to_string()))?,
            );
        }
        Ok(pem)
    }
}

fn import_error(code: &'static str, message: impl Into<String>) -> SigningError {
    SigningError::Import {
        code,
        message: message.into(),
    }
}

/// The current time as Unix seconds, for [`import`].
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Reads a PKCS#12 file with `password` (UTF-8, as RFC 7292 Appendix B.1 turns it into a
/// BMPString) and checks what it holds at `now` (Unix seconds).
///
/// Errors ([`SigningError::Import`]): `E_P12_WRONG_PASSWORD` when the MAC or a bag does not
/// open with the password; `E_P12_UNREADABLE` for a file that is not PKCS#12 or uses an
/// unsupported scheme; `E_P12_NO_KEY` without exactly one private key with its certificate;
/// `E_CERT_KEY_MISMATCH`; `E_CERT_EXPIRED` outside the certificate's validity;
/// `E_CERT_KEY_USAGE` when key usage allows neither digitalSignature nor nonRepudiation;
/// `E_KEY_UNUSABLE` for a key Sahih does not sign with or an RSA key under [`MIN_RSA_BITS`].
/// Key derivations above [`crate::keys`]' cost bounds (PKCS#12 or PBKDF2 iterations over
/// 1 000 000, scrypt over N = 2^16, r = 8, p = 4) are `E_P12_UNREADABLE`, refused before
/// anything is derived.
pub fn import(bytes: &[u8], password: &[u8], now: i64) -> Result<P12Bundle, SigningError> {
    let password = std::str::from_utf8(password).map_err(|_| {
        import_error(
            "E_P12_WRONG_PASSWORD",
            "the PKCS#12 password is not UTF-8 text",
        )
    })?;
    let contents = crate::p12_read::read(bytes, password)?;
    let [key_pkcs8] = <[_; 1]>::try_from(contents.keys).map_err(|keys| {
        import_error(
            "E_P12_NO_KEY",
            format!(
                "the PKCS#12 file must hold exactly one private key, not {}",
                keys.len()
            ),
        )
    })?;
    let key = usable_key(&key_pkcs8)?;
    let mut certs = contents
        .certificates
        .iter()
        .map(|der| {
            Certificate::from_der(der).map_err(|e| {
                import_error(
                    "E_P12_UNREADABLE",
                    format!("a certificate in the PKCS#12 file does not parse: {e}"),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let leaf = certs
        .iter()
        .position(|c| check_key_matches(&key, c).is_ok())
        .ok_or_else(|| {
            import_error(
                "E_CERT_KEY_MISMATCH",
                "the PKCS#12 file holds no certificate of its private key",
            )
        })?;
    let certificate = certs.swap_remove(leaf);
    check_usable(&certificate, now)?;
    let chain = issuers_of(&certificate, certs);
    Ok(P12Bundle {
        key_pkcs8,
        certificate,
        chain,
    })
}

/// The smallest RSA modulus taken, bits (DESIGN.md decision 3: RSA 2048–4096).
pub const MIN_RSA_BITS: usize = 2048;

/// Reads the file's private key: `E_P12_UNREADABLE` when the bag does not hold a PKCS#8
/// `PrivateKeyInfo` (RFC 5958 §2), `E_KEY_UNUSABLE` for a key Sahih does not sign with
/// (a curve other than P-256, Ed448, …) or an RSA key under [`MIN_RSA_BITS`].
fn usable_key(pkcs8: &[u8]) -> Result<SignerKey, SigningError> {
    pkcs8::PrivateKeyInfoRef::from_der(pkcs8).map_err(|e| {
        import_error(
            "E_P12_UNREADABLE",
            format!("the private key in the PKCS#12 file is not PKCS#8: {e}"),
        )
    })?;
    let key = SignerKey::from_pkcs8_der(pkcs8).map_err(|e| {
        import_error(
            "E_KEY_UNUSABLE",
            format!("Sahih does not sign with this key: {e}"),
        )
    })?;
    if let Some(bits) = key.rsa_modulus_bits()
        && bits < MIN_RSA_BITS
    {
        return Err(import_error(
            "E_KEY_UNUSABLE",
            format!("an RSA key of {bits} bits is too short (at least {MIN_RSA_BITS})"),
        ));
    }
    Ok(key)
}

/// The certificates of `pool` that issued `leaf`, its issuer first, up to a root or the end of
/// the pool (by name: RFC 5280 §4.1.2.4; the validator checks the signatures).
fn issuers_of(leaf: &Certificate, mut pool: Vec<Certificate>) -> Vec<Certificate> {
    let mut chain: Vec<Certificate> = Vec::new();
    let mut current = leaf.clone();
    while let Some(i) = pool
        .iter()
        .position(|c| c.tbs_certificate().subject() == current.tbs_certificate().issuer())
    {
        let issuer = pool.swap_remove(i);
        let root = issuer.tbs_certificate().subject() == issuer.tbs_certificate().issuer();
        chain.push(issuer.clone());
        if root {
            break;
        }
        current = issuer;
    }
    chain
}

/// Refuses a signer's certificate outside its validity at `now` (Unix seconds) or whose key
/// usage (RFC 5280 §4.2.1.3) allows neither digitalSignature nor nonRepudiation.
///
/// Errors: [`SigningError::Import`] with `E_CERT_EXPIRED`, `E_CERT_KEY_USAGE`, or
/// `E_P12_UNREADABLE` for an unreadable key usage extension.
pub fn check_usable(cert: &Certificate, now: i64) -> Result<(), SigningError> {
    let validity = cert.tbs_certificate().validity();
    let secs = |t: x509_cert::time::Time| {
        i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
    };
    let (from, to) = (secs(validity.not_before), secs(validity.not_after));
    if now < from || now > to {
        return Err(import_error(
            "E_CERT_EXPIRED",
            format!(
                "the certificate is valid from {} to {} (UTC), not now",
                validity.not_before, validity.not_after
            ),
        ));
    }
    let usage = cert
        .tbs_certificate()
        .get_extension::<KeyUsage>()
        .map_err(|e| import_error("E_P12_UNREADABLE", format!("bad key usage extension: {e}")))?;
    if let Some((_, usage)) = usage
        && !(usage.digital_signature() || usage.non_repudiation())
    {
        return Err(import_error(
            "E_CERT_KEY_USAGE",
            "the certificate's key usage allows neither digitalSignature nor nonRepudiation",
        ));
    }
    Ok(())
}
