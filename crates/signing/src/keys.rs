//! Private keys and certificates: PKCS#8 (RFC 5958), encrypted with PBES2 (RFC 8018), and X.509
//! certificates (RFC 5280) in PEM.

use std::fmt;

use der::asn1::ObjectIdentifier;
use der::{Decode, Encode};
use pkcs8::{DecodePrivateKey, EncryptedPrivateKeyInfoRef, PrivateKeyInfoRef};
use spki::{AlgorithmIdentifierOwned, EncodePublicKey};
use x509_cert::Certificate;
use zeroize::Zeroizing;

use crate::SigningError;

const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_PRIME256V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const OID_ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const OID_SHA256_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
/// id-sha256 (NIST CSOR).
pub(crate) const OID_SHA256: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
/// id-sha512 (NIST CSOR).
pub(crate) const OID_SHA512: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

/// The signature algorithm of a key (DESIGN.md decision 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// ECDSA over P-256 with SHA-256 (FIPS 186-5; RFC 5758 §3.2): the default.
    P256,
    /// RSA PKCS#1 v1.5 with SHA-256 (RFC 8017 §8.2), as national CAs issue.
    Rsa,
    /// Ed25519 (RFC 8032) in CMS per RFC 8419, with SHA-512 message digests.
    Ed25519,
}

impl Algorithm {
    /// Parses `p256`, `rsa` or `ed25519` (the `--algorithm` values of `sahih sign`).
    pub fn parse(s: &str) -> Option<Algorithm> {
        match s {
            "p256" => Some(Algorithm::P256),
            "rsa" => Some(Algorithm::Rsa),
            "ed25519" => Some(Algorithm::Ed25519),
            _ => None,
        }
    }

    /// The lower-case name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::P256 => "p256",
            Algorithm::Rsa => "rsa",
            Algorithm::Ed25519 => "ed25519",
        }
    }
}

enum KeyInner {
    P256(p256::ecdsa::SigningKey),
    Rsa(Box<rsa::pkcs1v15::SigningKey<sha2::Sha256>>),
    Ed25519(ed25519_dalek::SigningKey),
    /// In a PKCS#11 token: only a handle, the key never leaves the token.
    Pkcs11(Box<crate::pkcs11::TokenKey>),
}

/// A private key ready to sign: held only in memory (the underlying keys zeroize on drop), or
/// kept in a PKCS#11 token that signs for it (the session logs out on drop). Its `Debug`
/// output never shows key material.
pub struct SignerKey {
    inner: KeyInner,
}

impl fmt::Debug for SignerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SignerKey({}, redacted)", self.algorithm().as_str())
    }
}

impl SignerKey {
    /// Reads a PKCS#8 key from PEM: `PRIVATE KEY` (RFC 5958 §5, unencrypted) or
    /// `ENCRYPTED PRIVATE KEY` (PBES2, RFC 8018), which needs `passphrase`.
    ///
    /// Errors: [`SigningError::Key`] for unreadable PEM, an unsupported algorithm or key
    /// derivation parameters above Sahih's bounds (scrypt N ≤ 2^16, r ≤ 8, p ≤ 4; PBKDF2 at
    /// most 1,000,000 iterations; checked before deriving),
    /// [`SigningError::PassphraseRequired`] for an encrypted key without a passphrase,
    /// [`SigningError::WrongPassphrase`] when the passphrase does not decrypt the key.
    pub fn from_pem(pem: &str, passphrase: Option<&[u8]>) -> Result<SignerKey, SigningError> {
        let (label, der) = der::pem::decode_vec(pem.as_bytes())
            .map_err(|e| SigningError::Key(format!("not a PEM key: {e}")))?;
        let der = Zeroizing::new(der);
        match label {
            "PRIVATE KEY" => SignerKey::from_pkcs8_der(&der),
            "ENCRYPTED PRIVATE KEY" => {
                let passphrase = passphrase.ok_or(SigningError::PassphraseRequired)?;
                let info = EncryptedPrivateKeyInfoRef::from_der(&der)
                    .map_err(|e| SigningError::Key(format!("bad encrypted PKCS#8: {e}")))?;
                check_kdf_cost(&info.encryption_algorithm)
                    .map_err(|why| SigningError::Key(format!("encrypted PKCS#8: {why}")))?;
                let plain = info
                    .decrypt(passphrase)
                    .map_err(|_| SigningError::WrongPassphrase)?;
                SignerKey::from_pkcs8_der(plain.as_bytes())
            }
            other => Err(SigningError::Key(format!(
                "PEM label {other:?} is not a PKCS#8 key"
            ))),
        }
    }

    /// Reads an unencrypted PKCS#8 `PrivateKeyInfo` (RFC 5958 §2) in DER.
    ///
    /// Errors: [`SigningError::Key`] for anything but a P-256, RSA or Ed25519 key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<SignerKey, SigningError> {
        let info = PrivateKeyInfoRef::from_der(der)
            .map_err(|e| SigningError::Key(format!("bad PKCS#8: {e}")))?;
        let bad = |e: &dyn fmt::Display| SigningError::Key(e.to_string());
        let inner = match info.algorithm.oid {
            OID_EC_PUBLIC_KEY => {
                let curve = info
                    .algorithm
                    .parameters
                    .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
                if curve != Some(OID_PRIME256V1) {
                    return Err(SigningError::Key(
                        "only the P-256 curve is supported".into(),
                    ));
                }
                KeyInner::P256(p256::ecdsa::SigningKey::from_pkcs8_der(der).map_err(|e| bad(&e))?)
            }
            OID_RSA_ENCRYPTION => {
                let key = rsa::PrivateKey::from_pkcs8_der(der).map_err(|e| bad(&e))?;
                KeyInner::Rsa(Box::new(rsa::pkcs1v15::SigningKey::new(key)))
            }
            OID_ED25519 => KeyInner::Ed25519(
                ed25519_dalek::SigningKey::from_pkcs8_der(der).map_err(|e| bad(&e))?,
            ),
            other => {
                return Err(SigningError::Key(format!(
                    "unsupported key algorithm {other}"
                )));
            }
        };
        Ok(SignerKey { inner })
    }

    /// A key in a PKCS#11 token (the key never leaves it): the module at `module` (e.g.
    /// `/usr/lib/softhsm/libsofthsm2.so`), the token labelled `token`, logged in with `pin`
    /// as the normal user, the private key labelled `key_label` (an EC P-256 or RSA key, with
    /// a public key object of the same label).
    ///
    /// Errors: [`SigningError::WrongPassphrase`] for a wrong PIN, [`SigningError::Key`] when
    /// the module, token or key is missing or unusable.
    pub fn from_pkcs11(
        module: &std::path::Path,
        token: &str,
        key_label: &str,
        pin: &[u8],
    ) -> Result<SignerKey, SigningError> {
        let key = crate::pkcs11::TokenKey::open(module, token, key_label, pin)?;
        Ok(SignerKey {
            inner: KeyInner::Pkcs11(Box::new(key)),
        })
    }

    /// [`SignerKey::from_pkcs11`] for a key named by a PKCS#11 URI (RFC 7512,
    /// `pkcs11:token=…;object=…`).
    ///
    /// Errors: those of [`crate::pkcs11::Pkcs11Uri::parse`] and [`SignerKey::from_pkcs11`].
    pub fn from_pkcs11_uri(
        module: &std::path::Path,
        uri: &str,
        pin: &[u8],
    ) -> Result<SignerKey, SigningError> {
        let uri = crate::pkcs11::Pkcs11Uri::parse(uri)?;
        SignerKey::from_pkcs11(module, &uri.token, &uri.object, pin)
    }

    /// The key's signature algorithm.
    pub fn algorithm(&self) -> Algorithm {
        match &self.inner {
            KeyInner::P256(_) => Algorithm::P256,
            KeyInner::Rsa(_) => Algorithm::Rsa,
            KeyInner::Ed25519(_) => Algorithm::Ed25519,
            KeyInner::Pkcs11(k) => k.algorithm(),
        }
    }

    /// The modulus length in bits of an in-memory RSA key (RFC 8017 §3.1 `modBits`); `None`
    /// for other keys and keys in a token.
    pub fn rsa_modulus_bits(&self) -> Option<usize> {
        use rsa::traits::PublicKeyParts;
        let KeyInner::Rsa(k) = &self.inner else {
            return None;
        };
        let n = k.as_ref().as_ref().n_bytes();
        let first = n.first().copied().unwrap_or(0);
        Some(n.len() * 8 - first.leading_zeros() as usize)
    }

    /// DER of the public key as an X.509 SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).
    pub fn public_key_der(&self) -> Result<Vec<u8>, SigningError> {
        let doc = match &self.inner {
            KeyInner::P256(k) => k.verifying_key().to_public_key_der(),
            KeyInner::Rsa(k) => rsa::PublicKey::from(k.as_ref().as_ref()).to_public_key_der(),
            KeyInner::Ed25519(k) => k.verifying_key().to_public_key_der(),
            KeyInner::Pkcs11(k) => return Ok(k.public_key_der().to_vec()),
        };
        doc.map(|d| d.as_bytes().to_vec())
            .map_err(|e| SigningError::Key(e.to_string()))
    }

    /// Signs `message` (the DER of the signed attributes): ECDSA and RSA hash it with SHA-256,
    /// Ed25519 signs it as is (RFC 8419 §3). Returns the CMS `SignatureValue` bytes: a DER
    /// `Ecdsa-Sig-Value` (RFC 5753 §7.2), the RSA signature, or the 64-byte Ed25519 signature.
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SigningError> {
        use p256::ecdsa::signature::{SignatureEncoding, Signer};
        Ok(match &self.inner {
            KeyInner::P256(k) => {
                let sig: p256::ecdsa::Signature = k
                    .try_sign(message)
                    .map_err(|e| SigningError::Key(e.to_string()))?;
                sig.to_der().to_vec()
            }
            KeyInner::Rsa(k) => k
                .try_sign(message)
                .map_err(|e| SigningError::Key(e.to_string()))?
                .to_vec(),
            KeyInner::Ed25519(k) => k.sign(message).to_bytes().to_vec(),
            KeyInner::Pkcs11(k) => k.sign(message)?,
        })
    }

    /// The CMS `signatureAlgorithm` (RFC 5754 §3.2/§3.3, RFC 8419 §2.3).
    pub(crate) fn signature_algorithm(&self) -> AlgorithmIdentifierOwned {
        let (oid, parameters) = match self.algorithm() {
            Algorithm::P256 => (OID_ECDSA_SHA256, None),
            Algorithm::Rsa => (OID_SHA256_RSA, Some(der::Any::null())),
            Algorithm::Ed25519 => (OID_ED25519, None),
        };
        AlgorithmIdentifierOwned { oid, parameters }
    }

    /// The message-digest algorithm paired with this key: SHA-256, or SHA-512 for Ed25519
    /// (RFC 8419 §3.1).
    pub(crate) fn digest_oid(&self) -> ObjectIdentifier {
        match self.algorithm() {
            Algorithm::Ed25519 => OID_SHA512,
            _ => OID_SHA256,
        }
    }
}

/// The largest iteration count taken for PBKDF2 (RFC 8018 §5.2) and the PKCS#12 key
/// derivation (RFC 7292 Appendix B.2): OpenSSL writes 2048, national CAs' files seen so far
/// at most 100 000; a million rounds still derive in about a second, while a hostile file's
/// 4 294 967 295 would take an hour of CPU.
pub(crate) const MAX_KDF_ITERATIONS: u32 = 1_000_000;
/// The largest scrypt (RFC 7914 §2) log₂N taken: Sahih writes 14; 16 means 64 MiB with r = 8.
pub(crate) const MAX_SCRYPT_LOG_N: u32 = 16;
/// The largest scrypt block size r taken (Sahih and OpenSSL write 8).
pub(crate) const MAX_SCRYPT_R: u16 = 8;
/// The largest scrypt parallelization p taken (Sahih and OpenSSL write 1).
pub(crate) const MAX_SCRYPT_P: u16 = 4;

/// Refuses a PBES2 (RFC 8018 §6.2) key derivation that would cost more than Sahih itself
/// spends: PBKDF2 above [`MAX_KDF_ITERATIONS`] rounds, scrypt (RFC 7914) above N = 2^16,
/// r = 8 or p = 4 (at most 64 MiB of memory). Checked before anything is derived, since the
/// parameters come from the (untrusted) file. PBES1 is left to the decryptor (which refuses it).
///
/// Errors: the reason, in English.
pub(crate) fn check_kdf_cost(scheme: &pkcs8::pkcs5::EncryptionScheme) -> Result<(), String> {
    let Some(params) = scheme.pbes2() else {
        return Ok(());
    };
    if let Some(pbkdf2) = params.kdf.pbkdf2()
        && pbkdf2.iteration_count > MAX_KDF_ITERATIONS
    {
        return Err(format!(
            "PBKDF2 with {} iterations (at most {MAX_KDF_ITERATIONS} are taken)",
            pbkdf2.iteration_count
        ));
    }
    if let Some(scrypt) = params.kdf.scrypt() {
        let n = scrypt.cost_parameter;
        if n > 1u64 << MAX_SCRYPT_LOG_N
            || scrypt.block_size > MAX_SCRYPT_R
            || scrypt.parallelization > MAX_SCRYPT_P
        {
            return Err(format!(
                "scrypt with N = {n}, r = {}, p = {} (at most N = 2^{MAX_SCRYPT_LOG_N}, \
                 r = {MAX_SCRYPT_R}, p = {MAX_SCRYPT_P} are taken)",
                scrypt.block_size, scrypt.parallelization
            ));
        }
    }
    Ok(())
}

/// Encrypts an unencrypted PKCS#8 DER key into an `ENCRYPTED PRIVATE KEY` PEM with PBES2
/// (RFC 8018 §6.2): key derivation scrypt (RFC 7914) with log₂N = 14, r = 8, p = 1 and a
/// 16-byte random salt (the `pkcs5` crate's recommended parameters, which OpenSSL 3 reads);
/// cipher AES-256-CBC with a random IV.
///
/// The key is borrowed, never copied outside [`Zeroizing`] buffers.
///
/// Errors: [`SigningError::Key`] if `der` is not PKCS#8 or encryption fails.
pub fn encrypt_pkcs8_pem(der: &[u8], passphrase: &[u8]) -> Result<Zeroizing<String>, SigningError> {
    let info = PrivateKeyInfoRef::from_der(der)
        .map_err(|e| SigningError::Key(format!("bad PKCS#8: {e}")))?;
    let doc = info
        .encrypt(passphrase)
        .map_err(|e| SigningError::Key(e.to_string()))?;
    doc.to_pem("ENCRYPTED PRIVATE KEY", der::pem::LineEnding::LF)
        .map_err(|e| SigningError::Key(e.to_string()))
}

/// Reads one or more `CERTIFICATE` blocks from PEM (RFC 7468 §5).
///
/// Errors: [`SigningError::Certificate`] when the text holds no certificate or one does not parse.
pub fn load_certificates_pem(pem: &str) -> Result<Vec<Certificate>, SigningError> {
    let certs = Certificate::load_pem_chain(pem.as_bytes())
        .map_err(|e| SigningError::Certificate(e.to_string()))?;
    if certs.is_empty() {
        return Err(SigningError::Certificate(
            "no CERTIFICATE block found".into(),
        ));
    }
    Ok(certs)
}

/// Checks that `cert` carries the public key of `key` (so that a validator can bind them).
///
/// Errors: [`SigningError::Certificate`] on a mismatch.
pub fn check_key_matches(key: &SignerKey, cert: &Certificate) -> Result<(), SigningError> {
    let spki = cert.tbs_certificate().subject_public_key_info().to_der()?;
    if spki != key.public_key_der()? {
        return Err(SigningError::Certificate(
            "the certificate's public key does not belong to this private key".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use der::Encode;
    use pkcs8::pkcs5::{EncryptionScheme, pbes2};

    use super::*;

    /// An `ENCRYPTED PRIVATE KEY` whose PBES2 parameters use `kdf` (the ciphertext is random:
    /// only the parameters matter here).
    fn encrypted_pem(kdf: pbes2::Kdf) -> String {
        let info = pkcs8::EncryptedPrivateKeyInfo {
            encryption_algorithm: EncryptionScheme::Pbes2(pbes2::Parameters {
                kdf,
                encryption: pbes2::EncryptionScheme::Aes256Cbc { iv: [1; 16] },
            }),
            encrypted_data: der::asn1::OctetString::new(vec![5; 48]).expect("data"),
        };
        der::pem::encode_string(
            "ENCRYPTED PRIVATE KEY",
            der::pem::LineEnding::LF,
            &info.to_der().expect("der"),
        )
        .expect("pem")
    }

    /// A key file is operator input: scrypt N = 2^40 used to abort the process (1 PiB) and
    /// PBKDF2 with 10^7 rounds cost seconds before the passphrase was checked. Sahih's own
    /// parameters (scrypt 2^14, 8, 1) still decrypt.
    #[test]
    fn key_files_with_costlier_derivations_than_sahih_writes_are_refused() {
        let salt = || pbes2::Salt::new([9u8; 16]).expect("salt");
        let bomb = encrypted_pem(pbes2::Kdf::Scrypt(pbes2::ScryptParams {
            salt: salt(),
            cost_parameter: 1 << 40,
            block_size: 8,
            parallelization: 1,
            key_length: None,
        }));
        let slow = encrypted_pem(pbes2::Kdf::Pbkdf2(pbes2::Pbkdf2Params {
            salt: salt(),
            iteration_count: 10_000_000,
            key_length: None,
            prf: pbes2::Pbkdf2Prf::HmacWithSha256,
        }));
        for pem in [bomb, slow] {
            let e = SignerKey::from_pem(&pem, Some(b"rahasia")).expect_err("refused");
            assert!(matches!(e, SigningError::Key(_)), "{e}");
        }
        let key = rcgen::KeyPair::generate().expect("key");
        let pem = encrypt_pkcs8_pem(&key.serialize_der(), b"rahasia").expect("encrypted");
        let back = SignerKey::from_pem(&pem, Some(b"rahasia")).expect("Sahih's own key reads");
        assert_eq!(back.algorithm(), Algorithm::P256);
    }
}
