//! Just enough of the PDF lexer (ISO 32000-2 §7.2–7.3) to find objects, dictionary entries and
//! their byte spans in a file without parsing it as a whole.

use std::ops::Range;

/// PDF white-space characters (ISO 32000-2 Table 1).
pub(crate) fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

/// PDF delimiters (ISO 32000-2 Table 2).
fn is_delimiter(c: u8) -> bool {
    matches!(
        c,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

/// The first byte at or after `i` that is neither white space nor inside a comment.
pub(crate) fn skip_space(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        if is_space(b[i]) {
            i += 1;
        } else if b[i] == b'%' {
            while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                i += 1;
            }
        } else {
            break;
        }
    }
    i
}

/// End of a regular token (name body, number, keyword) starting at `i`.
fn token_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && !is_space(b[i]) && !is_delimiter(b[i]) {
        i += 1;
    }
    i
}

/// End (exclusive) of a literal string whose `(` is at `i`.
fn literal_string_end(b: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 0usize;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// End (exclusive) of the one object that starts at `i` (after white space): a dictionary,
/// array, string, name, number, keyword, or an indirect reference `n g R`.
pub(crate) fn object_end(b: &[u8], i: usize) -> Option<usize> {
    let i = skip_space(b, i);
    match *b.get(i)? {
        b'<' if b.get(i + 1) == Some(&b'<') => {
            let mut j = i + 2;
            loop {
                j = skip_space(b, j);
                if b.get(j..j + 2)? == b">>" {
                    return Some(j + 2);
                }
                j = object_end(b, j)?;
            }
        }
        b'[' => {
            let mut j = i + 1;
            loop {
                j = skip_space(b, j);
                if *b.get(j)? == b']' {
                    return Some(j + 1);
                }
                j = object_end(b, j)?;
            }
        }
        b'<' => Some(i + b[i..].iter().position(|&c| c == b'>')? + 1),
        b'(' => literal_string_end(b, i),
        b'/' => Some(token_end(b, i + 1)),
        c if is_delimiter(c) => None,
        _ => {
            let end = token_end(b, i);
            Some(reference_end(b, i, end).unwrap_or(end))
        }
    }
}

/// If the integer at `start..end` begins `n g R`, the end of the `R`.
fn reference_end(b: &[u8], start: usize, end: usize) -> Option<usize> {
    let is_int = |r: &[u8]| !r.is_empty() && r.iter().all(u8::is_ascii_digit);
    if !is_int(&b[start..end]) {
        return None;
    }
    let g = skip_space(b, end);
    let g_end = token_end(b, g);
    if g_end == g || !is_int(&b[g..g_end]) {
        return None;
    }
    let r = skip_space(b, g_end);
    (b.get(r) == Some(&b'R') && token_end(b, r) == r + 1).then_some(r + 1)
}

/// One top-level entry of a dictionary, as spans of the file.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The key without its slash, e.g. `ByteRange`.
    pub key: String,
    /// From the key's `/` to the end of its value.
    pub whole: Range<usize>,
    /// The value alone.
    pub value: Range<usize>,
}

/// A dictionary found in the file: its span and top-level entries.
#[derive(Debug, Clone)]
pub(crate) struct Dict {
    pub span: Range<usize>,
    pub entries: Vec<Entry>,
}

impl Dict {
    /// The dictionary whose `<<` is at or after `i`.
    pub(crate) fn parse(b: &[u8], i: usize) -> Option<Dict> {
        let start = skip_space(b, i);
        if b.get(start..start + 2)? != b"<<" {
            return None;
        }
        let mut entries = Vec::new();
        let mut j = start + 2;
        loop {
            j = skip_space(b, j);
            if b.get(j..j + 2)? == b">>" {
                return Some(Dict {
                    span: start..j + 2,
                    entries,
                });
            }
            if b[j] != b'/' {
                return None;
            }
            let key_end = token_end(b, j + 1);
            let value_start = skip_space(b, key_end);
            let value_end = object_end(b, value_start)?;
            entries.push(Entry {
                key: String::from_utf8_lossy(&b[j + 1..key_end]).into_owned(),
                whole: j..value_end,
                value: value_start..value_end,
            });
            j = value_end;
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }
}

/// The text of `span` as a string (lossy).
pub(crate) fn text(b: &[u8], span: &Range<usize>) -> String {
    String::from_utf8_lossy(&b[span.clone()]).into_owned()
}

/// The integers of an array or a single integer at `span`; `None` if anything else is there.
pub(crate) fn integers(b: &[u8], span: &Range<usize>) -> Option<Vec<i64>> {
    let t = text(b, span);
    let inner = t.trim().trim_start_matches('[').trim_end_matches(']');
    inner
        .split_ascii_whitespace()
        .map(|n| n.parse().ok())
        .collect()
}

/// An object header `n g obj` found in the file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Header {
    pub num: u32,
    pub generation: u16,
    /// Offset of the first digit of `n`: what a cross-reference entry points at.
    pub offset: usize,
    /// Offset just after `obj`.
    pub body: usize,
}

/// Every `n g obj` header in `b[..limit]`, in file order (a raw scan, as a recovering reader
/// would do; objects inside object streams are not seen).
pub(crate) fn headers(b: &[u8], limit: usize) -> Vec<Header> {
    let mut out = Vec::new();
    let mut i = 0;
    let limit = limit.min(b.len());
    while let Some(p) = find(&b[..limit], b"obj", i) {
        i = p + 3;
        if b.get(p + 3)
            .is_some_and(|&c| !is_space(c) && !is_delimiter(c))
        {
            continue;
        }
        if let Some(h) = header_before(b, p) {
            out.push(h);
        }
    }
    out
}

/// Parses `n g ` immediately before the `obj` at `p`.
fn header_before(b: &[u8], p: usize) -> Option<Header> {
    let digits_back = |mut j: usize| {
        let end = j;
        while j > 0 && b[j - 1].is_ascii_digit() {
            j -= 1;
        }
        (j < end).then_some((j, end))
    };
    let mut j = p;
    while j > 0 && is_space(b[j - 1]) {
        j -= 1;
    }
    let (g0, g1) = digits_back(j)?;
    let mut k = g0;
    while k > 0 && is_space(b[k - 1]) {
        k -= 1;
    }
    if k == g0 {
        return None;
    }
    let (n0, n1) = digits_back(k)?;
    if n0 > 0 && !is_space(b[n0 - 1]) && !is_delimiter(b[n0 - 1]) {
        return None;
    }
    Some(Header {
        num: std::str::from_utf8(&b[n0..n1]).ok()?.parse().ok()?,
        generation: std::str::from_utf8(&b[g0..g1]).ok()?.parse().ok()?,
        offset: n0,
        body: p + 3,
    })
}

/// Position of `needle` in `hay` at or after `from`.
pub(crate) fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from >= hay.len() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// Position of the last `needle` in `hay[..before]`.
pub(crate) fn rfind(hay: &[u8], needle: &[u8], before: usize) -> Option<usize> {
    hay[..before.min(hay.len())]
        .windows(needle.len())
        .rposition(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dictionary_entries_have_exact_spans() {
        let b =
            b"1 0 obj\n<< /A 1 0 R /B [0 (x) <<>>] /C <41> /D (a\\)b) /E << /F /G >> >>\nendobj";
        let h = headers(b, b.len());
        assert_eq!((h.len(), h[0].num, h[0].offset), (1, 1, 0));
        let d = Dict::parse(b, h[0].body).expect("dict");
        let keys: Vec<_> = d.entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["A", "B", "C", "D", "E"]);
        assert_eq!(text(b, &d.get("A").expect("A").value), "1 0 R");
        assert_eq!(text(b, &d.get("D").expect("D").value), "(a\\)b)");
        assert_eq!(&b[d.span.end - 2..d.span.end], b">>");
    }
}
