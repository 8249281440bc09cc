//! The chain of cross-reference sections of a PDF, read strictly from `startxref` through
//! `/Prev` (ISO 32000-2 §7.5.5, §7.5.6, §7.5.8): each offset must point exactly at an `xref`
//! table or at a cross-reference stream object with `/Type /XRef`. Nothing is repaired: a file
//! that would need repair is reported as such.

use std::collections::HashSet;

use crate::SigningError;
use crate::source::{Source, find_from, parse_at, window};
use crate::syntax::{Dict, Lexer, Token, Value, parse_dict};

/// Upper bound on the number of sections (and so revisions) followed.
const MAX_SECTIONS: usize = 10_000;
/// How far from the end `startxref` is looked for (ISO 32000-2 §7.5.5 puts it in the last lines).
const TAIL: usize = 2048;

/// The kind of one cross-reference section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XrefKind {
    /// A classic `xref` table with a `trailer` dictionary (§7.5.4).
    Table,
    /// A cross-reference stream (§7.5.8).
    Stream,
}

/// One cross-reference section, newest first in [`xref_chain`]'s result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XrefSection {
    /// Byte offset of the section.
    pub offset: usize,
    /// Table or stream.
    pub kind: XrefKind,
    /// `/Prev`: offset of the previous section.
    pub prev: Option<usize>,
    /// `/XRefStm` of a hybrid-reference table (§7.5.8.4).
    pub xref_stm: Option<usize>,
    /// `/Size`: one more than the highest object number this section covers.
    pub size: Option<usize>,
    /// Byte offset of the trailer dictionary (or the xref stream's dictionary).
    pub trailer_at: usize,
}

fn broken(detail: String) -> SigningError {
    SigningError::BrokenXref { detail }
}

/// Reads the cross-reference chain of `pdf`, newest section first.
///
/// Errors: [`SigningError::BrokenXref`] when `startxref` is missing, an offset does not point
/// exactly at a section, a stream lacks `/Type /XRef`, or the chain loops.
pub fn xref_chain(pdf: &[u8]) -> Result<Vec<XrefSection>, SigningError> {
    chain_of(&pdf)
}

/// [`xref_chain`] over any [`Source`]: reads only the end of the file and the sections.
///
/// Errors: as [`xref_chain`], and [`SigningError::Io`] when the source cannot be read.
pub fn chain_of(src: &dyn Source) -> Result<Vec<XrefSection>, SigningError> {
    let mut next = Some(startxref(src)?);
    let mut seen = HashSet::new();
    let mut chain = Vec::new();
    while let Some(offset) = next {
        if !seen.insert(offset) {
            return Err(broken(format!("the /Prev chain loops at offset {offset}")));
        }
        if chain.len() >= MAX_SECTIONS {
            return Err(broken(format!(
                "more than {MAX_SECTIONS} cross-reference sections"
            )));
        }
        let section = section_at(src, offset)?;
        if let Some(stm) = section.xref_stm {
            let hybrid = section_at(src, stm)?;
            if hybrid.kind != XrefKind::Stream {
                return Err(broken(format!(
                    "/XRefStm {stm} is not a cross-reference stream"
                )));
            }
        }
        next = section.prev;
        chain.push(section);
    }
    Ok(chain)
}

fn startxref(src: &dyn Source) -> Result<usize, SigningError> {
    let tail_start = src.len().saturating_sub(TAIL);
    let tail = window(src, tail_start, TAIL)?;
    let at = tail
        .windows(9)
        .rposition(|w| w == b"startxref")
        .ok_or_else(|| broken("no startxref near the end of the file".into()))?;
    let mut lex = Lexer::new(&tail, at + 9);
    match lex.next() {
        Some(Token::Int(n)) if n >= 0 => {
            usize::try_from(n).map_err(|_| broken("startxref out of range".into()))
        }
        _ => Err(broken("startxref is not followed by an offset".into())),
    }
}

/// Largest dictionary read at a section, bytes.
const MAX_SECTION_DICT: usize = 16 * 1024 * 1024;

fn section_at(src: &dyn Source, offset: usize) -> Result<XrefSection, SigningError> {
    if offset >= src.len() {
        return Err(broken(format!(
            "offset {offset} lies beyond the end of the file"
        )));
    }
    let head = window(src, offset, 64)?;
    if head.starts_with(b"xref") {
        let trailer = find_from(src, offset, b"trailer")?
            .ok_or_else(|| broken(format!("the xref table at {offset} has no trailer")))?;
        let dict = top_level_entries(src, trailer + 7)?;
        return Ok(XrefSection {
            offset,
            kind: XrefKind::Table,
            prev: dict.int(b"Prev")?,
            xref_stm: dict.int(b"XRefStm")?,
            size: dict.int(b"Size")?,
            trailer_at: trailer + 7,
        });
    }
    if !head[0].is_ascii_digit() {
        return Err(broken(format!(
            "offset {offset} points at neither an xref table nor an object"
        )));
    }
    let mut lex = Lexer::new(&head, 0);
    let header = (lex.next(), lex.next(), lex.next());
    if !matches!(header, (Some(Token::Int(_)), Some(Token::Int(_)), Some(Token::Keyword(k))) if k == b"obj")
    {
        return Err(broken(format!(
            "offset {offset} points at neither an xref table nor an object"
        )));
    }
    let trailer_at = offset + lex.pos;
    let dict = top_level_entries(src, trailer_at)?;
    if dict.name(b"Type") != Some(b"XRef".as_slice()) {
        return Err(broken(format!(
            "the object at offset {offset} is not a cross-reference stream (/Type /XRef missing)"
        )));
    }
    Ok(XrefSection {
        offset,
        kind: XrefKind::Stream,
        prev: dict.int(b"Prev")?,
        xref_stm: None,
        size: dict.int(b"Size")?,
        trailer_at,
    })
}

/// The entries of the dictionary at `from` that this module reads.
struct Entries(Dict);

impl Entries {
    fn int(&self, key: &[u8]) -> Result<Option<usize>, SigningError> {
        match self.0.get(key).map(|e| &e.value) {
            None => Ok(None),
            Some(Value::Int(n)) => usize::try_from(*n)
                .map(Some)
                .map_err(|_| broken(format!("/{} is negative", String::from_utf8_lossy(key)))),
            Some(_) => Err(broken(format!(
                "/{} is not an integer",
                String::from_utf8_lossy(key)
            ))),
        }
    }

    fn name(&self, key: &[u8]) -> Option<&[u8]> {
        match self.0.get(key).map(|e| &e.value) {
            Some(Value::Name(n)) => Some(n.as_slice()),
            _ => None,
        }
    }
}

fn top_level_entries(src: &dyn Source, from: usize) -> Result<Entries, SigningError> {
    parse_at(src, from, MAX_SECTION_DICT, |w| parse_dict(w, 0))?
        .map(Entries)
        .ok_or_else(|| broken(format!("no readable dictionary at offset {from}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\nxref\n0 2\n0000000000 65535 f \n0000000009 00000 n \ntrailer\n<</Size 2/Root 1 0 R/Info<</Title(a>>b)>>>>\nstartxref\n40\n%%EOF\n";

    #[test]
    fn reads_a_table_section() {
        let chain = xref_chain(TABLE).expect("chain");
        assert_eq!(chain.len(), 1);
        assert_eq!(chain[0].kind, XrefKind::Table);
        assert_eq!(chain[0].prev, None);
    }

    #[test]
    fn refuses_a_prev_that_points_at_the_header() {
        let text = String::from_utf8_lossy(TABLE).replace("/Size 2/Root", "/Size 2/Prev 0/Root");
        let err = xref_chain(text.as_bytes()).expect_err("prev 0");
        assert!(err.to_string().contains("offset 0"), "{err}");
    }

    #[test]
    fn refuses_an_offset_that_misses_the_section() {
        let shifted = String::from_utf8_lossy(TABLE).replace("startxref\n40", "startxref\n41");
        assert!(matches!(
            xref_chain(shifted.as_bytes()),
            Err(SigningError::BrokenXref { .. })
        ));
    }

    #[test]
    fn refuses_a_stream_without_type_xref_and_a_looping_prev() {
        let no_type = b"%PDF-1.5\n5 0 obj<</Size 6/W[1 2 1]/Length 0>>stream\nendstream endobj\nstartxref\n9\n%%EOF";
        assert!(matches!(
            xref_chain(no_type),
            Err(SigningError::BrokenXref { .. })
        ));
        let looping = b"%PDF-1.5\n5 0 obj<</Type/XRef/Size 6/Prev 9/W[1 2 1]/Length 0>>stream\nendstream endobj\nstartxref\n9\n%%EOF";
        assert!(matches!(
            xref_chain(looping),
            Err(SigningError::BrokenXref { .. })
        ));
    }
}
