//! Nomor surat: the official number a signed document carries, e.g. `503/0012/DPMPTSP/XI/2026`.
//!
//! An agency numbers its outgoing letters per classification code (kode klasifikasi arsip, e.g.
//! `503` for licences) and per year, with no gaps. This module only parses and renders the
//! number's text; the store allocates the sequence number inside the signing transaction.
//!
//! ```
//! use sahih_workflow::{NumberFormat, NumberParts, Numbering, DEFAULT_NUMBER_FORMAT};
//!
//! let numbering = Numbering::new("503", NumberFormat::parse(DEFAULT_NUMBER_FORMAT)?)?;
//! let parts = NumberParts {
//!     classification: numbering.classification.clone(),
//!     seq: 12,
//!     agency: "DPMPTSP".into(),
//!     service: "sku".into(),
//!     month: 11,
//!     year: 2026,
//! };
//! assert_eq!(numbering.format.render(&parts), "503/0012/DPMPTSP/XI/2026");
//! # Ok::<(), sahih_workflow::NumberingError>(())
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::is_invisible;

/// The format used when a service names none: classification, four-digit sequence, agency
/// code, month in Roman numerals, year.
pub const DEFAULT_NUMBER_FORMAT: &str = "{classification}/{seq:04}/{agency}/{month_roman}/{year}";

/// The longest format accepted, in characters (Unicode scalar values).
pub const MAX_NUMBER_FORMAT_CHARS: usize = 120;

/// The longest classification code accepted, in characters.
pub const MAX_CLASSIFICATION_CHARS: usize = 20;

/// Why a number format or a classification code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberingError {
    /// The format is longer than [`MAX_NUMBER_FORMAT_CHARS`].
    #[error("the number format has {len} characters; at most {max} are allowed")]
    FormatTooLong {
        /// Its length, characters.
        len: usize,
        /// The limit, characters.
        max: usize,
    },
    /// A `{` without its `}`, or a `}` without its `{`.
    #[error("the number format has an unmatched `{brace}` at character {at}")]
    UnmatchedBrace {
        /// The brace.
        brace: char,
        /// Its 1-based position, characters.
        at: usize,
    },
    /// A placeholder this module does not know, e.g. `{seq:4}` or `{tahun}`.
    #[error("the number format has an unknown placeholder {{{0}}}")]
    UnknownPlaceholder(String),
    /// A control or invisible character in the literal text.
    #[error("the number format has a control or invisible character at character {at}")]
    ForbiddenChar {
        /// Its 1-based position, characters.
        at: usize,
    },
    /// `{seq}` must appear exactly once.
    #[error("the number format must contain {{seq}} exactly once; it has it {found} times")]
    SeqCount {
        /// How many times it appears.
        found: usize,
    },
    /// `{year}` and `{classification}` must appear: the counter starts over per year and per
    /// classification, so without them two documents would get the same number.
    #[error("the number format must contain {{{0}}}, or numbers would repeat")]
    MissingPlaceholder(&'static str),
    /// `{classification}` or `{seq}` touches a placeholder or a letter or digit: each must be
    /// set off by punctuation (or the start or end), so a number reads back one way and two
    /// classifications (`50` then a literal `3`, and `503`) cannot render the same number.
    #[error("{{{0}}} must stand between punctuation such as `/`, `.` or `-` (or at an end)")]
    NotDelimited(&'static str),
    /// The classification code is not 1–20 characters of `0-9 A-Z a-z . -`.
    #[error("classification code {0:?} must be 1 to 20 characters of digits, letters, `.` and `-`")]
    Classification(String),
}

impl NumberingError {
    /// The stable error code: `E_NUMBER_FORMAT` for any format problem, `E_CLASSIFICATION` for
    /// a bad classification code. Codes never change meaning.
    pub fn code(&self) -> &'static str {
        match self {
            NumberingError::Classification(_) => "E_CLASSIFICATION",
            _ => "E_NUMBER_FORMAT",
        }
    }
}

/// One piece of a parsed format.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Classification,
    /// Zero-padded to `width` digits (0: no padding).
    Seq(usize),
    Agency,
    Service,
    /// Zero-padded to `width` digits (0 or 2).
    Month(usize),
    MonthRoman,
    Year,
}

impl Segment {
    fn placeholder(name: &str) -> Option<Segment> {
        Some(match name {
            "classification" => Segment::Classification,
            "seq" => Segment::Seq(0),
            "agency" => Segment::Agency,
            "service" => Segment::Service,
            "month" => Segment::Month(0),
            "month:02" => Segment::Month(2),
            "month_roman" => Segment::MonthRoman,
            "year" => Segment::Year,
            _ => {
                let width = name.strip_prefix("seq:0")?;
                match width.as_bytes() {
                    [d @ b'1'..=b'9'] => Segment::Seq(usize::from(d - b'0')),
                    _ => return None,
                }
            }
        })
    }
}

/// A parsed number format such as [`DEFAULT_NUMBER_FORMAT`].
///
/// Placeholders: `{classification}`; `{seq}` or `{seq:0N}` (N = 1..=9, zero-padded to N digits;
/// exactly once); `{agency}` (agency code, e.g. `DPMPTSP`); `{service}` (service code);
/// `{month}`, `{month:02}`, `{month_roman}` (`I`..`XII`); `{year}` (four digits). `{year}` and
/// `{classification}` are required. Literal text between them is any printable text without
/// `{` or `}`. At most [`MAX_NUMBER_FORMAT_CHARS`] characters in all.
///
/// Serialized as its text; deserializing parses it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NumberFormat {
    text: String,
    segments: Vec<Segment>,
}

impl NumberFormat {
    /// Parses a format.
    ///
    /// Errors: [`NumberingError::FormatTooLong`], [`NumberingError::UnmatchedBrace`],
    /// [`NumberingError::UnknownPlaceholder`], [`NumberingError::ForbiddenChar`],
    /// [`NumberingError::SeqCount`], [`NumberingError::MissingPlaceholder`]; all with the code
    /// `E_NUMBER_FORMAT`.
    pub fn parse(text: &str) -> Result<NumberFormat, NumberingError> {
        let len = text.chars().count();
        if len > MAX_NUMBER_FORMAT_CHARS {
            return Err(NumberingError::FormatTooLong {
                len,
                max: MAX_NUMBER_FORMAT_CHARS,
            });
        }
        let mut segments = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().enumerate();
        while let Some((i, c)) = chars.next() {
            match c {
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some((_, '}')) => break,
                            Some((_, '{')) | None => {
                                return Err(NumberingError::UnmatchedBrace {
                                    brace: '{',
                                    at: i + 1,
                                });
                            }
                            Some((_, n)) => name.push(n),
                        }
                    }
                    let segment = Segment::placeholder(&name)
                        .ok_or(NumberingError::UnknownPlaceholder(name))?;
                    if !literal.is_empty() {
                        segments.push(Segment::Literal(std::mem::take(&mut literal)));
                    }
                    segments.push(segment);
                }
                '}' => {
                    return Err(NumberingError::UnmatchedBrace {
                        brace: '}',
                        at: i + 1,
                    });
                }
                c if c.is_control() || is_invisible(c) => {
                    return Err(NumberingError::ForbiddenChar { at: i + 1 });
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            segments.push(Segment::Literal(literal));
        }
        let found = segments
            .iter()
            .filter(|s| matches!(s, Segment::Seq(_)))
            .count();
        if found != 1 {
            return Err(NumberingError::SeqCount { found });
        }
        for (needed, name) in [
            (Segment::Year, "year"),
            (Segment::Classification, "classification"),
        ] {
            if !segments.contains(&needed) {
                return Err(NumberingError::MissingPlaceholder(name));
            }
        }
        for (i, segment) in segments.iter().enumerate() {
            let name = match segment {
                Segment::Classification => "classification",
                Segment::Seq(_) => "seq",
                _ => continue,
            };
            let before = i.checked_sub(1).map(|j| &segments[j]);
            let after = segments.get(i + 1);
            let set_off = |neighbour: Option<&Segment>, first: bool| match neighbour {
                None => true,
                Some(Segment::Literal(text)) => {
                    let c = if first {
                        text.chars().next()
                    } else {
                        text.chars().last()
                    };
                    c.is_some_and(|c| !c.is_alphanumeric())
                }
                Some(_) => false,
            };
            if !set_off(before, false) || !set_off(after, true) {
                return Err(NumberingError::NotDelimited(name));
            }
        }
        Ok(NumberFormat {
            text: text.to_string(),
            segments,
        })
    }

    /// The format's text, as given to [`NumberFormat::parse`].
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The number for `parts`: each placeholder replaced by its part. A month outside 1..=12
    /// (which [`NumberParts`] should never hold) is written in decimal for `{month_roman}`.
    pub fn render(&self, parts: &NumberParts) -> String {
        let mut out = String::with_capacity(self.text.len() + 16);
        for segment in &self.segments {
            match segment {
                Segment::Literal(text) => out.push_str(text),
                Segment::Classification => out.push_str(&parts.classification),
                Segment::Seq(width) => out.push_str(&format!("{:0width$}", parts.seq)),
                Segment::Agency => out.push_str(&parts.agency),
                Segment::Service => out.push_str(&parts.service),
                Segment::Month(width) => out.push_str(&format!("{:0width$}", parts.month)),
                Segment::MonthRoman => match roman_month(parts.month) {
                    Some(roman) => out.push_str(roman),
                    None => out.push_str(&parts.month.to_string()),
                },
                Segment::Year => out.push_str(&parts.year.to_string()),
            }
        }
        out
    }
}

impl Default for NumberFormat {
    /// [`DEFAULT_NUMBER_FORMAT`].
    fn default() -> NumberFormat {
        NumberFormat {
            text: DEFAULT_NUMBER_FORMAT.to_string(),
            segments: vec![
                Segment::Classification,
                Segment::Literal("/".into()),
                Segment::Seq(4),
                Segment::Literal("/".into()),
                Segment::Agency,
                Segment::Literal("/".into()),
                Segment::MonthRoman,
                Segment::Literal("/".into()),
                Segment::Year,
            ],
        }
    }
}

impl fmt::Display for NumberFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::str::FromStr for NumberFormat {
    type Err = NumberingError;
    fn from_str(s: &str) -> Result<NumberFormat, NumberingError> {
        NumberFormat::parse(s)
    }
}

impl TryFrom<String> for NumberFormat {
    type Error = NumberingError;
    fn try_from(s: String) -> Result<NumberFormat, NumberingError> {
        NumberFormat::parse(&s)
    }
}

impl From<NumberFormat> for String {
    fn from(f: NumberFormat) -> String {
        f.text
    }
}

/// `I`..`XII` for months 1..=12.
fn roman_month(month: u8) -> Option<&'static str> {
    const ROMAN: [&str; 12] = [
        "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII",
    ];
    ROMAN.get(usize::from(month).checked_sub(1)?).copied()
}

/// Checks a classification code: 1–20 characters of ASCII digits, letters, `.` and `-`
/// (e.g. `503`, `000.1.2`, `900`).
///
/// Errors: [`NumberingError::Classification`] (`E_CLASSIFICATION`).
pub fn validate_classification(code: &str) -> Result<(), NumberingError> {
    let ok = (1..=MAX_CLASSIFICATION_CHARS).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(NumberingError::Classification(code.to_string()))
    }
}

/// A service's numbering: its classification code and number format. In a service's TOML:
///
/// ```toml
/// [numbering]
/// classification = "503"
/// format = "{classification}/{seq:04}/{agency}/{month_roman}/{year}"  # optional
/// ```
///
/// Deserializing checks both fields (unknown keys are refused); `format` defaults to
/// [`DEFAULT_NUMBER_FORMAT`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawNumbering")]
pub struct Numbering {
    /// The classification code (kode klasifikasi), checked by [`validate_classification`].
    pub classification: String,
    /// How the number is written.
    pub format: NumberFormat,
}

impl Numbering {
    /// A numbering with a checked classification code.
    ///
    /// Errors: [`NumberingError::Classification`].
    pub fn new(
        classification: impl Into<String>,
        format: NumberFormat,
    ) -> Result<Numbering, NumberingError> {
        let classification = classification.into();
        validate_classification(&classification)?;
        Ok(Numbering {
            classification,
            format,
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNumbering {
    classification: String,
    #[serde(default)]
    format: NumberFormat,
}

impl TryFrom<RawNumbering> for Numbering {
    type Error = NumberingError;
    fn try_from(raw: RawNumbering) -> Result<Numbering, NumberingError> {
        Numbering::new(raw.classification, raw.format)
    }
}

/// What a number is made of. `seq` is the sequence number within (agency, classification,
/// year), from 1; `month` is 1..=12 and `year` the calendar year, both of the signing time in
/// the agency's time zone; `agency` and `service` are their codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberParts {
    /// Classification code.
    pub classification: String,
    /// Sequence number, from 1.
    pub seq: u64,
    /// Agency code, e.g. `DPMPTSP`.
    pub agency: String,
    /// Service code, e.g. `sku`.
    pub service: String,
    /// Month, 1..=12.
    pub month: u8,
    /// Year, e.g. 2026.
    pub year: i32,
}

#[cfg(test)]
mod tests;
