//! Loads one revision of a PDF into lopdf's object model from a [`Source`], reading the
//! cross-reference data (ISO 32000-2 §7.5.4 tables, §7.5.8 streams, hybrid files §7.5.8.4) and
//! then each object at its offset. Stream data is not read: a stream's content is a marker of
//! where its data lies ([`deferred_range`]), so a 100 MB image costs a few bytes of memory.
//! Object streams (§7.5.7) and cross-reference streams are the exception: their data is read and
//! decoded, within a budget.
//!
//! Objects that do not read are left out, as a lenient reader would; the callers check that
//! every object listed was read and that each is exactly where the cross-reference data says.

use std::collections::{BTreeMap, HashMap, HashSet};

use lopdf::xref::{Xref, XrefEntry, XrefType};
use lopdf::{Dictionary, Document, Object, ObjectId, Stream};

use crate::SigningError;
use crate::object::Parser;
use crate::revisions::{XrefKind, XrefSection};
use crate::source::{Source, find_from, parse_at, window};

/// Largest object text (a dictionary or array, not stream data) read, bytes.
const MAX_OBJECT_TEXT: usize = 16 * 1024 * 1024;
/// Largest cross-reference stream or object stream read (before decoding), bytes.
const MAX_STRUCTURE_STREAM: usize = 64 * 1024 * 1024;
/// Total decoded bytes of all object streams and cross-reference streams of one load.
const DECODE_BUDGET: usize = 256 * 1024 * 1024;
/// Largest decoded cross-reference stream, bytes (lopdf's limit too).
const MAX_XREF_STREAM: usize = 32 * 1024 * 1024;
/// Prefix of a deferred stream's content marker.
const DEFERRED: &[u8] = b"\0sahih-deferred-stream\0";

fn broken(detail: impl Into<String>) -> SigningError {
    SigningError::BrokenXref {
        detail: detail.into(),
    }
}

/// Where a deferred stream's data lies in the source: `None` for a stream whose data was read
/// (object streams, cross-reference streams) or built in memory. A deferred stream is known by
/// its `start_position`, which only this reader sets, matching its marker exactly: the data of
/// a stream that was read is the file's to choose, and may imitate the marker.
pub(crate) fn deferred_range(stream: &Stream) -> Option<std::ops::Range<usize>> {
    let start = stream.start_position?;
    let rest = stream.content.strip_prefix(DEFERRED)?;
    let [marked, len]: [u64; 2] = [rest.get(..8)?, rest.get(8..16)?]
        .map(|b| b.try_into().map(u64::from_le_bytes).unwrap_or(u64::MAX));
    if rest.len() != 16 || usize::try_from(marked).ok()? != start {
        return None;
    }
    Some(start..start.checked_add(usize::try_from(len).ok()?)?)
}

fn deferred(start: usize, len: usize) -> Vec<u8> {
    let mut out = DEFERRED.to_vec();
    out.extend_from_slice(&(start as u64).to_le_bytes());
    out.extend_from_slice(&(len as u64).to_le_bytes());
    out
}

/// The trailer of the newest section of `chain` (the cross-reference stream's dictionary for a
/// stream section).
///
/// Errors: [`SigningError::BrokenXref`] when it does not parse.
pub(crate) fn trailer(src: &dyn Source, chain: &[XrefSection]) -> Result<Dictionary, SigningError> {
    let newest = chain
        .first()
        .ok_or_else(|| broken("no cross-reference section"))?;
    parse_at(src, newest.trailer_at, MAX_OBJECT_TEXT, |w| {
        let mut p = Parser::new(w, 0);
        p.skip_space();
        w.get(p.pos..p.pos + 2).filter(|o| *o == b"<<")?;
        p.pos += 2;
        p.dictionary(0)
    })?
    .ok_or_else(|| broken("the trailer does not parse"))
}

/// Where the cross-reference section `section` ends: after its trailer dictionary (a table),
/// or after the `endobj` of its stream. `None` when it does not read that far.
///
/// Errors: I/O errors.
pub(crate) fn section_end(
    src: &dyn Source,
    section: &XrefSection,
) -> Result<Option<usize>, SigningError> {
    let close = parse_at(src, section.trailer_at, MAX_OBJECT_TEXT, |w| {
        crate::syntax::parse_dict(w, 0).map(|d| d.close + 2)
    })?;
    let Some(close) = close else { return Ok(None) };
    let after_dict = section.trailer_at + close;
    if section.kind == XrefKind::Table {
        return Ok(Some(after_dict));
    }
    let loader = Loader {
        src,
        entries: BTreeMap::new(),
        budget: DECODE_BUDGET,
        members: HashMap::new(),
    };
    let Some(Indirect {
        value: Object::Dictionary(dict),
        data_at: Some(rel),
        ..
    }) = loader.indirect(section.offset)?
    else {
        return Ok(None);
    };
    let Some(data_end) = loader.data_end(&dict, section.offset + rel)? else {
        return Ok(None);
    };
    let tail = window(src, data_end, 64)?;
    let mut lex = crate::syntax::Lexer::new(&tail, 0);
    let endstream = crate::syntax::Token::Keyword(b"endstream".to_vec());
    let endobj = crate::syntax::Token::Keyword(b"endobj".to_vec());
    Ok((lex.next() == Some(endstream) && lex.next() == Some(endobj)).then_some(data_end + lex.pos))
}

/// Object stream `container` of `doc`: as loaded, or read from `src` where the cross-reference
/// data puts it (a [`Scope::Structure`] load reads only the object streams its walk needed).
///
/// Errors: [`SigningError::BadStructure`] when it is missing or does not read; I/O errors.
pub(crate) fn object_stream(
    src: &dyn Source,
    doc: &Document,
    container: u32,
) -> Result<Stream, SigningError> {
    if let Ok(Object::Stream(s)) = doc.get_object((container, 0)) {
        return Ok(s.clone());
    }
    let missing = || SigningError::BadStructure {
        detail: format!("object stream {container} is missing"),
    };
    let Some(XrefEntry::Normal { offset, .. }) = doc.reference_table.get(container) else {
        return Err(missing());
    };
    // A reader that knows the one entry a `/Length` reference may need.
    let mut loader = Loader {
        src,
        entries: BTreeMap::new(),
        budget: DECODE_BUDGET,
        members: HashMap::new(),
    };
    let length_ref = loader
        .indirect(*offset as usize)?
        .and_then(|o| match o.value {
            Object::Dictionary(d) => d.get(b"Length").and_then(Object::as_reference).ok(),
            _ => None,
        });
    if let Some((n, _)) = length_ref
        && let Some(e) = doc.reference_table.get(n)
    {
        loader.entries.insert(n, e.clone());
    }
    loader
        .read_stream_with_data(*offset as usize)?
        .ok_or_else(missing)
}

/// An object number that two subsections `(start, count)` of one cross-reference section both
/// list: readers disagree on which row counts (the first, or the last), so such a section is
/// refused.
fn listed_twice(mut subsections: Vec<(u64, u64)>) -> Option<u64> {
    subsections.retain(|(_, count)| *count > 0);
    subsections.sort_unstable();
    subsections
        .windows(2)
        .find(|w| w[0].0.saturating_add(w[0].1) > w[1].0)
        .map(|w| w[1].0)
}

/// Which objects [`load`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Every object listed in use: validation compares revisions object by object.
    Everything,
    /// What an update that adds a signature needs: the objects reachable from the catalog
    /// without following the keys of [`CONTENT_KEYS`] (page content, resources, annotations,
    /// appearances, metadata, outlines, validation data). The page tree, the form's fields and
    /// their signature dictionaries are read; a 2,000-page book's content streams, fonts and
    /// images are not.
    Structure,
}

/// Keys whose values the [`Scope::Structure`] walk does not follow: they lead to what an added
/// signature never reads or edits (the page whose `/Annots` it extends is edited as text).
const CONTENT_KEYS: &[&[u8]] = &[
    b"Annots",
    b"Contents",
    b"Resources",
    b"AP",
    b"MK",
    b"Metadata",
    b"StructTreeRoot",
    b"Outlines",
    b"Names",
    b"Dests",
    b"Threads",
    b"PieceInfo",
    b"Thumb",
    b"OpenAction",
    b"AA",
    b"A",
    b"B",
    b"OCProperties",
    b"PageLabels",
    b"AF",
    b"DR",
    b"Font",
    b"XObject",
    b"Dest",
    b"Popup",
    b"IRT",
    b"OutputIntents",
    b"DSS",
    b"VRI",
    b"SpiderInfo",
    b"Collection",
];

/// Most objects the [`Scope::Structure`] walk reads.
const MAX_STRUCTURE_OBJECTS: usize = 2_000_000;

/// A loaded revision.
pub(crate) struct Loaded {
    pub(crate) doc: Document,
    /// For [`Scope::Structure`], the object numbers the walk asked for (read or not); `None`
    /// when every listed object was asked for.
    pub(crate) wanted: Option<HashSet<u32>>,
}

/// Loads the document whose cross-reference chain is `chain` (newest first): the objects of
/// `scope`, streams deferred. The document's `/Encrypt`, if any, is left to the caller
/// (objects are not decrypted).
///
/// Errors: [`SigningError::BrokenXref`] when a cross-reference section or the trailer does not
/// read; [`SigningError::Io`] when the source cannot be read.
pub(crate) fn load(
    src: &dyn Source,
    chain: &[XrefSection],
    scope: Scope,
) -> Result<Loaded, SigningError> {
    let trailer = trailer(src, chain)?;
    let mut loader = Loader {
        src,
        entries: BTreeMap::new(),
        budget: DECODE_BUDGET,
        members: HashMap::new(),
    };
    // Oldest section first, each overriding what came before (§7.5.6).
    for section in chain.iter().rev() {
        loader.merge_section(section)?;
    }
    let mut doc = Document::new();
    doc.version = version(src)?;
    doc.trailer = trailer;
    doc.xref_start = chain.first().map_or(0, |s| s.offset);
    let kind = match chain.first().map(|s| s.kind) {
        Some(XrefKind::Stream) => XrefType::CrossReferenceStream,
        _ => XrefType::CrossReferenceTable,
    };
    let size = chain.iter().filter_map(|s| s.size).max().unwrap_or(0);
    let mut xref = Xref::new(u32::try_from(size).unwrap_or(u32::MAX), kind);
    for (id, e) in &loader.entries {
        xref.insert(*id, e.clone());
    }
    doc.max_id = loader.entries.keys().next_back().copied().unwrap_or(0);
    let wanted = match scope {
        Scope::Everything => {
            doc.objects = loader.objects()?;
            None
        }
        Scope::Structure => {
            let (objects, wanted) = loader.structure(&doc.trailer)?;
            doc.objects = objects;
            Some(wanted)
        }
    };
    doc.reference_table = xref;
    Ok(Loaded { doc, wanted })
}

/// The references `object` holds, except under [`CONTENT_KEYS`].
fn structure_refs(object: &Object, out: &mut Vec<u32>, depth: usize) {
    if depth > crate::syntax::MAX_DEPTH {
        return;
    }
    let dict = match object {
        Object::Reference(id) => return out.push(id.0),
        Object::Array(items) => {
            items.iter().for_each(|i| structure_refs(i, out, depth + 1));
            return;
        }
        Object::Dictionary(d) => d,
        Object::Stream(s) => &s.dict,
        _ => return,
    };
    for (k, v) in dict.iter() {
        if !CONTENT_KEYS.contains(&k.as_slice()) {
            structure_refs(v, out, depth + 1);
        }
    }
}

/// The `%PDF-x.y` header's version.
fn version(src: &dyn Source) -> Result<String, SigningError> {
    let head = window(src, 0, 1024)?;
    let at = memchr::memmem::find(&head, b"%PDF-").unwrap_or(0);
    Ok(head
        .get(at + 5..at + 8)
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .unwrap_or_default())
}

struct Loader<'s> {
    src: &'s dyn Source,
    /// Newest entry of each object number (the first section that lists it).
    entries: BTreeMap<u32, XrefEntry>,
    budget: usize,
    /// Decoded object streams of a [`Scope::Structure`] walk: their data and header (`None`
    /// for a stream that does not read).
    #[allow(clippy::type_complexity)]
    members: HashMap<u32, Option<(Vec<u8>, Vec<(u32, usize)>)>>,
}

/// An object read at an offset: its header's id, the value, and for a stream where its data
/// starts (relative to the offset).
struct Indirect {
    id: ObjectId,
    value: Object,
    data_at: Option<usize>,
}

impl Loader<'_> {
    /// Applies one section over the older ones already merged. A free entry is kept only
    /// where it frees an object an older section listed (elsewhere it says nothing), so that
    /// millions of free rows cost no memory.
    fn merge_section(&mut self, section: &XrefSection) -> Result<(), SigningError> {
        let known = std::mem::take(&mut self.entries);
        let mut local: BTreeMap<u32, XrefEntry> = BTreeMap::new();
        let add = |id: u32, e: XrefEntry, local: &mut BTreeMap<u32, XrefEntry>| {
            if matches!(e, XrefEntry::Free) && !known.contains_key(&id) {
                return;
            }
            local.entry(id).or_insert(e);
        };
        let merged = match section.kind {
            XrefKind::Table => self.table_entries(section).and_then(|(in_use, free)| {
                // In a hybrid file the table comes first, then its stream, for what the table
                // leaves free (ISO 32000-2 §7.5.8.4).
                for (id, e) in in_use {
                    add(id, e, &mut local);
                }
                if let Some(stm) = section.xref_stm {
                    self.stream_entries(stm, &mut |id, e| add(id, e, &mut local))?;
                }
                for (id, e) in free {
                    add(id, e, &mut local);
                }
                Ok(())
            }),
            XrefKind::Stream => {
                self.stream_entries(section.offset, &mut |id, e| add(id, e, &mut local))
            }
        };
        self.entries = known;
        merged?;
        self.entries.extend(local);
        Ok(())
    }

    /// The entries of the table at `section.offset`: in use, and free.
    #[allow(clippy::type_complexity)]
    fn table_entries(
        &self,
        section: &XrefSection,
    ) -> Result<(Vec<(u32, XrefEntry)>, Vec<(u32, XrefEntry)>), SigningError> {
        let len = section.trailer_at.saturating_sub(section.offset);
        let text = window(self.src, section.offset, len)?;
        let mut p = Parser::new(&text, 4);
        let (mut in_use, mut free) = (Vec::new(), Vec::new());
        let bad = || {
            broken(format!(
                "the xref table at {} does not read",
                section.offset
            ))
        };
        let mut subsections = Vec::new();
        while let Some(start) = p.unsigned() {
            let count = p.unsigned().ok_or_else(bad)?;
            subsections.push((start, count));
            let start = u32::try_from(start).map_err(|_| bad())?;
            if count > (text.len() / 18) as u64 {
                return Err(bad());
            }
            for i in 0..count as u32 {
                let id = start.checked_add(i).ok_or_else(bad)?;
                let offset = p.unsigned().ok_or_else(bad)?;
                let generation = p.unsigned().ok_or_else(bad)?;
                if p.keyword(b"n") {
                    let entry = XrefEntry::Normal {
                        offset: u32::try_from(offset).map_err(|_| bad())?,
                        generation: u16::try_from(generation).map_err(|_| bad())?,
                    };
                    in_use.push((id, entry));
                } else if p.keyword(b"f") {
                    free.push((id, XrefEntry::Free));
                } else {
                    return Err(bad());
                }
            }
        }
        if let Some(n) = listed_twice(subsections) {
            return Err(broken(format!(
                "the xref table at {} lists object {n} twice, which readers resolve differently",
                section.offset
            )));
        }
        Ok((in_use, free))
    }

    /// The entries of the cross-reference stream at `offset` (§7.5.8.3), given to `sink` in
    /// order.
    fn stream_entries(
        &mut self,
        offset: usize,
        sink: &mut dyn FnMut(u32, XrefEntry),
    ) -> Result<(), SigningError> {
        let bad = |what: &str| broken(format!("the xref stream at {offset}: {what}"));
        let stream = self
            .read_stream_with_data(offset)?
            .ok_or_else(|| bad("does not parse"))?;
        let widths: Vec<usize> = stream
            .dict
            .get(b"W")
            .and_then(Object::as_array)
            .map_err(|_| bad("no /W"))?
            .iter()
            .map(|w| w.as_i64().ok().and_then(|w| usize::try_from(w).ok()))
            .collect::<Option<_>>()
            .ok_or_else(|| bad("/W is not three widths"))?;
        let [w0, w1, w2] = widths[..] else {
            return Err(bad("/W is not three widths"));
        };
        if w0 > 8 || w1 > 8 || w2 > 8 || w0 + w1 + w2 == 0 {
            return Err(bad("/W widths out of range"));
        }
        let size = stream
            .dict
            .get(b"Size")
            .and_then(Object::as_i64)
            .unwrap_or(0);
        let index: Vec<i64> = match stream.dict.get(b"Index").and_then(Object::as_array) {
            Ok(items) => items.iter().filter_map(|i| i.as_i64().ok()).collect(),
            Err(_) => vec![0, size],
        };
        let ranges: Vec<(u64, u64)> = index
            .chunks(2)
            .filter_map(|p| match p {
                [s, c] => Some((u64::try_from(*s).ok()?, u64::try_from(*c).ok()?)),
                _ => None,
            })
            .collect();
        if let Some(n) = listed_twice(ranges) {
            return Err(broken(format!(
                "the xref stream at {offset} lists object {n} twice, which readers resolve differently"
            )));
        }
        let data = stream
            .decompressed_content_with_limit(self.budget.min(MAX_XREF_STREAM))
            .map_err(|e| bad(&format!("its data does not decode: {e}")))?;
        self.budget = self.budget.saturating_sub(data.len());
        let row = w0 + w1 + w2;
        let mut rows = data.chunks_exact(row);
        for pair in index.chunks(2) {
            let [start, count] = pair else {
                return Err(bad("/Index has an odd length"));
            };
            let (Ok(start), Ok(count)) = (u32::try_from(*start), u32::try_from(*count)) else {
                return Err(bad("/Index out of range"));
            };
            for i in 0..count {
                let Some(r) = rows.next() else {
                    return Err(bad("fewer rows than /Index lists"));
                };
                let field = |from: usize, w: usize| {
                    r[from..from + w]
                        .iter()
                        .fold(0u64, |acc, b| acc << 8 | u64::from(*b))
                };
                let kind = if w0 == 0 { 1 } else { field(0, w0) };
                let (f1, f2) = (field(w0, w1), field(w0 + w1, w2));
                let id = start
                    .checked_add(i)
                    .filter(|id| *id <= crate::update::MAX_OBJECTS)
                    .ok_or_else(|| bad("/Index names objects past the PDF limit"))?;
                let entry = match kind {
                    0 => XrefEntry::Free,
                    1 => XrefEntry::Normal {
                        offset: u32::try_from(f1).map_err(|_| bad("offset out of range"))?,
                        generation: u16::try_from(f2).unwrap_or(u16::MAX),
                    },
                    2 => XrefEntry::Compressed {
                        container: u32::try_from(f1).map_err(|_| bad("bad container"))?,
                        index: u16::try_from(f2).map_err(|_| bad("bad index"))?,
                    },
                    // Other types are reserved and read as null references (§7.5.8.3).
                    _ => XrefEntry::Free,
                };
                sink(id, entry);
            }
        }
        Ok(())
    }

    /// Decodes a structure stream's data, charging the load's budget.
    fn decode(&mut self, stream: &Stream) -> Result<Vec<u8>, String> {
        let data = stream
            .decompressed_content_with_limit(self.budget)
            .map_err(|e| format!("its data does not decode: {e}"))?;
        self.budget = self.budget.saturating_sub(data.len());
        Ok(data)
    }

    /// Reads the object at `offset`: `N G obj`, its value, and for a stream where its data
    /// starts. `None` when it does not parse.
    fn indirect(&self, offset: usize) -> Result<Option<Indirect>, SigningError> {
        let src_len = self.src.len();
        let found = parse_at(self.src, offset, MAX_OBJECT_TEXT, |w| {
            let cut = offset + w.len() < src_len;
            let mut p = Parser::new(w, 0);
            // A larger window decides only when this one ran out (never for bad syntax).
            let (Some(id), Some(value)) = (p.object_header(), p.object()) else {
                return if cut && p.ran_out { None } else { Some(None) };
            };
            let near_end = w.len() - p.pos < 16;
            let mut data_at = None;
            if matches!(value, Object::Dictionary(_)) && p.keyword(b"stream") {
                // The keyword is followed by CRLF or LF (§7.3.8.1); a bare CR is tolerated.
                let mut at = p.pos;
                match (w.get(at), w.get(at + 1)) {
                    (None, _) | (Some(b'\r'), None) if cut => return None,
                    (Some(b'\r'), Some(b'\n')) => at += 2,
                    (Some(b'\n' | b'\r'), _) => at += 1,
                    _ => {}
                }
                data_at = Some(at);
            } else if cut && near_end && !p.keyword(b"endobj") {
                // `endobj` may be cut by the window; a larger one decides.
                return None;
            }
            Some(Some(Indirect { id, value, data_at }))
        })?;
        Ok(found.flatten())
    }

    /// The `/Length` of a stream: direct, or an indirect integer object (§7.3.8.2).
    fn length(&self, dict: &Dictionary) -> Result<Option<usize>, SigningError> {
        Ok(match dict.get(b"Length") {
            Ok(Object::Integer(n)) => usize::try_from(*n).ok(),
            Ok(Object::Reference(id)) => match self.entries.get(&id.0) {
                Some(XrefEntry::Normal { offset, .. }) => self
                    .indirect(*offset as usize)?
                    .filter(|o| o.id == *id)
                    .and_then(|o| o.value.as_i64().ok())
                    .and_then(|n| usize::try_from(n).ok()),
                _ => None,
            },
            _ => None,
        })
    }

    /// Where the data of a stream starting at `data_at` ends: at `/Length` when `endstream`
    /// follows it, else before the next `endstream` (as lenient readers take it).
    fn data_end(&self, dict: &Dictionary, data_at: usize) -> Result<Option<usize>, SigningError> {
        if let Some(len) = self.length(dict)?
            && let Some(end) = data_at.checked_add(len)
            && end <= self.src.len()
        {
            let after = window(self.src, end, 64)?;
            let skipped = after.iter().take_while(|b| b.is_ascii_whitespace()).count();
            if after[skipped..].starts_with(b"endstream") {
                return Ok(Some(end));
            }
        }
        let Some(mut end) = find_from(self.src, data_at, b"endstream")? else {
            return Ok(None);
        };
        let before = window(self.src, end.saturating_sub(2), 2)?;
        if before.ends_with(b"\r\n") {
            end -= 2;
        } else if before.ends_with(b"\n") || before.ends_with(b"\r") {
            end -= 1;
        }
        Ok(Some(end.max(data_at)))
    }

    /// Reads an indirect stream at `offset` with its data (for structure streams).
    fn read_stream_with_data(&self, offset: usize) -> Result<Option<Stream>, SigningError> {
        let Some(Indirect {
            value: Object::Dictionary(dict),
            data_at: Some(rel),
            ..
        }) = self.indirect(offset)?
        else {
            return Ok(None);
        };
        let data_at = offset + rel;
        let Some(end) = self.data_end(&dict, data_at)? else {
            return Ok(None);
        };
        if end - data_at > MAX_STRUCTURE_STREAM {
            return Ok(None);
        }
        let data = window(self.src, data_at, end - data_at)?.into_owned();
        // No `start_position`: only a deferred stream has one (see `deferred_range`).
        Ok(Some(Stream::new(dict, data)))
    }

    /// The [`Scope::Structure`] walk from the trailer's `/Root`: the objects read (with the
    /// object streams their members came from) and the numbers asked for.
    #[allow(clippy::type_complexity)]
    fn structure(
        &mut self,
        trailer: &Dictionary,
    ) -> Result<(BTreeMap<ObjectId, Object>, HashSet<u32>), SigningError> {
        let mut objects = BTreeMap::new();
        let mut wanted = HashSet::new();
        let mut queue = Vec::new();
        if let Ok(root) = trailer.get(b"Root").and_then(Object::as_reference) {
            queue.push(root.0);
        }
        while let Some(n) = queue.pop() {
            if wanted.len() >= MAX_STRUCTURE_OBJECTS || !wanted.insert(n) {
                continue;
            }
            let loaded = match self.entries.get(&n).cloned() {
                Some(XrefEntry::Normal { offset, generation }) => self
                    .object_at(offset as usize, (n, generation))?
                    .map(|o| ((n, generation), o)),
                Some(XrefEntry::Compressed { container, .. }) => self
                    .member(container, n, &mut objects)?
                    .map(|o| ((n, 0), o)),
                _ => None,
            };
            if let Some((id, object)) = loaded {
                structure_refs(&object, &mut queue, 0);
                objects.insert(id, object);
            }
        }
        Ok((objects, wanted))
    }

    /// Object `n` from object stream `container`, decoding the stream once (and keeping it
    /// in `objects`, where an update reads members' text).
    fn member(
        &mut self,
        container: u32,
        n: u32,
        objects: &mut BTreeMap<ObjectId, Object>,
    ) -> Result<Option<Object>, SigningError> {
        if !self.members.contains_key(&container) {
            let stream = match self.entries.get(&container) {
                Some(XrefEntry::Normal { offset, .. }) => {
                    self.read_stream_with_data(*offset as usize)?
                }
                _ => None,
            };
            let decoded = stream.and_then(|s| {
                let data = self.decode(&s).ok()?;
                let pairs = member_offsets(&s.dict, &data);
                objects.insert((container, 0), Object::Stream(s));
                Some((data, pairs))
            });
            self.members.insert(container, decoded);
        }
        let Some(XrefEntry::Compressed {
            container: c,
            index,
        }) = self.entries.get(&n)
        else {
            return Ok(None);
        };
        if *c != container {
            return Ok(None);
        }
        Ok(self
            .members
            .get(&container)
            .and_then(|m| m.as_ref())
            .and_then(|(data, pairs)| member(data, pairs, n, *index)))
    }

    /// Every object listed in use, read; those that do not read are left out.
    fn objects(&mut self) -> Result<BTreeMap<ObjectId, Object>, SigningError> {
        let mut objects = BTreeMap::new();
        let mut containers: BTreeMap<u32, Vec<(u32, u16)>> = BTreeMap::new();
        let entries: Vec<(u32, XrefEntry)> =
            self.entries.iter().map(|(k, v)| (*k, v.clone())).collect();
        for (n, entry) in &entries {
            match entry {
                XrefEntry::Normal { offset, generation } => {
                    if let Some(obj) = self.object_at(*offset as usize, (*n, *generation))? {
                        objects.insert((*n, *generation), obj);
                    }
                }
                XrefEntry::Compressed { container, index } => {
                    containers.entry(*container).or_default().push((*n, *index));
                }
                _ => {}
            }
        }
        for (container, wanted) in containers {
            let Some(Object::Stream(stream)) = objects.get(&(container, 0)) else {
                continue;
            };
            let Ok(data) = self.decode(stream) else {
                continue;
            };
            let pairs = member_offsets(&stream.dict, &data);
            for (n, index) in wanted {
                if let Some(value) = member(&data, &pairs, n, index) {
                    objects.insert((n, 0), value);
                }
            }
        }
        Ok(objects)
    }

    /// The object `id` at `offset`, with stream data deferred (or read, for structure
    /// streams). `None` when it does not read or its header names another object.
    fn object_at(&mut self, offset: usize, id: ObjectId) -> Result<Option<Object>, SigningError> {
        let Some(found) = self.indirect(offset)? else {
            return Ok(None);
        };
        if found.id != id {
            return Ok(None);
        }
        let (Some(rel), Object::Dictionary(dict)) = (found.data_at, &found.value) else {
            return Ok(Some(found.value));
        };
        let structure = dict.has_type(b"ObjStm") || dict.has_type(b"XRef");
        if structure {
            return Ok(self.read_stream_with_data(offset)?.map(Object::Stream));
        }
        let data_at = offset + rel;
        let Some(end) = self.data_end(dict, data_at)? else {
            return Ok(None);
        };
        let mut stream = Stream::new(dict.clone(), deferred(data_at, end - data_at));
        stream.start_position = Some(data_at);
        Ok(Some(Object::Stream(stream)))
    }
}

/// The header of a decoded object stream (§7.5.7): for each of its `/N` members, the number
/// and where its value starts in `data` (after `/First`).
fn member_offsets(dict: &Dictionary, data: &[u8]) -> Vec<(u32, usize)> {
    let first = dict.get(b"First").and_then(Object::as_i64).ok();
    let count = dict.get(b"N").and_then(Object::as_i64).ok();
    let (Some(first), Some(count)) = (
        first.and_then(|f| usize::try_from(f).ok()),
        count.and_then(|c| usize::try_from(c).ok()),
    ) else {
        return Vec::new();
    };
    let header = &data[..first.min(data.len())];
    let mut p = Parser::new(header, 0);
    let mut out = Vec::new();
    for _ in 0..count {
        let (Some(n), Some(off)) = (p.unsigned(), p.unsigned()) else {
            break;
        };
        let (Ok(n), Some(at)) = (
            u32::try_from(n),
            usize::try_from(off).ok().and_then(|o| first.checked_add(o)),
        ) else {
            break;
        };
        out.push((n, at));
    }
    out
}

/// Member `n`, which the cross-reference data puts at `index` of the header: read there, or
/// (as lopdf reads it) where the header first names `n`. Each member is parsed once, however
/// often the header lists it; a stream cannot be a member.
fn member(data: &[u8], pairs: &[(u32, usize)], n: u32, index: u16) -> Option<Object> {
    let at = match pairs.get(usize::from(index)) {
        Some((m, at)) if *m == n => *at,
        _ => pairs.iter().find(|(m, _)| *m == n)?.1,
    };
    if at >= data.len() {
        return None;
    }
    Parser::new(data, at)
        .object()
        .filter(|v| !matches!(v, Object::Stream(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_a_table_file_with_its_stream_deferred() {
        let body = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Length 5>>stream\nhello\nendstream\nendobj\n";
        let xref_at = body.len();
        let mut pdf = body.to_vec();
        pdf.extend_from_slice(
            format!(
                "xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \ntrailer\n<</Size 3/Root 1 0 R>>\nstartxref\n{xref_at}\n%%EOF\n"
            )
            .as_bytes(),
        );
        let chain = crate::revisions::chain_of(&pdf.as_slice()).expect("chain");
        let doc = load(&pdf.as_slice(), &chain, Scope::Everything)
            .expect("loads")
            .doc;
        let stream = doc
            .get_object((2, 0))
            .and_then(Object::as_stream)
            .expect("stream");
        let range = deferred_range(stream).expect("deferred");
        assert_eq!(&pdf[range], b"hello");
        assert_eq!(
            doc.trailer.get(b"Root").ok(),
            Some(&Object::Reference((1, 0)))
        );
        assert!(doc.get_dictionary((1, 0)).is_ok());
    }

    #[test]
    fn reads_members_by_the_numbers_their_header_gives() {
        let data = b"7 0 8 9 <</A 1>> [1 2]";
        let mut dict = Dictionary::new();
        dict.set("First", 8);
        dict.set("N", 2);
        let pairs = member_offsets(&dict, data);
        assert_eq!(pairs, vec![(7, 8), (8, 17)]);
        assert!(member(data, &pairs, 7, 0).is_some_and(|o| o.as_dict().is_ok()));
        assert_eq!(
            member(data, &pairs, 8, 1),
            Some(Object::Array(vec![1.into(), 2.into()]))
        );
        assert_eq!(member(data, &pairs, 8, 0), member(data, &pairs, 8, 1));
        assert_eq!(member(data, &pairs, 9, 0), None);
    }
}
