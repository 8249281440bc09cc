//! Keys that never leave a PKCS#11 token (OASIS PKCS#11 v2.40/3.x, through `cryptoki`):
//! SoftHSM2 in tests, a smart card or an HSM in production. Sahih logs in to the token with the
//! PIN, finds the private key by label, and asks the token to sign; the key's value is never
//! read. A module is loaded and initialised once per process (`C_Initialize` may be called only
//! once) and kept until the process ends.
//!
//! Keys are named as on the command line (`--pkcs11-module`, `--token`, `--key-label`) or by a
//! PKCS#11 URI (RFC 7512: `pkcs11:token=Kota%20Uji;object=kadis`).

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::RawAuthPin;
use der::Decode;
use der::asn1::{ObjectIdentifier, OctetString};
use spki::EncodePublicKey;

use crate::SigningError;
use crate::keys::Algorithm;

const OID_PRIME256V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");

/// Where a key lives in a token: the token's label and the key object's label (RFC 7512
/// `token` and `object` attributes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pkcs11Uri {
    /// `CKA_LABEL` of the token (`token=`).
    pub token: String,
    /// `CKA_LABEL` of the private key (`object=`).
    pub object: String,
}

impl Pkcs11Uri {
    /// Parses `pkcs11:token=…;object=…` (RFC 7512 §2.3; attributes percent-encoded, in any
    /// order; `type=private` allowed; query attributes such as `?pin-source` are refused: the
    /// PIN is the officer's passphrase).
    ///
    /// Errors: [`SigningError::Key`] for anything else.
    pub fn parse(uri: &str) -> Result<Pkcs11Uri, SigningError> {
        let bad = |why: &str| SigningError::Key(format!("not a usable PKCS#11 URI: {why}"));
        let path = uri
            .trim()
            .strip_prefix("pkcs11:")
            .ok_or_else(|| bad("it must start with pkcs11:"))?;
        if path.contains('?') {
            return Err(bad("query attributes are not taken"));
        }
        let (mut token, mut object) = (None, None);
        for attr in path.split(';').filter(|a| !a.is_empty()) {
            let (name, value) = attr.split_once('=').ok_or_else(|| bad(attr))?;
            let value = percent_decode(value).ok_or_else(|| bad("bad percent-encoding"))?;
            match name {
                "token" => token = Some(value),
                "object" => object = Some(value),
                "type" if value == "private" => {}
                "type" => return Err(bad("type must be private")),
                // RFC 7512 lets a URI narrow the search further; these add nothing here.
                "manufacturer"
                | "model"
                | "serial"
                | "library-description"
                | "library-manufacturer"
                | "library-version"
                | "slot-description"
                | "slot-manufacturer"
                | "slot-id"
                | "id" => {}
                other => return Err(bad(&format!("unknown attribute {other}"))),
            }
        }
        Ok(Pkcs11Uri {
            token: token.ok_or_else(|| bad("token= is missing"))?,
            object: object.ok_or_else(|| bad("object= is missing"))?,
        })
    }
}

impl fmt::Display for Pkcs11Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "pkcs11:token={};object={}",
            percent_encode(&self.token),
            percent_encode(&self.object)
        )
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The modules loaded by this process, by path: `C_Initialize` runs once per module.
fn module(path: &Path) -> Result<Pkcs11, SigningError> {
    static MODULES: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    let mut modules = MODULES
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(ctx) = modules.get(path) {
        return Ok(ctx.clone());
    }
    let ctx = Pkcs11::new(path).map_err(|e| {
        SigningError::Key(format!(
            "cannot load PKCS#11 module {}: {e}",
            path.display()
        ))
    })?;
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(ck("initialising the PKCS#11 module", e)),
    }
    modules.insert(path.to_path_buf(), ctx.clone());
    Ok(ctx)
}

fn ck(what: &str, e: CkError) -> SigningError {
    SigningError::Key(format!("{what}: {e}"))
}

/// A private key in a token, with a logged-in session; the session is closed (and the token
/// logged out) on drop.
pub(crate) struct TokenKey {
    session: Mutex<Session>,
    key: ObjectHandle,
    algorithm: Algorithm,
    public_key_der: Vec<u8>,
}

impl fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenKey({})", self.algorithm.as_str())
    }
}

impl TokenKey {
    /// Logs in to the token labelled `token` of `module` with `pin` and finds the private key
    /// labelled `key_label` (an EC P-256 or RSA key).
    ///
    /// Errors: [`SigningError::WrongPassphrase`] for a wrong PIN (`CKR_PIN_INCORRECT`);
    /// [`SigningError::Key`] when the module, token or key is not found or not usable.
    pub(crate) fn open(
        module_path: &Path,
        token: &str,
        key_label: &str,
        pin: &[u8],
    ) -> Result<TokenKey, SigningError> {
        let ctx = module(module_path)?;
        let slot = ctx
            .get_slots_with_token()
            .map_err(|e| ck("listing the PKCS#11 slots", e))?
            .into_iter()
            .find(|s| {
                ctx.get_token_info(*s)
                    .is_ok_and(|info| info.label().trim_end() == token)
            })
            .ok_or_else(|| SigningError::Key(format!("no PKCS#11 token labelled {token:?}")))?;
        let session = ctx
            .open_ro_session(slot)
            .map_err(|e| ck("opening a PKCS#11 session", e))?;
        let pin = RawAuthPin::new(Box::new(pin.to_vec()));
        match session.login_with_raw(UserType::User, &pin) {
            Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(CkError::Pkcs11(RvError::PinIncorrect | RvError::PinLenRange, _)) => {
                return Err(SigningError::WrongPassphrase);
            }
            Err(e) => return Err(ck("logging in to the token", e)),
        }
        let key = find_one(&session, ObjectClass::PRIVATE_KEY, key_label)?;
        let (algorithm, public_key_der) = public_key(&session, key_label)?;
        Ok(TokenKey {
            session: Mutex::new(session),
            key,
            algorithm,
            public_key_der,
        })
    }

    pub(crate) fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    pub(crate) fn public_key_der(&self) -> &[u8] {
        &self.public_key_der
    }

    /// Signs `message` in the token: ECDSA over its SHA-256 digest (`CKM_ECDSA`, the raw
    /// `r ‖ s` turned into a DER `Ecdsa-Sig-Value`, RFC 5753 §7.2), or RSA PKCS#1 v1.5 with
    /// SHA-256 (`CKM_SHA256_RSA_PKCS`).
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SigningError> {
        use sha2::Digest;
        let session = self
            .session
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match self.algorithm {
            Algorithm::P256 => {
                let digest = sha2::Sha256::digest(message);
                let raw = session
                    .sign(&Mechanism::Ecdsa, self.key, &digest)
                    .map_err(|e| ck("signing in the token", e))?;
                let sig = p256::ecdsa::Signature::from_slice(&raw)
                    .map_err(|e| SigningError::Key(format!("token's ECDSA signature: {e}")))?;
                Ok(sig.to_der().as_bytes().to_vec())
            }
            _ => session
                .sign(&Mechanism::Sha256RsaPkcs, self.key, message)
                .map_err(|e| ck("signing in the token", e)),
        }
    }
}

fn find_one(
    session: &Session,
    class: ObjectClass,
    label: &str,
) -> Result<ObjectHandle, SigningError> {
    let found = session
        .find_objects(&[
            Attribute::Class(class),
            Attribute::Label(label.as_bytes().to_vec()),
        ])
        .map_err(|e| ck("searching the token", e))?;
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(SigningError::Key(format!(
            "no {class} labelled {label:?} in the token"
        ))),
        _ => Err(SigningError::Key(format!(
            "several {class} objects labelled {label:?} in the token"
        ))),
    }
}

/// The algorithm and SubjectPublicKeyInfo DER (RFC 5280 §4.1.2.7) of the public key object
/// labelled like the private key.
fn public_key(session: &Session, label: &str) -> Result<(Algorithm, Vec<u8>), SigningError> {
    let object = find_one(session, ObjectClass::PUBLIC_KEY, label)?;
    let attrs = session
        .get_attributes(
            object,
            &[
                AttributeType::KeyType,
                AttributeType::EcParams,
                AttributeType::EcPoint,
                AttributeType::Modulus,
                AttributeType::PublicExponent,
            ],
        )
        .map_err(|e| ck("reading the public key", e))?;
    let (mut kind, mut params, mut point, mut n, mut e) = (None, None, None, None, None);
    for attr in attrs {
        match attr {
            Attribute::KeyType(k) => kind = Some(k),
            Attribute::EcParams(p) => params = Some(p),
            Attribute::EcPoint(p) => point = Some(p),
            Attribute::Modulus(m) => n = Some(m),
            Attribute::PublicExponent(x) => e = Some(x),
            _ => {}
        }
    }
    let bad = |why: &str| SigningError::Key(format!("the token's public key: {why}"));
    let (algorithm, spki) = match kind {
        Some(KeyType::EC) => {
            let curve = params
                .and_then(|p| ObjectIdentifier::from_der(&p).ok())
                .ok_or_else(|| bad("no named curve"))?;
            if curve != OID_PRIME256V1 {
                return Err(bad("only P-256 keys are supported"));
            }
            // CKA_EC_POINT is a DER OCTET STRING holding the SEC1 point (PKCS#11 §2.3.3);
            // some tokens give the bare point.
            let point = point.ok_or_else(|| bad("no EC point"))?;
            let sec1 = OctetString::from_der(&point)
                .map(|o| o.into_bytes().into_vec())
                .unwrap_or(point);
            let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
                .map_err(|_| bad("not a P-256 point"))?;
            (Algorithm::P256, key.to_public_key_der())
        }
        Some(KeyType::RSA) => {
            let (n, e) = n.zip(e).ok_or_else(|| bad("no modulus"))?;
            let key = rsa::PublicKey::new(
                rsa::BoxedUint::from_be_slice_vartime(&n),
                rsa::BoxedUint::from_be_slice_vartime(&e),
            )
            .map_err(|e| bad(&e.to_string()))?;
            (Algorithm::Rsa, key.to_public_key_der())
        }
        _ => return Err(bad("only EC P-256 and RSA keys are supported")),
    };
    let der = spki.map_err(|e| bad(&e.to_string()))?;
    Ok((algorithm, der.as_bytes().to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_parse_per_rfc_7512_and_print_back() {
        let uri =
            Pkcs11Uri::parse("pkcs11:token=Kota%20Uji;object=kadis;type=private").expect("uri");
        assert_eq!(uri.token, "Kota Uji");
        assert_eq!(uri.object, "kadis");
        assert_eq!(uri.to_string(), "pkcs11:token=Kota%20Uji;object=kadis");
        assert_eq!(Pkcs11Uri::parse(&uri.to_string()).expect("again"), uri);
        for bad in [
            "pkcs11:object=kadis",
            "pkcs11:token=t",
            "pkcs11:token=t;object=k?pin-value=1234",
            "pkcs11:token=t;object=k;type=public",
            "pkcs11:token=%zz;object=k",
            "file:///key.pem",
        ] {
            assert!(Pkcs11Uri::parse(bad).is_err(), "{bad}");
        }
    }
}
