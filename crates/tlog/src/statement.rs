//! The signed statement carried by the QR code of a visible signature (format
//! `sahih-qr-statement/1`, docs/qr-statement.md): what the instance attests about one signing,
//! checkable offline with the instance's published log key (`GET /log/key`).
//!
//! Bytes (all lengths in bytes, integers big-endian):
//!
//! ```text
//! version      1     0x01
//! sha256       32    SHA-256 of the PDF before this signature (the first ByteRange part's
//!                    prefix: the whole input of the incremental update)
//! nomor_surat  1+n   length, UTF-8 (n may be 0: no number)
//! signer       1+n   length, UTF-8: the official's name
//! signer_id    1+n   length, raw bytes: the certificate's serial number (RFC 5280 §4.1.2.2)
//! log          1+k   tag 0: none (k = 0); 1: log index (k = 8); 2: the document's log
//!                    pseudonym, i.e. the `document=` of its `kind=signed` leaf (k = 16)
//! key_id       4     the c2sp.org/signed-note key ID of the signing key
//! signature    64    Ed25519 (RFC 8032) over DOMAIN ‖ every byte above
//! ```
//!
//! `DOMAIN` is `sahih-qr-statement/1` followed by a NUL byte. A signed note's text (what a
//! checkpoint signature covers, c2sp.org/signed-note) is UTF-8 without control characters other
//! than newline, so it can never start with these bytes: a statement signature is never a valid
//! checkpoint signature and the other way round.
//!
//! In a QR code the statement is base64url without padding (RFC 4648 §5) in the fragment of
//! the document's verification URL, `https://host/v/<code>#s=<statement>`: a browser never
//! sends the fragment, so the server needs no part of it.

use base64ct::{Base64UrlUnpadded, Encoding};

use crate::{Error, KeyId, SignerKey, VerifierKey};

/// The domain-separation prefix of the signature input.
pub const STATEMENT_DOMAIN: &[u8] = b"sahih-qr-statement/1\0";
/// The version byte.
pub const STATEMENT_VERSION: u8 = 1;
/// The URL fragment key the statement is carried under (`#s=...`).
pub const FRAGMENT_KEY: &str = "s=";
/// Longest encoded statement [`Statement::open`] reads, characters.
pub const MAX_ENCODED_LEN: usize = 2048;

/// Where the signing event sits in the transparency log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogRef {
    /// Not given.
    None,
    /// The leaf index of the `signed` event (RFC 9162 §2.1.3).
    Index(u64),
    /// The document's pseudonym, the `document=` value of its one `kind=signed` leaf: the
    /// index is given only when the sequencer runs, after the PDF is made.
    Document([u8; 16]),
}

/// What the instance attests about one signature (see the module documentation for bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// SHA-256 of the PDF as it was before the signature, 32 bytes.
    pub document_sha256: [u8; 32],
    /// The nomor surat; empty when the document has none.
    pub nomor_surat: String,
    /// The signing official's name.
    pub signer: String,
    /// The signer's certificate serial number, raw bytes (at most 255).
    pub signer_id: Vec<u8>,
    /// The signing event in the log.
    pub log: LogRef,
}

fn malformed(reason: &'static str) -> Error {
    Error::MalformedStatement { reason }
}

fn push_field(out: &mut Vec<u8>, bytes: &[u8]) -> Result<(), Error> {
    let len = u8::try_from(bytes.len()).map_err(|_| malformed("a field is over 255 bytes"))?;
    out.push(len);
    out.extend_from_slice(bytes);
    Ok(())
}

/// A cursor over statement bytes that fails on truncation.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        if self.0.len() < n {
            return Err(malformed("truncated"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn field(&mut self) -> Result<&'a [u8], Error> {
        let len = self.take(1)?[0];
        self.take(usize::from(len))
    }

    fn text(&mut self) -> Result<String, Error> {
        let bytes = self.field()?;
        String::from_utf8(bytes.to_vec()).map_err(|_| malformed("a text field is not UTF-8"))
    }
}

impl Statement {
    /// The signed part: every byte before `key_id`.
    fn body(&self) -> Result<Vec<u8>, Error> {
        let mut out = Vec::with_capacity(128);
        out.push(STATEMENT_VERSION);
        out.extend_from_slice(&self.document_sha256);
        push_field(&mut out, self.nomor_surat.as_bytes())?;
        push_field(&mut out, self.signer.as_bytes())?;
        push_field(&mut out, &self.signer_id)?;
        match self.log {
            LogRef::None => out.push(0),
            LogRef::Index(i) => {
                out.push(1);
                out.extend_from_slice(&i.to_be_bytes());
            }
            LogRef::Document(p) => {
                out.push(2);
                out.extend_from_slice(&p);
            }
        }
        Ok(out)
    }

    /// Signs the statement with the instance's log key and encodes it, base64url unpadded.
    ///
    /// # Errors
    /// [`Error::MalformedStatement`] when a field is over 255 bytes.
    pub fn sign(&self, key: &SignerKey) -> Result<String, Error> {
        let mut bytes = self.body()?;
        bytes.extend_from_slice(&key.key_id().0.to_be_bytes());
        let mut input = STATEMENT_DOMAIN.to_vec();
        input.extend_from_slice(&bytes);
        bytes.extend_from_slice(&key.sign(&input));
        Ok(Base64UrlUnpadded::encode_string(&bytes))
    }

    /// Decodes a statement (base64url unpadded) and checks its signature with `key`; also
    /// accepts a whole URL whose fragment holds `s=<statement>`.
    ///
    /// # Errors
    /// [`Error::MalformedStatement`] (not base64url, truncated, trailing bytes, unknown version
    /// or log tag, text not UTF-8); [`Error::InvalidSignature`] when the key ID is not `key`'s
    /// or the signature does not verify.
    pub fn open(text: &str, key: &VerifierKey) -> Result<Statement, Error> {
        let encoded = statement_text(text.trim());
        if encoded.len() > MAX_ENCODED_LEN {
            return Err(malformed("longer than a statement can be"));
        }
        let bytes = Base64UrlUnpadded::decode_vec(encoded)
            .map_err(|_| malformed("not base64url without padding"))?;
        let statement = Statement::parse_body(&bytes)?;
        let body_len = statement.body()?.len();
        let rest = &bytes[body_len..];
        if rest.len() != 4 + 64 {
            return Err(malformed("key ID and signature must close the statement"));
        }
        let invalid = || Error::InvalidSignature {
            name: key.name().to_owned(),
            key_id: key.key_id(),
        };
        let key_id = KeyId(u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]));
        if key_id != key.key_id() {
            return Err(invalid());
        }
        let mut input = STATEMENT_DOMAIN.to_vec();
        input.extend_from_slice(&bytes[..body_len + 4]);
        if !key.verifies(&input, &rest[4..]) {
            return Err(invalid());
        }
        Ok(statement)
    }

    fn parse_body(bytes: &[u8]) -> Result<Statement, Error> {
        let mut r = Reader(bytes);
        if r.take(1)?[0] != STATEMENT_VERSION {
            return Err(malformed("unknown version"));
        }
        let mut document_sha256 = [0u8; 32];
        document_sha256.copy_from_slice(r.take(32)?);
        let nomor_surat = r.text()?;
        let signer = r.text()?;
        let signer_id = r.field()?.to_vec();
        let log = match r.take(1)?[0] {
            0 => LogRef::None,
            1 => {
                let mut i = [0u8; 8];
                i.copy_from_slice(r.take(8)?);
                LogRef::Index(u64::from_be_bytes(i))
            }
            2 => {
                let mut p = [0u8; 16];
                p.copy_from_slice(r.take(16)?);
                LogRef::Document(p)
            }
            _ => return Err(malformed("unknown log reference tag")),
        };
        Ok(Statement {
            document_sha256,
            nomor_surat,
            signer,
            signer_id,
            log,
        })
    }
}

/// The statement part of `text`: after `#s=` when `text` is a URL with that fragment, else
/// `text` itself.
fn statement_text(text: &str) -> &str {
    match text.split_once('#') {
        Some((_, fragment)) => fragment.strip_prefix(FRAGMENT_KEY).unwrap_or(fragment),
        None => text,
    }
}

/// The QR payload: `url` with the signed statement in its fragment, `url#s=<statement>`.
pub fn qr_payload(url: &str, encoded_statement: &str) -> String {
    format!("{url}#{FRAGMENT_KEY}{encoded_statement}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SignerKey {
        SignerKey::from_seed("sahih.test/log", &[9; 32]).expect("key")
    }

    fn statement() -> Statement {
        Statement {
            document_sha256: [0xab; 32],
            nomor_surat: "503/0012/DPMPTSP/XI/2026".into(),
            signer: "Ni Made Ayu Sukmawati, S.Kom.".into(),
            signer_id: vec![0x01, 0x7f, 0xee],
            log: LogRef::Document([7; 16]),
        }
    }

    #[test]
    fn a_statement_round_trips_through_a_url() {
        let key = key();
        for log in [LogRef::None, LogRef::Index(41), LogRef::Document([7; 16])] {
            let s = Statement { log, ..statement() };
            let encoded = s.sign(&key).expect("sign");
            let url = qr_payload("https://sahih.test/v/abc", &encoded);
            assert_eq!(Statement::open(&url, &key.verifier_key()).expect("open"), s);
            assert_eq!(
                Statement::open(&encoded, &key.verifier_key()).expect("open"),
                s
            );
        }
    }

    #[test]
    fn a_tampered_statement_fails() {
        let key = key();
        let encoded = statement().sign(&key).expect("sign");
        let mut bytes = Base64UrlUnpadded::decode_vec(&encoded).expect("b64");
        for at in [1, 40, bytes.len() - 70, bytes.len() - 1] {
            bytes[at] ^= 1;
            let tampered = Base64UrlUnpadded::encode_string(&bytes);
            assert!(
                Statement::open(&tampered, &key.verifier_key()).is_err(),
                "{at}"
            );
            bytes[at] ^= 1;
        }
        let other = SignerKey::from_seed("sahih.test/log", &[8; 32]).expect("key");
        assert!(matches!(
            Statement::open(&encoded, &other.verifier_key()),
            Err(Error::InvalidSignature { .. })
        ));
        let mut longer = bytes.clone();
        longer.push(0);
        let longer = Base64UrlUnpadded::encode_string(&longer);
        assert!(Statement::open(&longer, &key.verifier_key()).is_err());
        assert!(Statement::open("not*base64", &key.verifier_key()).is_err());
    }

    #[test]
    fn a_checkpoint_signature_never_verifies_as_a_statement() {
        // The signature input starts with a NUL-terminated domain, which no note text holds.
        assert!(STATEMENT_DOMAIN.contains(&0));
        assert!(std::str::from_utf8(STATEMENT_DOMAIN).is_ok_and(|s| s.contains('\0')));
    }

    #[test]
    fn overlong_fields_are_refused() {
        let s = Statement {
            signer: "x".repeat(256),
            ..statement()
        };
        assert!(matches!(
            s.sign(&key()),
            Err(Error::MalformedStatement { .. })
        ));
    }
}
