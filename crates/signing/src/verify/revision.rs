//! Revisions of a PDF (ISO 32000-2 §7.5.6): each incremental update ends with `startxref`, the
//! offset of its newest cross-reference section, and `%%EOF`. A revision is the file prefix up
//! to such an end; each is loaded on its own, strictly, so that every one must parse.

use std::collections::{BTreeSet, HashSet};

use lopdf::Document;

use crate::SigningError;
use crate::pdf::Strictness;
use crate::revisions::XrefSection;

/// Where one revision ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
/// `chain`. The first-page trailer of a linearized file (`startxref 0`) is no revision end.
pub(crate) fn revision_ends(pdf: &[u8], chain: &[XrefSection]) -> Vec<RevisionEnd> {
    let offsets: HashSet<usize> = chain.iter().map(|s| s.offset).collect();
    let mut ends = BTreeSet::new();
    let mut from = 0;
    while let Some(rel) = find(&pdf[from..], b"%%EOF") {
        let at = from + rel;
        from = at + 5;
        if startxref_before(pdf, at).is_some_and(|n| offsets.contains(&n)) {
            let mut end_eol = at + 5;
            if pdf[end_eol..].starts_with(b"\r\n") {
                end_eol += 2;
            } else if pdf.get(end_eol).is_some_and(|b| *b == b'\n' || *b == b'\r') {
                end_eol += 1;
            }
            ends.insert((at + 5, end_eol));
        }
    }
    ends.into_iter()
        .map(|(end, end_eol)| RevisionEnd { end, end_eol })
        .collect()
}

/// When the whole file's cross-reference chain does not read: the ends of the prefixes whose
/// own chain reads strictly (the revisions before a broken update).
pub(crate) fn readable_prefixes(pdf: &[u8]) -> Vec<RevisionEnd> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(rel) = find(&pdf[from..], b"%%EOF") {
        let at = from + rel;
        from = at + 5;
        if startxref_before(pdf, at).is_none() {
            continue;
        }
        let prefix = &pdf[..at + 5];
        if let Ok(chain) = crate::revisions::xref_chain(prefix)
            && let Some(end) = revision_ends(pdf, &chain)
                .into_iter()
                .find(|e| e.end == at + 5)
        {
            out.push(end);
        }
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The number in `startxref N` right before `at` (white space allowed around it).
fn startxref_before(pdf: &[u8], at: usize) -> Option<usize> {
    let mut i = at;
    while i > 0 && pdf[i - 1].is_ascii_whitespace() {
        i -= 1;
    }
    let digits_end = i;
    while i > 0 && pdf[i - 1].is_ascii_digit() {
        i -= 1;
    }
    if i == digits_end || digits_end - i > 12 {
        return None;
    }
    let n = std::str::from_utf8(&pdf[i..digits_end])
        .ok()?
        .parse()
        .ok()?;
    while i > 0 && pdf[i - 1].is_ascii_whitespace() {
        i -= 1;
    }
    pdf[..i].ends_with(b"startxref").then_some(n)
}

/// Loads the revision ending at `end` on its own (see `pdf::Strictness::Validation`); returns
/// it with the notes on the defects tolerated.
pub(crate) fn load(pdf: &[u8], end: &RevisionEnd) -> Result<(Document, Vec<String>), SigningError> {
    crate::pdf::load_checked(&pdf[..end.end_eol], Strictness::Validation)
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
        let ends = revision_ends(pdf, &[section(45), section(80)]);
        assert_eq!(ends.len(), 2);
        assert_eq!(&pdf[..ends[0].end], &pdf[..ends[0].end_eol - 2]);
        assert!(pdf[..ends[0].end].ends_with(b"45\n%%EOF"));
        assert_eq!(ends[1].end, pdf.len());
        assert!(ends[0].matches(ends[0].end_eol) && ends[0].matches(ends[0].end));
    }
}
