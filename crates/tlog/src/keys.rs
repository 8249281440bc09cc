//! Ed25519 note keys: key IDs, verifier keys and signer keys in the text formats of
//! c2sp.org/signed-note and golang.org/x/mod/sumdb/note.

use std::fmt;

use base64ct::{Base64, Encoding};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::Error;

/// The signature type byte of Ed25519 in c2sp.org/signed-note ("Signature types").
pub const ED25519: u8 = 0x01;

/// A 32-bit key ID (c2sp.org/signed-note, "Signatures"): the first four bytes, big-endian, of
/// `SHA-256(key name ‖ 0x0A ‖ signature type ‖ public key)`. Displayed as 8 lowercase hex
/// digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub u32);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08x}", self.0)
    }
}

/// The key ID of an Ed25519 key named `name`:
/// `SHA-256(name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key)[:4]` (c2sp.org/signed-note,
/// "Ed25519 signatures").
pub fn key_id(name: &str, public_key: &[u8; 32]) -> KeyId {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update([0x0a, ED25519]);
    hasher.update(public_key);
    let digest = hasher.finalize();
    KeyId(u32::from_be_bytes([
        digest[0], digest[1], digest[2], digest[3],
    ]))
}

/// Whether `name` is a valid key name (c2sp.org/signed-note, "Format"): non-empty, with no
/// Unicode space and no `+`.
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

fn malformed(reason: &'static str) -> Error {
    Error::MalformedKey { reason }
}

fn check_name(name: &str) -> Result<(), Error> {
    if is_valid_key_name(name) {
        Ok(())
    } else {
        Err(malformed("key name is empty or has a space or a plus"))
    }
}

/// Parses the 8 lowercase hex digits of a key ID.
fn parse_key_id(text: &str) -> Result<KeyId, Error> {
    if text.len() != 8 || !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(malformed("key ID is not 8 lowercase hex digits"));
    }
    u32::from_str_radix(text, 16)
        .map(KeyId)
        .map_err(|_| malformed("key ID is not 8 lowercase hex digits"))
}

/// Decodes `base64(0x01 ‖ 32 bytes)` strictly (canonical padded standard base64).
fn decode_typed_key(text: &str) -> Result<Zeroizing<[u8; 32]>, Error> {
    let mut buf = Zeroizing::new([0u8; 33]);
    let len = Base64::decode(text, &mut buf[..])
        .map_err(|_| malformed("key material is not standard base64 of 33 bytes"))?
        .len();
    let canonical = Zeroizing::new(Base64::encode_string(&buf[..len]));
    if len == 0 || *canonical != text {
        return Err(malformed("key material is not standard base64 of 33 bytes"));
    }
    if buf[0] != ED25519 {
        return Err(Error::UnknownAlgorithm { algorithm: buf[0] });
    }
    if len != 33 {
        return Err(malformed("an Ed25519 key is 32 bytes"));
    }
    let mut key = Zeroizing::new([0u8; 32]);
    key.copy_from_slice(&buf[1..]);
    Ok(key)
}

/// An Ed25519 public key with its name and key ID: what a client pins to trust a log.
///
/// Text form (c2sp.org/signed-note, "Verifier keys"; `NewVerifier` in
/// golang.org/x/mod/sumdb/note): `<name>+<8 hex digits of key ID>+<base64(0x01 ‖ 32-byte key)>`,
/// e.g. `PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    key_id: KeyId,
    key: VerifyingKey,
}

impl VerifierKey {
    /// The verifier key of Ed25519 `key` under `name`.
    ///
    /// # Errors
    /// [`Error::MalformedKey`] for an invalid name.
    pub fn new(name: impl Into<String>, key: VerifyingKey) -> Result<VerifierKey, Error> {
        let name = name.into();
        check_name(&name)?;
        let key_id = key_id(&name, key.as_bytes());
        Ok(VerifierKey { name, key_id, key })
    }

    /// Parses the text form strictly: a valid name, exactly 8 lowercase hex digits, canonical
    /// standard base64 of the type byte 0x01 and 32 bytes that are a valid Ed25519 point, and a
    /// key ID equal to the one computed.
    ///
    /// # Errors
    /// [`Error::MalformedKey`], [`Error::UnknownAlgorithm`], [`Error::KeyIdMismatch`].
    pub fn parse(text: &str) -> Result<VerifierKey, Error> {
        let (name, rest) = text
            .split_once('+')
            .ok_or(malformed("no '+' after the name"))?;
        let (id, material) = rest
            .split_once('+')
            .ok_or(malformed("no '+' after the key ID"))?;
        check_name(name)?;
        let claimed = parse_key_id(id)?;
        let bytes = decode_typed_key(material)?;
        let key = VerifyingKey::from_bytes(&bytes)
            .map_err(|_| malformed("not a valid Ed25519 public key"))?;
        let verifier = VerifierKey::new(name, key)?;
        if verifier.key_id != claimed {
            return Err(Error::KeyIdMismatch {
                name: name.to_owned(),
                claimed,
                computed: verifier.key_id,
            });
        }
        Ok(verifier)
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The Ed25519 public key.
    pub fn public_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Whether `signature` (the bytes after the key ID) is this key's Ed25519 signature of
    /// `message` (RFC 8032, with `verify_strict`: no small-order keys or malleable signatures).
    pub(crate) fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        Signature::from_slice(signature)
            .is_ok_and(|signature| self.key.verify_strict(message, &signature).is_ok())
    }
}

impl fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut typed = [ED25519; 33];
        typed[1..].copy_from_slice(self.key.as_bytes());
        write!(
            f,
            "{}+{}+{}",
            self.name,
            self.key_id,
            Base64::encode_string(&typed)
        )
    }
}

/// An Ed25519 signing key with its name and key ID: what a log signs checkpoints with.
///
/// Text form (`NewSigner` in golang.org/x/mod/sumdb/note):
/// `PRIVATE+KEY+<name>+<8 hex digits of key ID>+<base64(0x01 ‖ 32-byte seed)>`. The seed is
/// zeroized when the key is dropped, and `Debug` does not show it.
pub struct SignerKey {
    name: String,
    key_id: KeyId,
    key: SigningKey,
}

impl SignerKey {
    /// The key with the 32-byte Ed25519 seed `seed` (RFC 8032 §5.1.5) under `name`.
    ///
    /// # Errors
    /// [`Error::MalformedKey`] for an invalid name.
    pub fn from_seed(name: impl Into<String>, seed: &[u8; 32]) -> Result<SignerKey, Error> {
        let name = name.into();
        check_name(&name)?;
        let key = SigningKey::from_bytes(seed);
        let key_id = key_id(&name, key.verifying_key().as_bytes());
        Ok(SignerKey { name, key_id, key })
    }

    /// A new random key from the operating system's generator.
    ///
    /// # Errors
    /// [`Error::MalformedKey`] for an invalid name; [`Error::Random`] if the generator fails.
    pub fn generate(name: impl Into<String>) -> Result<SignerKey, Error> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(&mut seed[..]).map_err(|e| Error::Random {
            reason: e.to_string(),
        })?;
        SignerKey::from_seed(name, &seed)
    }

    /// Parses the text form strictly, and checks the key ID against the public key derived
    /// from the seed.
    ///
    /// # Errors
    /// [`Error::MalformedKey`], [`Error::UnknownAlgorithm`], [`Error::KeyIdMismatch`].
    pub fn parse(text: &str) -> Result<SignerKey, Error> {
        let rest = text
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(malformed("a signer key starts with PRIVATE+KEY+"))?;
        let (name, rest) = rest
            .split_once('+')
            .ok_or(malformed("no '+' after the name"))?;
        let (id, material) = rest
            .split_once('+')
            .ok_or(malformed("no '+' after the key ID"))?;
        check_name(name)?;
        let claimed = parse_key_id(id)?;
        let seed = decode_typed_key(material)?;
        let signer = SignerKey::from_seed(name, &seed)?;
        if signer.key_id != claimed {
            return Err(Error::KeyIdMismatch {
                name: name.to_owned(),
                claimed,
                computed: signer.key_id,
            });
        }
        Ok(signer)
    }

    /// The text form, secret: keep it out of logs; it is zeroized when dropped.
    pub fn to_secret_string(&self) -> Zeroizing<String> {
        let mut typed = Zeroizing::new([ED25519; 33]);
        typed[1..].copy_from_slice(self.key.as_bytes());
        let material = Zeroizing::new(Base64::encode_string(&typed[..]));
        Zeroizing::new(format!(
            "PRIVATE+KEY+{}+{}+{}",
            self.name,
            self.key_id,
            material.as_str()
        ))
    }

    /// The matching verifier key, to publish.
    pub fn verifier_key(&self) -> VerifierKey {
        VerifierKey {
            name: self.name.clone(),
            key_id: self.key_id,
            key: self.key.verifying_key(),
        }
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The Ed25519 signature (RFC 8032) of `message`, 64 bytes.
    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

impl fmt::Debug for SignerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignerKey")
            .field("name", &self.name)
            .field("key_id", &self.key_id)
            .field("seed", &"<redacted>")
            .finish()
    }
}
