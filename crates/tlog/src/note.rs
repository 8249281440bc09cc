//! Signed notes (c2sp.org/signed-note) with Ed25519 keys: parse, verify, sign.

use std::collections::HashSet;

use base64ct::{Base64, Encoding};

use crate::Error;
use crate::keys::{KeyId, SignerKey, VerifierKey, is_valid_key_name};

/// The most signature lines a note may carry; more make it malformed (the limit of
/// golang.org/x/mod/sumdb/note; c2sp.org/signed-note requires accepting at least 16).
pub const MAX_SIGNATURES: usize = 100;

/// The start of a signature line: EM DASH (U+2014) and a space.
const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// One signature line of a note: `— <name> base64(key ID ‖ signature)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NoteSignature {
    /// The key name.
    pub name: String,
    /// The key ID, the first four bytes of the base64 payload.
    pub key_id: KeyId,
    /// The signature bytes after the key ID (64 for Ed25519).
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The signature line, newline included (c2sp.org/signed-note, "Signatures").
    pub fn to_line(&self) -> String {
        let mut payload = self.key_id.0.to_be_bytes().to_vec();
        payload.extend_from_slice(&self.signature);
        format!(
            "{SIGNATURE_PREFIX}{} {}\n",
            self.name,
            Base64::encode_string(&payload)
        )
    }

    fn parse_line(line: &str) -> Result<NoteSignature, Error> {
        let malformed = |reason| Error::MalformedNote { reason };
        let rest = line.strip_prefix(SIGNATURE_PREFIX).ok_or(malformed(
            "a signature line does not start with an em dash and a space",
        ))?;
        let (name, encoded) = rest.split_once(' ').ok_or(malformed(
            "a signature line has no space after the key name",
        ))?;
        if !is_valid_key_name(name) {
            return Err(malformed("a signature line has an invalid key name"));
        }
        let payload = Base64::decode_vec(encoded)
            .ok()
            .filter(|bytes| Base64::encode_string(bytes) == encoded)
            .ok_or(malformed("a signature is not canonical standard base64"))?;
        if payload.len() < 5 {
            return Err(malformed(
                "a signature is shorter than a key ID and one byte",
            ));
        }
        Ok(NoteSignature {
            name: name.to_owned(),
            key_id: KeyId(u32::from_be_bytes([
                payload[0], payload[1], payload[2], payload[3],
            ])),
            signature: payload[4..].to_vec(),
        })
    }
}

/// A note whose syntax has been checked but whose signatures have not: the text and the
/// signature lines, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedNote {
    /// The note text, final newline included, separating blank line excluded.
    pub text: String,
    /// The signatures, in the order of their lines.
    pub signatures: Vec<NoteSignature>,
}

/// A note with at least one signature by a known key that verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedNote {
    /// The note text, final newline included.
    pub text: String,
    /// The signatures by known keys, all verified, one per key.
    pub verified: Vec<NoteSignature>,
    /// The signatures by keys not given, not checked, without exact duplicates.
    pub unverified: Vec<NoteSignature>,
}

fn check_characters(text: &str) -> Result<(), Error> {
    if text.chars().any(|c| c < '\u{20}' && c != '\n') {
        return Err(Error::MalformedNote {
            reason: "control character other than newline",
        });
    }
    Ok(())
}

/// Parses a signed note strictly (c2sp.org/signed-note, "Format"): valid UTF-8 without ASCII
/// control characters other than newline; the text, ending in a newline, separated by the
/// last blank line from one or more signature lines, each `— <name> <base64>\n` with a valid
/// key name and a canonical standard base64 payload of a 4-byte key ID and at least one byte;
/// at most [`MAX_SIGNATURES`] lines.
///
/// # Errors
/// [`Error::MalformedNote`], [`Error::TooManySignatures`].
pub fn parse(message: impl AsRef<[u8]>) -> Result<ParsedNote, Error> {
    let malformed = |reason| Error::MalformedNote { reason };
    let message =
        std::str::from_utf8(message.as_ref()).map_err(|_| malformed("not valid UTF-8"))?;
    check_characters(message)?;
    let split = message
        .rfind("\n\n")
        .ok_or(malformed("no blank line before the signatures"))?;
    let (text, signatures) = (&message[..=split], &message[split + 2..]);
    let Some(lines) = signatures.strip_suffix('\n') else {
        return Err(malformed(
            "no signature line, or no newline after the last one",
        ));
    };
    let lines: Vec<&str> = lines.split('\n').collect();
    if lines.len() > MAX_SIGNATURES {
        return Err(Error::TooManySignatures {
            limit: MAX_SIGNATURES,
        });
    }
    Ok(ParsedNote {
        text: text.to_owned(),
        signatures: lines
            .into_iter()
            .map(NoteSignature::parse_line)
            .collect::<Result<_, _>>()?,
    })
}

impl ParsedNote {
    /// Verifies the signatures against `verifiers` (c2sp.org/signed-note, "Signatures"):
    /// a signature whose name and key ID match no verifier is set aside as unverified; one
    /// that matches is checked, and if it fails the whole note is rejected; repeated
    /// signatures by one key are checked once. At least one must verify.
    ///
    /// # Errors
    /// [`Error::InvalidSignature`], [`Error::AmbiguousKey`] when two verifiers share a name
    /// and key ID, [`Error::NoVerifiedSignature`].
    pub fn verify(self, verifiers: &[VerifierKey]) -> Result<VerifiedNote, Error> {
        let mut verified = Vec::new();
        let mut unverified: Vec<NoteSignature> = Vec::new();
        let mut seen = HashSet::new();
        for signature in self.signatures {
            let mut matching = verifiers
                .iter()
                .filter(|v| v.name() == signature.name && v.key_id() == signature.key_id);
            let Some(verifier) = matching.next() else {
                if !unverified.contains(&signature) {
                    unverified.push(signature);
                }
                continue;
            };
            if matching.next().is_some() {
                return Err(Error::AmbiguousKey {
                    name: signature.name,
                    key_id: signature.key_id,
                });
            }
            if !seen.insert((signature.name.clone(), signature.key_id)) {
                continue;
            }
            if !verifier.verifies(self.text.as_bytes(), &signature.signature) {
                return Err(Error::InvalidSignature {
                    name: signature.name,
                    key_id: signature.key_id,
                });
            }
            verified.push(signature);
        }
        if verified.is_empty() {
            return Err(Error::NoVerifiedSignature {
                unverified: unverified.len(),
            });
        }
        Ok(VerifiedNote {
            text: self.text,
            verified,
            unverified,
        })
    }
}

/// Parses and verifies a signed note: [`parse`] then [`ParsedNote::verify`].
///
/// # Errors
/// Those of both.
pub fn open(message: impl AsRef<[u8]>, verifiers: &[VerifierKey]) -> Result<VerifiedNote, Error> {
    parse(message)?.verify(verifiers)
}

/// Signs `text` with each signer, in order, and returns the signed note: the text, a blank
/// line, one signature line per signer (c2sp.org/signed-note, "Format" and
/// "Ed25519 signatures").
///
/// # Errors
/// [`Error::MalformedNote`] if `text` does not end in a newline, has a control character other
/// than newline, or no signer is given.
pub fn sign(text: &str, signers: &[&SignerKey]) -> Result<String, Error> {
    if !text.ends_with('\n') {
        return Err(Error::MalformedNote {
            reason: "the note text does not end in a newline",
        });
    }
    check_characters(text)?;
    if signers.is_empty() {
        return Err(Error::MalformedNote {
            reason: "a note needs at least one signature",
        });
    }
    let mut note = format!("{text}\n");
    for signer in signers {
        let line = NoteSignature {
            name: signer.name().to_owned(),
            key_id: signer.key_id(),
            signature: signer.sign(text.as_bytes()).to_vec(),
        };
        note.push_str(&line.to_line());
    }
    Ok(note)
}
