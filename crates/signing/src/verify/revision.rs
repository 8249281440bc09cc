//! Revisions of a PDF (ISO 32000-2 §7.5.6): each incremental update ends with `startxref`, the
//! offset of its newest cross-reference section, and `%%EOF`. A revision is the file prefix up
//! to such an end; each is loaded on its own, strictly, so that every one must parse.

use std::collections::{BTreeSet, HashSet};

use lopdf::Document;

use crate::SigningError;
use crate::pdf::Strictness;
use crate::revisions::XrefSection;
use crate::source::{Prefix, Source, window};

/// Where one revision ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct RevisionEnd {
    /// Just after `%%EOF`, bytes.
    pub(crate) end: usize,
    /// After the end-of-line that follows `%%EOF`, if any.
    pub(crate) end_eol: usize,
}

impl RevisionEnd {
    /// Whether a signature whose ranges end at `at` covers exactly this revision: at `%%EOF`
    /// or within the end-of-line after it (a later update may have completed a bare CR).
    pub(crate) fn matches(&self, at: usize) -> bool {
        (self.end..=self.end_eol).contains(&at)
    }
}

/// Finds the revision ends: each `startxref N %%EOF` whose `N` is the offset of a section of
/// `chain`, among `eofs`, the offsets of every `%%EOF` in the file. The first-page trailer of a
/// linearized file (`startxref 0`) is no revision end.
///
/// Errors: the source's I/O errors.
pub(crate) fn revision_ends(
    src: &dyn Source,
    chain: &[XrefSection],
    eofs: &[usize],
) -> std::io::Result<Vec<RevisionEnd>> {
    let offsets: HashSet<usize> = chain.iter().map(|s| s.offset).collect();
    let mut ends = BTreeSet::new();
    for &at in eofs {
        if startxref_before(src, at)?.is_some_and(|n| offsets.contains(&n)) {
            ends.insert(end_at(src, at)?);
        }
    }
    Ok(ends.into_iter().collect())
}

/// The revision end of the `%%EOF` at `at`, with the end-of-line after it.
fn end_at(src: &dyn Source, at: usize) -> std::io::Result<RevisionEnd> {
    let after = window(src, at + 5, 2)?;
    let eol = if after.starts_with(b"\r\n") {
        2
    } else if after.first().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        1
    } else {
        0
    };
    Ok(RevisionEnd {
        end: at + 5,
        end_eol: at + 5 + eol,
    })
}

/// When the whole file's cross-reference chain does not read: the ends of the prefixes whose
/// own chain reads strictly (the revisions before a broken update), among `eofs`.
///
/// Errors: the source's I/O errors.
pub(crate) fn readable_prefixes(
    src: &dyn Source,
    eofs: &[usize],
) -> std::io::Result<Vec<RevisionEnd>> {
    let mut out = Vec::new();
    // The newest candidates only: each is a chain read, and a hostile file can hold millions.
    let from = eofs.len().saturating_sub(2 * super::MAX_REVISIONS);
    for &at in &eofs[from..] {
        if startxref_before(src, at)?.is_none() {
            continue;
        }
        let prefix = Prefix::new(src, at + 5);
        if let Ok(chain) = crate::revisions::chain_of(&prefix)
            && startxref_before(src, at)?.is_some_and(|n| chain.iter().any(|s| s.offset == n))
        {
            out.push(end_at(src, at)?);
        }
    }
    Ok(out)
}

/// How far before `%%EOF` its `startxref N` is looked for, bytes.
const STARTXREF_WINDOW: usize = 64;

/// The number in `startxref N` right before `at` (white space allowed around it).
fn startxref_before(src: &dyn Source, at: usize) -> std::io::Result<Option<usize>> {
    let from = at.saturating_sub(STARTXREF_WINDOW);
    let pdf = window(src, from, at - from)?;
    let mut i = pdf.len();
    while i > 0 && pdf[i - 1].is_ascii_whitespace() {
        i -= 1;
    }
    let digits_end = i;
    while i > 0 && pdf[i - 1].is_ascii_digit() {
        i -= 1;
    }
    if i == digits_end || digits_end - i > 12 {
        return Ok(None);
    }
    let Some(n) = std::str::from_utf8(&pdf[i..digits_end])
        .ok()
        .and_then(|t| t.parse().ok())
    else {
        return Ok(None);
    };
    while i > 0 && pdf[i - 1].is_ascii_whitespace() {
        i -= 1;
    }
    Ok(pdf[..i].ends_with(b"startxref").then_some(n))
}

/// Loads the revision ending at `end` on its own (see `pdf::Strictness::Validation`); returns
/// it with the notes on the defects tolerated.
pub(crate) fn load(
    src: &dyn Source,
    end: &RevisionEnd,
) -> Result<(Document, Vec<String>), SigningError> {
    crate::pdf::load_checked(&Prefix::new(src, end.end_eol), Strictness::Validation)
        .map(|(doc, _, notes)| (doc, notes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::revisions::XrefKind;

    fn section(offset: usize) -> XrefSection {
        XrefSection {
            offset,
            kind: XrefKind::Table,
            prev: None,
            xref_stm: None,
            size: None,
            trailer_at: offset,
        }
    }

    #[test]
    fn finds_each_revision_end_and_skips_the_linearization_trailer() {
        let pdf = b"%PDF-1.7\nxref\ntrailer<<>>\nstartxref\n0\n%%EOF\nxref\nstartxref\n45\n%%EOF\r\nmore\nstartxref 80 %%EOF";
        let src: &[u8] = pdf;
        let eofs = crate::source::find_all(&src, &[b"%%EOF"])
            .expect("scan")
            .remove(0);
        let ends = revision_ends(&src, &[section(45), section(80)], &eofs).expect("read");
        assert_eq!(ends.len(), 2);
        assert_eq!(&pdf[..ends[0].end], &pdf[..ends[0].end_eol - 2]);
        assert!(pdf[..ends[0].end].ends_with(b"45\n%%EOF"));
        assert_eq!(ends[1].end, pdf.len());
        assert!(ends[0].matches(ends[0].end_eol) && ends[0].matches(ends[0].end));
    }
}
