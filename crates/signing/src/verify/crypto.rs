//! Signature primitives for validation: RSA PKCS#1 v1.5 and PSS (RFC 8017 §8), ECDSA over
//! P-256 and P-384 (FIPS 186-5, RFC 5758), Ed25519 (RFC 8032, RFC 8419), with the digest
//! algorithms of RFC 5754 and SHA-1 for legacy files.

use const_oid::ObjectIdentifier;
use rsa::pkcs8::DecodePublicKey;
use sha2::Digest;

use super::ber::{self, Tlv, tag};

/// A digest algorithm (RFC 5754 §2; SHA-1 per RFC 3370 for legacy signatures only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Hash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

const fn oid(s: &str) -> ObjectIdentifier {
    ObjectIdentifier::new_unwrap(s)
}

const SHA1: ObjectIdentifier = oid("1.3.14.3.2.26");
const SHA256: ObjectIdentifier = oid("2.16.840.1.101.3.4.2.1");
const SHA384: ObjectIdentifier = oid("2.16.840.1.101.3.4.2.2");
const SHA512: ObjectIdentifier = oid("2.16.840.1.101.3.4.2.3");
const RSA: ObjectIdentifier = oid("1.2.840.113549.1.1.1");
const SHA1_RSA: ObjectIdentifier = oid("1.2.840.113549.1.1.5");
const RSA_PSS: ObjectIdentifier = oid("1.2.840.113549.1.1.10");
const SHA256_RSA: ObjectIdentifier = oid("1.2.840.113549.1.1.11");
const SHA384_RSA: ObjectIdentifier = oid("1.2.840.113549.1.1.12");
const SHA512_RSA: ObjectIdentifier = oid("1.2.840.113549.1.1.13");
const EC_PUBLIC_KEY: ObjectIdentifier = oid("1.2.840.10045.2.1");
const ECDSA_SHA1: ObjectIdentifier = oid("1.2.840.10045.4.1");
const ECDSA_SHA256: ObjectIdentifier = oid("1.2.840.10045.4.3.2");
const ECDSA_SHA384: ObjectIdentifier = oid("1.2.840.10045.4.3.3");
const ECDSA_SHA512: ObjectIdentifier = oid("1.2.840.10045.4.3.4");
const ED25519: ObjectIdentifier = oid("1.3.101.112");
const P256: ObjectIdentifier = oid("1.2.840.10045.3.1.7");
const P384: ObjectIdentifier = oid("1.3.132.0.34");

impl Hash {
    /// The digest algorithm named by `oid`, if supported.
    pub(crate) fn from_oid(oid: &ObjectIdentifier) -> Option<Hash> {
        match *oid {
            SHA1 => Some(Hash::Sha1),
            SHA256 => Some(Hash::Sha256),
            SHA384 => Some(Hash::Sha384),
            SHA512 => Some(Hash::Sha512),
            _ => None,
        }
    }

    /// The digest of the concatenation of `parts`.
    pub(crate) fn digest(self, parts: &[&[u8]]) -> Vec<u8> {
        fn run<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut h = D::new();
            parts.iter().for_each(|p| h.update(p));
            h.finalize().to_vec()
        }
        match self {
            Hash::Sha1 => run::<sha1::Sha1>(parts),
            Hash::Sha256 => run::<sha2::Sha256>(parts),
            Hash::Sha384 => run::<sha2::Sha384>(parts),
            Hash::Sha512 => run::<sha2::Sha512>(parts),
        }
    }

    /// The name used in reports.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Hash::Sha1 => "SHA-1",
            Hash::Sha256 => "SHA-256",
            Hash::Sha384 => "SHA-384",
            Hash::Sha512 => "SHA-512",
        }
    }
}

/// Why a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CryptoFailure {
    /// The algorithm or key type is not one Sahih validates.
    Unsupported(String),
    /// The signature value does not verify under the key.
    Invalid,
}

/// An `AlgorithmIdentifier` (RFC 5280 §4.1.1.2): its OID and raw parameters.
#[derive(Debug, Clone)]
pub(crate) struct Algorithm<'a> {
    pub(crate) oid: ObjectIdentifier,
    pub(crate) params: Option<Tlv<'a>>,
}

impl<'a> Algorithm<'a> {
    /// Reads an `AlgorithmIdentifier` SEQUENCE.
    pub(crate) fn read(t: Tlv<'a>) -> ber::Result<Self> {
        let parts = t.expect(tag::SEQUENCE)?.children()?;
        let oid = parts
            .first()
            .ok_or(ber::BerError("empty algorithm"))?
            .oid()?;
        let params = parts.get(1).copied().filter(|p| p.tag != tag::NULL);
        Ok(Algorithm { oid, params })
    }
}

/// Which hash a signature algorithm implies, if it names one.
fn implied_hash(alg: &Algorithm<'_>) -> Result<Option<Hash>, CryptoFailure> {
    Ok(match alg.oid {
        SHA1_RSA | ECDSA_SHA1 => Some(Hash::Sha1),
        SHA256_RSA | ECDSA_SHA256 => Some(Hash::Sha256),
        SHA384_RSA | ECDSA_SHA384 => Some(Hash::Sha384),
        SHA512_RSA | ECDSA_SHA512 => Some(Hash::Sha512),
        RSA_PSS => Some(pss_params(alg)?.0),
        _ => None,
    })
}

/// RSASSA-PSS-params (RFC 8017 Appendix A.2.3): the hash and the salt length.
fn pss_params(alg: &Algorithm<'_>) -> Result<(Hash, usize), CryptoFailure> {
    let bad = || CryptoFailure::Unsupported("malformed RSASSA-PSS parameters".into());
    let mut hash = Hash::Sha1;
    let mut salt = 20usize;
    if let Some(params) = alg.params {
        for field in params.children().map_err(|_| bad())? {
            let inner = ber::parse(field.content).map_err(|_| bad())?.0;
            match field.tag {
                0xa0 => {
                    let a = Algorithm::read(inner).map_err(|_| bad())?;
                    hash = Hash::from_oid(&a.oid).ok_or_else(bad)?;
                }
                0xa2 => {
                    let n = inner.expect(tag::INTEGER).map_err(|_| bad())?.content;
                    salt = n
                        .iter()
                        .try_fold(0usize, |acc, b| {
                            acc.checked_mul(256).map(|v| v + usize::from(*b))
                        })
                        .filter(|s| *s <= 1024)
                        .ok_or_else(bad)?;
                }
                _ => {}
            }
        }
    }
    Ok((hash, salt))
}

/// Verifies `signature` over the concatenation of `message` by the key in `spki` (a DER
/// SubjectPublicKeyInfo), with signature algorithm `alg`; `hash` is the digest algorithm to use
/// when `alg` does not name one (CMS `rsaEncryption`, `id-ecPublicKey`). Ed25519 (RFC 8032)
/// signs the message itself.
///
/// Errors: [`CryptoFailure::Unsupported`] for an algorithm or key outside RFC 8017 RSA,
/// P-256/P-384 ECDSA and Ed25519; [`CryptoFailure::Invalid`] when the value does not verify.
pub(crate) fn verify(
    spki: &[u8],
    alg: &Algorithm<'_>,
    hash: Hash,
    message: &[&[u8]],
    signature: &[u8],
) -> Result<(), CryptoFailure> {
    let key = spki::SubjectPublicKeyInfoRef::try_from(spki)
        .map_err(|_| CryptoFailure::Unsupported("unreadable public key".into()))?;
    let key_alg = key.algorithm.oid;
    let hash = implied_hash(alg)?.unwrap_or(hash);
    match alg.oid {
        RSA | SHA1_RSA | SHA256_RSA | SHA384_RSA | SHA512_RSA if key_alg == RSA => {
            verify_rsa(spki, hash, None, message, signature)
        }
        RSA_PSS if key_alg == RSA || key_alg == RSA_PSS => {
            let (_, salt) = pss_params(alg)?;
            verify_rsa(spki, hash, Some(salt), message, signature)
        }
        EC_PUBLIC_KEY | ECDSA_SHA1 | ECDSA_SHA256 | ECDSA_SHA384 | ECDSA_SHA512
            if key_alg == EC_PUBLIC_KEY =>
        {
            let curve = key
                .algorithm
                .parameters
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
            let digest = hash.digest(message);
            let point = key.subject_public_key.raw_bytes();
            match curve {
                Some(P256) => verify_p256(point, &digest, signature),
                Some(P384) => verify_p384(point, &digest, signature),
                other => Err(CryptoFailure::Unsupported(format!(
                    "elliptic curve {}",
                    other.map_or("(unnamed)".to_string(), |o| o.to_string())
                ))),
            }
        }
        ED25519 if key_alg == ED25519 => verify_ed25519(
            key.subject_public_key.raw_bytes(),
            &message.concat(),
            signature,
        ),
        other => Err(CryptoFailure::Unsupported(format!(
            "signature algorithm {other} with key type {key_alg}"
        ))),
    }
}

fn verify_rsa(
    spki: &[u8],
    hash: Hash,
    pss_salt: Option<usize>,
    message: &[&[u8]],
    signature: &[u8],
) -> Result<(), CryptoFailure> {
    let key = rsa::PublicKey::from_public_key_der(spki)
        .map_err(|_| CryptoFailure::Unsupported("unreadable RSA key".into()))?;
    let digest = hash.digest(message);
    let result = match (pss_salt, hash) {
        (None, Hash::Sha1) => {
            key.verify(rsa::Pkcs1v15Sign::new::<sha1::Sha1>(), &digest, signature)
        }
        (None, Hash::Sha256) => {
            key.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &digest, signature)
        }
        (None, Hash::Sha384) => {
            key.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha384>(), &digest, signature)
        }
        (None, Hash::Sha512) => {
            key.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha512>(), &digest, signature)
        }
        (Some(s), Hash::Sha1) => key.verify(
            rsa::pss::Pss::<sha1::Sha1>::new_with_salt(s),
            &digest,
            signature,
        ),
        (Some(s), Hash::Sha256) => key.verify(
            rsa::pss::Pss::<sha2::Sha256>::new_with_salt(s),
            &digest,
            signature,
        ),
        (Some(s), Hash::Sha384) => key.verify(
            rsa::pss::Pss::<sha2::Sha384>::new_with_salt(s),
            &digest,
            signature,
        ),
        (Some(s), Hash::Sha512) => key.verify(
            rsa::pss::Pss::<sha2::Sha512>::new_with_salt(s),
            &digest,
            signature,
        ),
    };
    result.map_err(|_| CryptoFailure::Invalid)
}

fn verify_p256(point: &[u8], digest: &[u8], signature: &[u8]) -> Result<(), CryptoFailure> {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(point)
        .map_err(|_| CryptoFailure::Unsupported("unreadable P-256 key".into()))?;
    let sig = p256::ecdsa::Signature::from_der(signature).map_err(|_| CryptoFailure::Invalid)?;
    key.verify_prehash(digest, &sig)
        .map_err(|_| CryptoFailure::Invalid)
}

fn verify_p384(point: &[u8], digest: &[u8], signature: &[u8]) -> Result<(), CryptoFailure> {
    use p384::ecdsa::signature::hazmat::PrehashVerifier;
    let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(point)
        .map_err(|_| CryptoFailure::Unsupported("unreadable P-384 key".into()))?;
    let sig = p384::ecdsa::Signature::from_der(signature).map_err(|_| CryptoFailure::Invalid)?;
    key.verify_prehash(digest, &sig)
        .map_err(|_| CryptoFailure::Invalid)
}

fn verify_ed25519(point: &[u8], message: &[u8], signature: &[u8]) -> Result<(), CryptoFailure> {
    let bytes: [u8; 32] = point
        .try_into()
        .map_err(|_| CryptoFailure::Unsupported("unreadable Ed25519 key".into()))?;
    let key = ed25519_dalek::VerifyingKey::from_bytes(&bytes)
        .map_err(|_| CryptoFailure::Unsupported("unreadable Ed25519 key".into()))?;
    let sig =
        ed25519_dalek::Signature::from_slice(signature).map_err(|_| CryptoFailure::Invalid)?;
    key.verify_strict(message, &sig)
        .map_err(|_| CryptoFailure::Invalid)
}

/// Whether `alg` (a signature algorithm) uses SHA-1, a legacy algorithm (ETSI TS 119 312).
pub(crate) fn is_legacy(alg: &Algorithm<'_>, hash: Hash) -> bool {
    matches!(implied_hash(alg), Ok(Some(Hash::Sha1))) || hash == Hash::Sha1
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSG: &[u8] = include_bytes!("../../tests/vectors/msg.bin");

    fn alg(oid: ObjectIdentifier) -> Algorithm<'static> {
        Algorithm { oid, params: None }
    }

    fn flipped(sig: &[u8]) -> Vec<u8> {
        let mut s = sig.to_vec();
        let last = s.len() - 1;
        s[last] ^= 1;
        s
    }

    #[test]
    fn verifies_openssl_p384_signatures_and_rejects_altered_ones() {
        let spki = include_bytes!("../../tests/vectors/p384.spki");
        let sig = include_bytes!("../../tests/vectors/p384.sig");
        assert_eq!(
            verify(spki, &alg(ECDSA_SHA384), Hash::Sha384, &[MSG], sig),
            Ok(())
        );
        // id-ecPublicKey with the digest algorithm from the SignerInfo, as some CMS signers write.
        assert_eq!(
            verify(spki, &alg(EC_PUBLIC_KEY), Hash::Sha384, &[MSG], sig),
            Ok(())
        );
        assert_eq!(
            verify(spki, &alg(ECDSA_SHA384), Hash::Sha384, &[b"other"], sig),
            Err(CryptoFailure::Invalid)
        );
    }

    #[test]
    fn verifies_openssl_rsa_pkcs1_and_pss_signatures() {
        let spki = include_bytes!("../../tests/vectors/rsa.spki");
        let pkcs1 = include_bytes!("../../tests/vectors/pkcs1.sig");
        let pss = include_bytes!("../../tests/vectors/pss.sig");
        let pss_alg = include_bytes!("../../tests/vectors/pss.alg");
        assert_eq!(
            verify(spki, &alg(SHA256_RSA), Hash::Sha256, &[MSG], pkcs1),
            Ok(())
        );
        assert_eq!(verify(spki, &alg(RSA), Hash::Sha256, &[MSG], pkcs1), Ok(()));
        assert_eq!(
            verify(spki, &alg(RSA), Hash::Sha256, &[MSG], &flipped(pkcs1)),
            Err(CryptoFailure::Invalid)
        );
        let (t, _) = ber::parse(pss_alg).expect("algorithm");
        let pss_algorithm = Algorithm::read(t).expect("algorithm");
        assert_eq!(pss_params(&pss_algorithm), Ok((Hash::Sha256, 32)));
        assert_eq!(
            verify(spki, &pss_algorithm, Hash::Sha1, &[MSG], pss),
            Ok(())
        );
        assert_eq!(
            verify(spki, &pss_algorithm, Hash::Sha256, &[MSG], &flipped(pss)),
            Err(CryptoFailure::Invalid)
        );
        // A PKCS#1 v1.5 signature is no PSS signature.
        assert_eq!(
            verify(spki, &pss_algorithm, Hash::Sha256, &[MSG], pkcs1),
            Err(CryptoFailure::Invalid)
        );
    }

    #[test]
    fn names_what_it_cannot_verify() {
        let spki = include_bytes!("../../tests/vectors/p384.spki");
        let sig = include_bytes!("../../tests/vectors/p384.sig");
        let md5_rsa = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.4");
        assert!(matches!(
            verify(spki, &alg(md5_rsa), Hash::Sha256, &[MSG], sig),
            Err(CryptoFailure::Unsupported(_))
        ));
        assert!(matches!(
            verify(b"not a key", &alg(ECDSA_SHA384), Hash::Sha384, &[MSG], sig),
            Err(CryptoFailure::Unsupported(_))
        ));
    }
}
