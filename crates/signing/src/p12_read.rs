//! Reading a PKCS#12 PFX (RFC 7292 §4): the MAC (§5, the Appendix B key derivation with
//! SHA-1 or SHA-256), the authenticated safe's `data` and `encryptedData` contents, and their
//! key and certificate bags (§4.2). Encryption: PBES2 (RFC 8018 §6.2, through `pkcs5`) and the
//! PKCS#12 PBE schemes of Appendix C: pbeWithSHAAnd3-KeyTripleDES-CBC,
//! pbeWithSHAAnd128BitRC2-CBC and pbeWithSHAAnd40BitRC2-CBC. PBMAC1 (RFC 9579) and public-key
//! privacy mode are not read. The `pkcs12` crate has these types but pins another `cms`
//! pre-release than this workspace, so the few structures are declared here.

use cbc::cipher::{BlockModeDecrypt, InnerIvInit, KeyIvInit, block_padding::Pkcs7};
use cms::content_info::ContentInfo;
use cms::encrypted_data::EncryptedData;
use der::asn1::{ObjectIdentifier, OctetString};
use der::{Any, Decode, Encode, Sequence};
use hmac::{KeyInit, Mac};
use spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

use crate::SigningError;

const OID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const OID_ENCRYPTED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.6");
const OID_KEY_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.1");
const OID_SHROUDED_KEY_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.2");
const OID_CERT_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.3");
const OID_X509_CERT: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.22.1");
const OID_PBES2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.13");
const OID_PBE_SHA1_3DES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.3");
const OID_PBE_SHA1_RC2_128: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.5");
const OID_PBE_SHA1_RC2_40: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.6");
const OID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");

/// `PFX` (RFC 7292 §4).
#[derive(Sequence)]
struct Pfx {
    version: u8,
    auth_safe: ContentInfo,
    mac_data: Option<MacData>,
}

/// `MacData` (RFC 7292 §4).
#[derive(Sequence)]
struct MacData {
    mac: DigestInfo,
    mac_salt: OctetString,
    #[asn1(default = "one")]
    iterations: u32,
}

fn one() -> u32 {
    1
}

/// `DigestInfo` (RFC 8017 §9.2).
#[derive(Sequence)]
struct DigestInfo {
    algorithm: AlgorithmIdentifierOwned,
    digest: OctetString,
}

/// `SafeBag` (RFC 7292 §4.2); the attributes (friendlyName, localKeyId) are not needed: the
/// key is matched to its certificate by public key.
#[derive(Sequence)]
struct SafeBag {
    bag_id: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    bag_value: Any,
    bag_attributes: Option<Any>,
}

/// `CertBag` (RFC 7292 §4.2.3).
#[derive(Sequence)]
struct CertBag {
    cert_id: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    cert_value: OctetString,
}

/// `EncryptedPrivateKeyInfo` (RFC 5958 §3).
#[derive(Sequence)]
struct EncryptedKey {
    algorithm: AlgorithmIdentifierOwned,
    data: OctetString,
}

/// `pkcs-12PbeParams` (RFC 7292 Appendix C).
#[derive(Sequence)]
struct PbeParams {
    salt: OctetString,
    iterations: u32,
}

/// What a PFX held: private keys (PKCS#8 DER) and certificates (DER), in file order.
pub(crate) struct Contents {
    pub keys: Vec<Zeroizing<Vec<u8>>>,
    pub certificates: Vec<Vec<u8>>,
}

fn unreadable(why: impl std::fmt::Display) -> SigningError {
    SigningError::Import {
        code: "E_P12_UNREADABLE",
        message: format!("not a usable PKCS#12 file: {why}"),
    }
}

fn wrong_password() -> SigningError {
    SigningError::Import {
        code: "E_P12_WRONG_PASSWORD",
        message: "the PKCS#12 password is wrong".into(),
    }
}

/// Reads the keys and certificates of a PFX, checking its MAC with `password`.
///
/// Errors: [`SigningError::Import`] with `E_P12_UNREADABLE` or `E_P12_WRONG_PASSWORD`.
pub(crate) fn read(bytes: &[u8], password: &str) -> Result<Contents, SigningError> {
    let pfx = Pfx::from_der(bytes).map_err(unreadable)?;
    if pfx.version != 3 || pfx.auth_safe.content_type != OID_DATA {
        return Err(unreadable("not a password-integrity PFX v3"));
    }
    let auth_safe = pfx
        .auth_safe
        .content
        .decode_as::<OctetString>()
        .map_err(unreadable)?;
    let mac = pfx
        .mac_data
        .ok_or_else(|| unreadable("no MAC (public-key integrity mode is not read)"))?;
    check_mac(&mac, password, auth_safe.as_bytes())?;
    let mut contents = Contents {
        keys: Vec::new(),
        certificates: Vec::new(),
    };
    for info in Vec::<ContentInfo>::from_der(auth_safe.as_bytes()).map_err(unreadable)? {
        let safe_contents = match info.content_type {
            OID_DATA => Zeroizing::new(
                info.content
                    .decode_as::<OctetString>()
                    .map_err(unreadable)?
                    .into_bytes()
                    .into_vec(),
            ),
            OID_ENCRYPTED_DATA => {
                let data = info
                    .content
                    .decode_as::<EncryptedData>()
                    .map_err(unreadable)?;
                let ciphertext = data
                    .enc_content_info
                    .encrypted_content
                    .ok_or_else(|| unreadable("encrypted data without content"))?;
                decrypt(
                    &data.enc_content_info.content_enc_alg,
                    password,
                    ciphertext.as_bytes(),
                )?
            }
            other => return Err(unreadable(format!("content type {other}"))),
        };
        read_bags(&safe_contents, password, &mut contents)?;
    }
    Ok(contents)
}

fn read_bags(der: &[u8], password: &str, out: &mut Contents) -> Result<(), SigningError> {
    for bag in Vec::<SafeBag>::from_der(der).map_err(unreadable)? {
        let value = bag.bag_value.to_der().map_err(unreadable)?;
        match bag.bag_id {
            OID_KEY_BAG => out.keys.push(Zeroizing::new(value)),
            OID_SHROUDED_KEY_BAG => {
                let key = EncryptedKey::from_der(&value).map_err(unreadable)?;
                out.keys
                    .push(decrypt(&key.algorithm, password, key.data.as_bytes())?);
            }
            OID_CERT_BAG => {
                let cert = CertBag::from_der(&value).map_err(unreadable)?;
                if cert.cert_id == OID_X509_CERT {
                    out.certificates
                        .push(cert.cert_value.into_bytes().into_vec());
                }
            }
            // CRL, secret and nested bags carry nothing Sahih signs with.
            _ => {}
        }
    }
    Ok(())
}

/// Checks the PFX's HMAC (RFC 7292 §5 and Appendix B.4) over the authenticated safe.
fn check_mac(mac: &MacData, password: &str, data: &[u8]) -> Result<(), SigningError> {
    check_iterations(mac.iterations)?;
    let oid = mac.mac.algorithm.oid;
    let expected = mac.mac.digest.as_bytes();
    let ok = if oid == OID_SHA1 {
        let key = derive::<sha1::Sha1>(password, mac.mac_salt.as_bytes(), mac.iterations, 3, 20);
        let mut h =
            <hmac::Hmac<sha1::Sha1> as KeyInit>::new_from_slice(&key).map_err(unreadable)?;
        h.update(data);
        h.verify_slice(expected).is_ok()
    } else if oid == crate::keys::OID_SHA256 {
        let key = derive::<sha2::Sha256>(password, mac.mac_salt.as_bytes(), mac.iterations, 3, 32);
        let mut h =
            <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&key).map_err(unreadable)?;
        h.update(data);
        h.verify_slice(expected).is_ok()
    } else {
        return Err(unreadable(format!("MAC digest {oid}")));
    };
    if ok { Ok(()) } else { Err(wrong_password()) }
}

/// Refuses a PKCS#12 iteration count (MAC or PBE, RFC 7292 Appendix B.2) above
/// [`crate::keys::MAX_KDF_ITERATIONS`] before anything is derived.
fn check_iterations(rounds: u32) -> Result<(), SigningError> {
    if rounds > crate::keys::MAX_KDF_ITERATIONS {
        return Err(unreadable(format!(
            "{rounds} key-derivation iterations (at most {} are taken)",
            crate::keys::MAX_KDF_ITERATIONS
        )));
    }
    Ok(())
}

/// Decrypts with PBES2 (its cost bounded by [`crate::keys::check_kdf_cost`]) or a PKCS#12 PBE scheme; a padding failure is a wrong password.
fn decrypt(
    alg: &AlgorithmIdentifierOwned,
    password: &str,
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, SigningError> {
    if alg.oid == OID_PBES2 {
        let scheme =
            pkcs8::pkcs5::EncryptionScheme::try_from(alg.to_der().map_err(unreadable)?.as_slice())
                .map_err(unreadable)?;
        crate::keys::check_kdf_cost(&scheme).map_err(unreadable)?;
        // PBES2 inside PKCS#12 takes the password's UTF-8 bytes (as OpenSSL writes it).
        return scheme
            .decrypt(password.as_bytes(), ciphertext)
            .map(Zeroizing::new)
            .map_err(|_| wrong_password());
    }
    let params = alg
        .parameters
        .as_ref()
        .ok_or_else(|| unreadable("PBE without parameters"))?
        .decode_as::<PbeParams>()
        .map_err(unreadable)?;
    let (salt, rounds) = (params.salt.as_bytes(), params.iterations);
    check_iterations(rounds)?;
    let iv = derive::<sha1::Sha1>(password, salt, rounds, 2, 8);
    let plain = match alg.oid {
        OID_PBE_SHA1_3DES => {
            let key = derive::<sha1::Sha1>(password, salt, rounds, 1, 24);
            cbc::Decryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
                .map_err(unreadable)?
                .decrypt_padded_vec::<Pkcs7>(ciphertext)
        }
        OID_PBE_SHA1_RC2_128 | OID_PBE_SHA1_RC2_40 => {
            let bits = if alg.oid == OID_PBE_SHA1_RC2_40 {
                40
            } else {
                128
            };
            let key = derive::<sha1::Sha1>(password, salt, rounds, 1, bits / 8);
            let rc2 = rc2::Rc2::new_with_eff_key_len(&key, bits);
            cbc::Decryptor::<rc2::Rc2>::inner_iv_slice_init(rc2, &iv)
                .map_err(unreadable)?
                .decrypt_padded_vec::<Pkcs7>(ciphertext)
        }
        other => return Err(unreadable(format!("encryption scheme {other}"))),
    };
    plain.map(Zeroizing::new).map_err(|_| wrong_password())
}

/// The key derivation of RFC 7292 Appendix B.2 for hash `D` (64-byte blocks): `id` 1 for a
/// key, 2 for an IV, 3 for a MAC key; the password as a BMPString with its two zero bytes
/// (Appendix B.1).
fn derive<D: sha2::Digest + Default>(
    password: &str,
    salt: &[u8],
    iterations: u32,
    id: u8,
    len: usize,
) -> Zeroizing<Vec<u8>> {
    const V: usize = 64;
    let mut bmp = Zeroizing::new(Vec::with_capacity(2 * password.len() + 2));
    for unit in password.encode_utf16() {
        bmp.extend_from_slice(&unit.to_be_bytes());
    }
    bmp.extend_from_slice(&[0, 0]);
    let fill = |src: &[u8]| -> Vec<u8> {
        if src.is_empty() {
            return Vec::new();
        }
        let n = V * src.len().div_ceil(V);
        src.iter().copied().cycle().take(n).collect()
    };
    let mut i = Zeroizing::new([fill(salt), fill(&bmp)].concat());
    let mut out = Zeroizing::new(Vec::with_capacity(len));
    while out.len() < len {
        let mut a = D::new()
            .chain_update([id; V])
            .chain_update(i.as_slice())
            .finalize()
            .to_vec();
        for _ in 1..iterations {
            a = D::digest(&a).to_vec();
        }
        let b: Vec<u8> = a.iter().copied().cycle().take(V).collect();
        for block in i.chunks_mut(V) {
            // block = (block + b + 1) mod 2^(8v), big-endian.
            let mut carry = 1u16;
            for (x, y) in block.iter_mut().zip(&b).rev() {
                let sum = u16::from(*x) + u16::from(*y) + carry;
                *x = (sum & 0xff) as u8;
                carry = sum >> 8;
            }
        }
        out.extend_from_slice(&a);
    }
    out.truncate(len);
    out
}

#[cfg(test)]
#[path = "p12_read_tests.rs"]
mod tests;
