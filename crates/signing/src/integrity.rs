//! Checks that a file is what its cross-reference data says, before anything is appended to
//! it (ISO 32000-2 §7.5.4, §7.5.8): every xref table is well formed (each subsection holds
//! exactly the entries its header counts), every object listed in use starts exactly at its
//! offset with its number and generation, and every stream's `/Length` ends at `endstream`.
//! Lenient readers repair such files silently, each in its own way; an update appended to one
//! can make validators disagree about earlier signatures, so the signer refuses it.

use std::cell::Cell;
use std::collections::HashMap;

use lopdf::xref::XrefEntry;
use lopdf::{Document, Object};

use crate::SigningError;
use crate::revisions::{XrefKind, XrefSection};
use crate::source::{Source, parse_at, window};
use crate::syntax::{Lexer, Token, Value, is_white, parse_dict};

/// A note on a defect validation tolerates.
fn tolerated(e: &SigningError) -> String {
    match e {
        SigningError::BrokenXref { detail } => format!("tolerated defect: {detail}"),
        other => format!("tolerated defect: {other}"),
    }
}

fn broken(detail: String) -> SigningError {
    SigningError::BrokenXref { detail }
}

/// Runs every check on `src`, whose chain is `chain` and which was loaded as `doc`. A defect
/// of object `id` for which `tolerate(id, length_only)` holds is pushed to `notes` instead of
/// failing (`length_only`: the defect is a stream `/Length` that misses `endstream`). With
/// `partial` (a document loaded with only the objects an update needs), an object that was not
/// loaded has its header checked at its offset, not its body.
pub(crate) fn check(
    src: &dyn Source,
    doc: &Document,
    chain: &[XrefSection],
    partial: bool,
    tolerate: &dyn Fn(u32, bool) -> bool,
    notes: &mut Vec<String>,
) -> Result<u32, SigningError> {
    let mut max_ref = 0;
    for section in chain.iter().filter(|s| s.kind == XrefKind::Table) {
        let table = window(src, section.offset, section.trailer_at - section.offset)?;
        check_table(src, &table, section.offset, tolerate, notes)?;
    }
    let mut headers = HashMap::new();
    for (id, entry) in &doc.reference_table.entries {
        let outcome = match entry {
            XrefEntry::Normal { offset, generation } => match usize::try_from(*offset) {
                Ok(offset) => check_object(src, doc, (*id, *generation), offset, partial)
                    .map(|m| max_ref = max_ref.max(m)),
                Err(_) => Err((false, broken(format!("object {id}: offset out of range")))),
            },
            XrefEntry::Compressed { container, index } => {
                check_member(src, doc, &mut headers, *id, *container, *index)
                    .map(|m| max_ref = max_ref.max(m))
                    .map_err(|e| (false, e))
            }
            _ => Ok(()),
        };
        match outcome {
            Err((length_only, e)) if tolerate(*id, length_only) => notes.push(tolerated(&e)),
            Err((_, e)) => return Err(e),
            Ok(()) => {}
        }
    }
    Ok(max_ref)
}

/// The highest object number that `N G R` names in `text` (0 without any).
fn max_reference(text: &[u8]) -> u32 {
    let mut lex = Lexer::new(text, 0);
    let (mut a, mut b) = (None, None);
    let mut max = 0;
    while let Some(t) = lex.next() {
        if let (Token::Keyword(k), Some(Token::Int(n)), Some(Token::Int(_))) = (&t, &a, &b)
            && k == b"R"
        {
            max = max.max(u32::try_from(*n).unwrap_or(0));
        }
        a = b.take();
        b = Some(t);
    }
    max
}

/// What [`check_member`] learns of one object stream: the number of each member, and the
/// highest object number its members refer to.
type Header = Option<(Vec<u32>, u32)>;

/// Checks that object stream `container` lists object `id` at position `index` of its header
/// (ISO 32000-2 §7.5.7), and that every member is one complete value (lopdf files members by
/// the number the header gives, whatever the index). Headers are read once per stream into
/// `headers`, from the loaded document or, when it was not loaded, from the file. Returns the
/// highest object number the stream's members refer to.
fn check_member(
    src: &dyn Source,
    doc: &Document,
    headers: &mut HashMap<u32, Header>,
    id: u32,
    container: u32,
    index: u16,
) -> Result<u32, SigningError> {
    let header = headers.entry(container).or_insert_with(|| {
        let s = crate::reader::object_stream(src, doc, container).ok()?;
        let first = usize::try_from(s.dict.get(b"First").and_then(Object::as_i64).ok()?).ok()?;
        let n = s.dict.get(b"N").and_then(Object::as_i64).ok()?;
        let data = s
            .decompressed_content_with_limit(MEMBER_HEADER_LIMIT)
            .ok()?;
        let mut lex = Lexer::new(data.get(..first)?, 0);
        let mut out = Vec::new();
        for _ in 0..n {
            match (lex.next()?, lex.next()?) {
                (Token::Int(num), Token::Int(off)) => {
                    let at = first.checked_add(usize::try_from(off).ok()?)?;
                    Lexer::new(&data, at).skip_value()?;
                    out.push(u32::try_from(num).ok()?);
                }
                _ => return None,
            }
        }
        Some((out, max_reference(&data[first.min(data.len())..])))
    });
    match header {
        Some((numbers, max_ref)) if numbers.get(usize::from(index)) == Some(&id) => Ok(*max_ref),
        _ => Err(broken(format!(
            "object stream {container} does not hold object {id} at index {index}"
        ))),
    }
}

/// Decompressed bytes read from an object stream to check its header.
const MEMBER_HEADER_LIMIT: usize = 32 * 1024 * 1024;

/// Reads one xref table strictly: `xref`, then subsections of `start count` and exactly
/// `count` entries `nnnnnnnnnn ggggg n|f`, then `trailer`; checks every in-use entry's object.
fn check_table(
    src: &dyn Source,
    pdf: &[u8],
    offset: usize,
    tolerate: &dyn Fn(u32, bool) -> bool,
    notes: &mut Vec<String>,
) -> Result<(), SigningError> {
    let mut pos = 4;
    loop {
        pos = skip_white(pdf, pos);
        if pos >= pdf.len() || pdf[pos..].starts_with(b"trailer") {
            return Ok(());
        }
        let mut lex = Lexer::new(pdf, pos);
        let (Some(Token::Int(start)), Some(Token::Int(count))) = (lex.next(), lex.next()) else {
            return Err(broken(format!(
                "the xref table at {offset} has a malformed subsection header"
            )));
        };
        let (start, count) = match (u32::try_from(start), usize::try_from(count)) {
            (Ok(s), Ok(c)) if c <= src.len() / 18 => (s, c),
            _ => {
                return Err(broken(format!(
                    "the xref table at {offset} claims impossible entries"
                )));
            }
        };
        pos = skip_white(pdf, lex.pos);
        for i in 0..count {
            let entry = pdf.get(pos..pos + 18).ok_or_else(|| {
                broken(format!(
                    "the xref table at {offset} ends inside a subsection"
                ))
            })?;
            let digits =
                |r: std::ops::Range<usize>| entry[r.clone()].iter().all(u8::is_ascii_digit);
            let well_formed =
                digits(0..10) && entry[10] == b' ' && digits(11..16) && entry[16] == b' ';
            if !well_formed || !matches!(entry[17], b'n' | b'f') {
                return Err(broken(format!(
                    "the xref table at {offset} has a malformed entry for object {}",
                    u64::from(start) + i as u64
                )));
            }
            if entry[17] == b'n' {
                let at: usize = std::str::from_utf8(&entry[0..10])
                    .ok()
                    .and_then(|t| t.parse().ok())
                    .unwrap_or(0);
                let generation: u16 = std::str::from_utf8(&entry[11..16])
                    .ok()
                    .and_then(|t| t.parse().ok())
                    .unwrap_or(u16::MAX);
                let id = start.saturating_add(u32::try_from(i).unwrap_or(u32::MAX));
                match object_header(src, id, generation, at) {
                    Err(e) if tolerate(id, false) => notes.push(tolerated(&e)),
                    other => {
                        other?;
                    }
                }
            }
            // Each entry is exactly 20 bytes: its end of line is SP CR, SP LF or CR LF
            // (ISO 32000-2 §7.5.4); rows of other lengths are a file lenient readers realign.
            let eol = pdf.get(pos + 18..pos + 20);
            if !matches!(eol, Some(b" \r" | b" \n" | b"\r\n")) {
                return Err(broken(format!(
                    "the xref table at {offset} has an entry for object {} that is not 20 bytes long",
                    u64::from(start) + i as u64
                )));
            }
            pos += 20;
        }
    }
}

fn skip_white(pdf: &[u8], mut pos: usize) -> usize {
    while pdf.get(pos).is_some_and(|b| is_white(*b)) {
        pos += 1;
    }
    pos
}

/// Checks `id gen obj` at `offset` (white space before it is tolerated, as every reader does);
/// returns where the object's value starts.
fn object_header(
    src: &dyn Source,
    id: u32,
    generation: u16,
    offset: usize,
) -> Result<usize, SigningError> {
    let pdf = window(src, offset, 1024)?;
    let start = skip_white(&pdf, 0);
    let mut lex = Lexer::new(&pdf, start);
    let ok = pdf.get(start).is_some_and(u8::is_ascii_digit)
        && matches!((lex.next(), lex.next(), lex.next()),
            (Some(Token::Int(n)), Some(Token::Int(g)), Some(Token::Keyword(k)))
                if n == i64::from(id) && g == i64::from(generation) && k == b"obj");
    if !ok {
        return Err(broken(format!(
            "object {id} {generation} is not at offset {offset}, where the xref says"
        )));
    }
    Ok(offset + lex.pos)
}

/// Checks the object's header, that its value is one complete value followed by `endobj` (for
/// `strict`) or `stream`, and for a stream that `/Length` bytes after `stream` come to
/// `endstream` (ISO 32000-2 §7.3.8.1). Returns the highest object number the value refers to.
/// The object is read as text, never parsed into objects.
fn check_object(
    src: &dyn Source,
    doc: &Document,
    (id, generation): (u32, u16),
    offset: usize,
    strict: bool,
) -> Result<u32, (bool, SigningError)> {
    let value_at = object_header(src, id, generation, offset).map_err(|e| (false, e))?;
    let does_not_parse = || (false, broken(format!("object {id} does not parse")));
    let src_len = src.len();
    // The value, then whether `stream` follows it and the stream dictionary's /Length.
    let read = parse_at(src, value_at, MAX_OBJECT_TEXT, |pdf| {
        let mut lex = Lexer::new(pdf, 0);
        let Some(span) = lex.skip_value() else {
            return (value_at + pdf.len() >= src_len).then_some(None);
        };
        lex.skip_space();
        if value_at + pdf.len() < src_len && pdf.len() - lex.pos < 16 {
            return None; // the window may cut the keyword that follows
        }
        // Only an update numbers new objects; validation need not count references.
        let max_ref = if strict { max_reference(&pdf[span]) } else { 0 };
        match lex.next() {
            Some(Token::Keyword(k)) if k == b"stream" => {}
            Some(Token::Keyword(k)) if k == b"endobj" => return Some(Some((None, max_ref))),
            _ if !strict => return Some(Some((None, max_ref))),
            _ => return Some(None),
        }
        let mut data = lex.pos;
        if pdf[data..].starts_with(b"\r\n") {
            data += 2;
        } else if pdf[data..].starts_with(b"\n") {
            data += 1;
        }
        let length = parse_dict(pdf, 0).and_then(|d| d.get(b"Length").map(|e| e.value.clone()));
        Some(Some((Some((data, length)), max_ref)))
    })
    .map_err(|e| (false, e.into()))?
    .flatten()
    .ok_or_else(does_not_parse)?;
    let (Some((data_rel, length)), max_ref) = read else {
        return Ok(read.1);
    };
    let data = value_at + data_rel;
    let length = match length {
        Some(Value::Int(n)) => Some(n),
        Some(Value::Ref(n, g)) => match doc.get_object((n, g)) {
            Ok(o) => o.as_i64().ok(),
            // Not loaded (an update loads only what it edits): read it where it lies.
            Err(_) => indirect_integer(src, doc, (n, g)),
        },
        _ => None,
    };
    let end = length
        .and_then(|l| usize::try_from(l).ok())
        .and_then(|l| data.checked_add(l));
    let closes = match end {
        Some(e) if e <= src.len() => {
            let after = window(src, e, 1024).map_err(|e| (false, e.into()))?;
            let skipped = skip_white(&after, 0);
            after[skipped..].starts_with(b"endstream")
        }
        _ => false,
    };
    if !closes {
        return Err((
            end.is_some(),
            broken(format!(
                "the /Length of stream object {id} does not end at endstream"
            )),
        ));
    }
    Ok(max_ref)
}

/// An integer object `id` read from the file where the cross-reference data puts it.
fn indirect_integer(src: &dyn Source, doc: &Document, id: (u32, u16)) -> Option<i64> {
    let Some(XrefEntry::Normal { offset, generation }) = doc.reference_table.get(id.0) else {
        return None;
    };
    if *generation != id.1 {
        return None;
    }
    let text = window(src, *offset as usize, 64).ok()?;
    let mut lex = Lexer::new(&text, 0);
    match (lex.next(), lex.next(), lex.next(), lex.next()) {
        (
            Some(Token::Int(n)),
            Some(Token::Int(g)),
            Some(Token::Keyword(k)),
            Some(Token::Int(v)),
        ) if n == i64::from(id.0) && g == i64::from(id.1) && k == b"obj" => Some(v),
        _ => None,
    }
}

/// Largest object text read to check it, bytes.
const MAX_OBJECT_TEXT: usize = 16 * 1024 * 1024;

thread_local! {
    /// Decompressed bytes object streams may still take during the current load.
    static OBJECT_STREAM_BUDGET: Cell<usize> = const { Cell::new(0) };
}

/// Total decompressed size allowed for all object streams of one document, bytes.
pub(crate) const OBJECT_STREAM_BUDGET_BYTES: usize = 256 * 1024 * 1024;

/// Starts the object-stream budget for a load on this thread.
pub(crate) fn reset_budget() {
    OBJECT_STREAM_BUDGET.set(OBJECT_STREAM_BUDGET_BYTES);
}

/// lopdf load filter: charges each object stream's decompressed size to the budget and drops
/// the stream once the budget is spent (its objects then count as unreadable, and the file is
/// refused), so that many small decompression bombs cannot add up. lopdf decodes object streams
/// only after this filter has seen them.
pub(crate) fn budget_filter(id: (u32, u16), object: &mut Object) -> Option<((u32, u16), Object)> {
    if let Object::Stream(stream) = object {
        if stream.dict.has_type(b"ObjStm") {
            let left = OBJECT_STREAM_BUDGET.get();
            match stream.decompressed_content_with_limit(left) {
                Ok(data) => OBJECT_STREAM_BUDGET.set(left.saturating_sub(data.len())),
                Err(_) => {
                    OBJECT_STREAM_BUDGET.set(0);
                    return None;
                }
            }
        }
        // lopdf keeps its own copy of a top-level object; only members of object streams
        // (never streams themselves) are taken from what this returns.
        return Some((id, Object::Null));
    }
    Some((id, object.clone()))
}
