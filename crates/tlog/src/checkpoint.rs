//! The checkpoint body of c2sp.org/tlog-checkpoint, byte-exact.

use crate::note::{self, VerifiedNote};
use crate::{Error, Hash, TreeSize};
use crate::{SignerKey, VerifierKey};

/// A log's signed tree head, as the note text of c2sp.org/tlog-checkpoint:
///
/// ```text
/// <origin>\n<tree size in decimal>\n<root hash, standard base64>\n[<extension line>\n]...
/// ```
///
/// Only [`Checkpoint::new`] and [`Checkpoint::parse`] make one, so every value has a non-empty
/// origin and extension lines without control characters, and [`Checkpoint::to_body`] of a
/// parsed checkpoint gives back the exact bytes parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    origin: String,
    size: TreeSize,
    root: Hash,
    extensions: Vec<String>,
}

fn check_line(line: &str, number: usize) -> Result<(), Error> {
    if line.is_empty() {
        return Err(Error::MalformedCheckpoint {
            line: number,
            reason: "empty line",
        });
    }
    if line.chars().any(|c| c < '\u{20}') {
        return Err(Error::MalformedCheckpoint {
            line: number,
            reason: "control character (signed-note forbids them)",
        });
    }
    Ok(())
}

fn parse_size(text: &str) -> Result<TreeSize, Error> {
    let malformed = |reason| Error::MalformedCheckpoint { line: 2, reason };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed("tree size is not a decimal number"));
    }
    if text.len() > 1 && text.starts_with('0') {
        return Err(malformed("tree size has a leading zero"));
    }
    text.parse()
        .map(TreeSize)
        .map_err(|_| malformed("tree size does not fit in 64 bits"))
}

impl Checkpoint {
    /// A checkpoint of the tree of `size` leaves with root hash `root`, issued by the log
    /// `origin` (c2sp.org/tlog-checkpoint, "Note text"; the origin SHOULD be a schema-less URL
    /// and SHOULD equal the log's key name).
    ///
    /// # Errors
    /// [`Error::MalformedCheckpoint`] for an empty origin or one with a control character
    /// (newline included).
    pub fn new(origin: impl Into<String>, size: TreeSize, root: Hash) -> Result<Checkpoint, Error> {
        let origin = origin.into();
        check_line(&origin, 1)?;
        Ok(Checkpoint {
            origin,
            size,
            root,
            extensions: Vec::new(),
        })
    }

    /// Adds an extension line (opaque; c2sp.org/tlog-checkpoint does not recommend them).
    ///
    /// # Errors
    /// [`Error::MalformedCheckpoint`] for an empty line or one with a control character.
    pub fn with_extension(mut self, line: impl Into<String>) -> Result<Checkpoint, Error> {
        let line = line.into();
        check_line(&line, 4 + self.extensions.len())?;
        self.extensions.push(line);
        Ok(self)
    }

    /// The log's identity, the first line.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The number of leaves, the second line.
    pub fn size(&self) -> TreeSize {
        self.size
    }

    /// The RFC 6962 Merkle Tree Hash of those leaves, the third line.
    pub fn root(&self) -> Hash {
        self.root
    }

    /// The extension lines, without their newlines.
    pub fn extensions(&self) -> &[String] {
        &self.extensions
    }

    /// The note text, every line ending in `\n` (c2sp.org/tlog-checkpoint, "Note text").
    pub fn to_body(&self) -> String {
        let mut body = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            self.root.to_base64()
        );
        for line in &self.extensions {
            body.push_str(line);
            body.push('\n');
        }
        body
    }

    /// Parses a checkpoint body strictly (c2sp.org/tlog-checkpoint, "Note text"): at least three
    /// lines, each ending in `\n`; a non-empty origin; a decimal tree size without leading
    /// zeros (`0` alone for the empty tree) that fits in 64 bits; a root that is the canonical
    /// padded standard base64 of exactly 32 bytes; non-empty extension lines; no control
    /// characters.
    ///
    /// # Errors
    /// [`Error::MalformedCheckpoint`] naming the line.
    pub fn parse(body: &str) -> Result<Checkpoint, Error> {
        let Some(content) = body.strip_suffix('\n') else {
            return Err(Error::MalformedCheckpoint {
                line: body.split('\n').count(),
                reason: "missing final newline",
            });
        };
        let lines: Vec<&str> = content.split('\n').collect();
        if lines.len() < 3 {
            return Err(Error::MalformedCheckpoint {
                line: lines.len() + 1,
                reason: "fewer than three lines",
            });
        }
        for (i, line) in lines.iter().enumerate() {
            check_line(line, i + 1)?;
        }
        let size = parse_size(lines[1])?;
        let root = Hash::from_base64(lines[2]).ok_or(Error::MalformedCheckpoint {
            line: 3,
            reason: "root hash is not the standard base64 of 32 bytes",
        })?;
        Ok(Checkpoint {
            origin: lines[0].to_owned(),
            size,
            root,
            extensions: lines[3..].iter().map(|s| (*s).to_owned()).collect(),
        })
    }

    /// The checkpoint as a signed note (c2sp.org/signed-note) with one Ed25519 signature.
    ///
    /// # Errors
    /// None in practice: the body is always a valid note text.
    pub fn sign(&self, signer: &SignerKey) -> Result<String, Error> {
        note::sign(&self.to_body(), &[signer])
    }

    /// Opens a signed checkpoint: verifies the note against `verifiers`
    /// ([`note::open`]), then parses its text ([`Checkpoint::parse`]).
    ///
    /// # Errors
    /// Those of [`note::open`] and [`Checkpoint::parse`].
    pub fn open(
        signed: &str,
        verifiers: &[VerifierKey],
    ) -> Result<(Checkpoint, VerifiedNote), Error> {
        let verified = note::open(signed, verifiers)?;
        let checkpoint = Checkpoint::parse(&verified.text)?;
        Ok((checkpoint, verified))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GO: &str =
        "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n";

    #[test]
    fn strict_parse_rejects_each_deviation() {
        assert!(Checkpoint::parse(GO).is_ok());
        let bad = [
            ("", 1),
            ("origin\n1\n", 3),
            ("\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", 1),
            ("log\n00\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", 2),
            (
                "log\n012\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
                2,
            ),
            ("log\n+1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", 2),
            (
                "log\n18446744073709551616\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
                2,
            ),
            ("log\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\n", 3),
            ("log\n1\n47DEQpj8HBSa-_TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", 3),
            ("log\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", 3),
            (
                "log\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n",
                4,
            ),
            (
                "log\r\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
                1,
            ),
        ];
        for (body, line) in bad {
            match Checkpoint::parse(body) {
                Err(Error::MalformedCheckpoint { line: found, .. }) => {
                    assert_eq!(found, line, "{body:?}");
                }
                other => panic!("{body:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn zero_and_extensions_round_trip() {
        let body = "log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next one\n";
        let parsed = Checkpoint::parse(body).ok();
        assert_eq!(
            parsed.as_ref().map(Checkpoint::to_body).as_deref(),
            Some(body)
        );
        assert_eq!(parsed.map(|c| c.root()), Some(Hash::EMPTY_TREE));
        assert!(Checkpoint::new("a\nb", TreeSize(1), Hash::EMPTY_TREE).is_err());
        assert!(Checkpoint::new("", TreeSize(1), Hash::EMPTY_TREE).is_err());
    }
}
