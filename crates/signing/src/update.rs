//! One incremental update written as raw bytes (ISO 32000-2 §7.5.6): the objects it changes are
//! edited as the text they were written in (never re-serialized, so no number or string of an
//! earlier revision changes its form), new objects are appended, and a cross-reference section
//! of the same kind as the previous one (table, or stream) points back with `/Prev`.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use lopdf::Document;
use lopdf::xref::XrefEntry;

use crate::SigningError;
use crate::revisions::{XrefKind, XrefSection};
use crate::source::{Source, parse_at, window};
use crate::syntax::{Dict, Lexer, Token, Value, parse_dict};

/// Decompressed size limit for one object stream read while editing, bytes.
const MAX_OBJECT_STREAM: usize = 32 * 1024 * 1024;
/// Largest object text an update edits, bytes.
const MAX_OBJECT_TEXT: usize = 16 * 1024 * 1024;

fn structure(detail: impl Into<String>) -> SigningError {
    SigningError::BadStructure {
        detail: detail.into(),
    }
}

/// Replaces `range` of `text` with `with`.
fn splice(text: &[u8], range: std::ops::Range<usize>, with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + with.len());
    out.extend_from_slice(&text[..range.start]);
    out.extend_from_slice(with);
    out.extend_from_slice(&text[range.end..]);
    out
}

/// The value text of an object of an earlier revision, and its generation. Only direct
/// dictionaries and arrays are expected here; a stream is refused.
fn object_text(src: &dyn Source, doc: &Document, id: u32) -> Result<(u16, Vec<u8>), SigningError> {
    match doc.reference_table.get(id) {
        Some(XrefEntry::Normal { offset, generation }) => {
            let offset = usize::try_from(*offset).map_err(|_| structure("offset out of range"))?;
            let src_len = src.len();
            let found = parse_at(src, offset, MAX_OBJECT_TEXT, |pdf| {
                let mut lex = Lexer::new(pdf, 0);
                lex.skip_space();
                let header = (lex.next(), lex.next(), lex.next());
                let expected = matches!(&header,
                    (Some(Token::Int(n)), Some(Token::Int(g)), Some(Token::Keyword(k)))
                        if *n == i64::from(id) && *g == i64::from(*generation) && k == b"obj");
                if !expected {
                    return Some(Err(structure(format!(
                        "object {id} is not where the cross-reference table says"
                    ))));
                }
                let span = lex.skip_value()?;
                lex.skip_space();
                if offset + pdf.len() < src_len && pdf.len() - lex.pos < 16 {
                    return None; // `endobj` may be cut by the window
                }
                match lex.next() {
                    Some(Token::Keyword(k)) if k == b"endobj" => {
                        Some(Ok((*generation, pdf[span].to_vec())))
                    }
                    _ => Some(Err(structure(format!(
                        "object {id} is not a plain dictionary or array"
                    )))),
                }
            })?;
            found.unwrap_or_else(|| Err(structure(format!("object {id} does not parse"))))
        }
        Some(XrefEntry::Compressed { container, .. }) => {
            let stream = crate::reader::object_stream(src, doc, *container)?;
            let data = stream
                .decompressed_content_with_limit(MAX_OBJECT_STREAM)
                .map_err(|e| structure(format!("object stream {container}: {e}")))?;
            let first = stream
                .dict
                .get(b"First")
                .and_then(lopdf::Object::as_i64)
                .ok()
                .and_then(|f| usize::try_from(f).ok())
                .ok_or_else(|| structure(format!("object stream {container} has no /First")))?;
            let mut header = Lexer::new(&data[..first.min(data.len())], 0);
            while let (Some(Token::Int(n)), Some(Token::Int(off))) = (header.next(), header.next())
            {
                if n == i64::from(id) {
                    let at = usize::try_from(off)
                        .map_err(|_| structure("bad object stream offset"))?
                        + first;
                    let mut lex = Lexer::new(&data, at);
                    let span = lex
                        .skip_value()
                        .ok_or_else(|| structure(format!("object {id} does not parse")))?;
                    return Ok((0, data[span].to_vec()));
                }
            }
            Err(structure(format!(
                "object stream {container} does not contain object {id}"
            )))
        }
        _ => Err(structure(format!("object {id} is missing"))),
    }
}

/// The objects of the update being built: edited copies of earlier objects, and new ones.
pub(crate) struct Plan<'a> {
    src: &'a dyn Source,
    doc: &'a Document,
    objects: BTreeMap<u32, (u16, Vec<u8>)>,
    next_id: u32,
    /// (array object, item) pairs already added, so an array shared by two owners (say
    /// `/Fields` and `/Annots`) gets the item once.
    pushed: HashSet<(u32, String)>,
}

/// What [`Plan::array_push`] had to do.
enum Pushed {
    /// The dictionary text changed (the array is inline, or was created).
    Inline(Vec<u8>),
    /// The array is its own object, which was updated; the dictionary is unchanged.
    Indirect,
}

/// Most indirect objects a PDF may hold (ISO 32000-1 Annex C.2: 8,388,607).
pub(crate) const MAX_OBJECTS: u32 = 8_388_607;

/// Parses a dictionary the update will edit, refusing one that repeats a key.
fn editable(text: &[u8], what: &str) -> Result<Dict, SigningError> {
    let d = parse_dict(text, 0).ok_or_else(|| structure(format!("{what} does not parse")))?;
    if let Some(key) = d.repeated_key() {
        return Err(structure(format!(
            "{what} repeats the key /{}, which readers resolve differently",
            String::from_utf8_lossy(key)
        )));
    }
    Ok(d)
}

/// Whether an object's text is `null` (or the object is missing, which reads as null).
fn is_null(text: &[u8]) -> bool {
    text.iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .eq(b"null".iter().copied())
}

/// The highest object number referenced by any object loaded (`N G R` anywhere), so that new
/// objects never take a number the catalog, the form or the page tree already points at.
fn max_referenced(doc: &Document) -> u32 {
    fn walk(o: &lopdf::Object, max: &mut u32) {
        match o {
            lopdf::Object::Reference((n, _)) => *max = (*max).max(*n),
            lopdf::Object::Array(a) => a.iter().for_each(|x| walk(x, max)),
            lopdf::Object::Dictionary(d) => d.iter().for_each(|(_, x)| walk(x, max)),
            lopdf::Object::Stream(s) => s.dict.iter().for_each(|(_, x)| walk(x, max)),
            _ => {}
        }
    }
    let mut max = 0;
    doc.objects.values().for_each(|o| walk(o, &mut max));
    doc.trailer.iter().for_each(|(_, x)| walk(x, &mut max));
    max
}

/// The highest object number of the cross-reference streams in `chain` (0 without any): a
/// writer's `/Size` may leave its own xref stream's number out (ISO 32000-2 §7.5.8.2 says it
/// counts), and a new object must never reuse it.
fn xref_stream_numbers(src: &dyn Source, chain: &[XrefSection]) -> u32 {
    chain
        .iter()
        .filter(|s| s.kind == crate::revisions::XrefKind::Stream)
        .filter_map(|s| {
            let head = window(src, s.offset, 32).ok()?;
            let digits: Vec<u8> = head
                .iter()
                .skip_while(|b| b.is_ascii_whitespace())
                .take_while(|b| b.is_ascii_digit())
                .copied()
                .collect();
            std::str::from_utf8(&digits).ok()?.parse::<u32>().ok()
        })
        .max()
        .unwrap_or(0)
}

impl<'a> Plan<'a> {
    /// Starts an update after `chain`'s newest section: new objects are numbered past every
    /// number an earlier revision used (its `/Size`, every cross-reference entry, every
    /// cross-reference stream) or that the objects the update loaded point at. A reference
    /// to a number past `/Size` from an object the update did not load (page content,
    /// resources) is not seen: such a reference is to nothing (ISO 32000-2 §7.3.10).
    ///
    /// Errors: [`SigningError::BadStructure`] when those numbers pass the PDF limit.
    pub(crate) fn new(
        src: &'a dyn Source,
        doc: &'a Document,
        chain: &[XrefSection],
    ) -> Result<Plan<'a>, SigningError> {
        let size = chain.iter().filter_map(|s| s.size).max().unwrap_or(0);
        let size = u32::try_from(size).unwrap_or(u32::MAX);
        let highest = doc
            .max_id
            .max(size.saturating_sub(1))
            .max(max_referenced(doc))
            .max(xref_stream_numbers(src, chain));
        if highest >= MAX_OBJECTS - 16 {
            return Err(structure(format!(
                "object numbers up to {highest} exceed what a PDF may hold ({MAX_OBJECTS})"
            )));
        }
        Ok(Plan {
            src,
            doc,
            objects: BTreeMap::new(),
            next_id: highest + 1,
            pushed: HashSet::new(),
        })
    }

    /// A new object number.
    pub(crate) fn alloc(&mut self) -> u32 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// The current text of object `id` (edited in this update, or as last written).
    pub(crate) fn text(&self, id: u32) -> Result<(u16, Vec<u8>), SigningError> {
        match self.objects.get(&id) {
            Some(o) => Ok(o.clone()),
            None => object_text(self.src, self.doc, id),
        }
    }

    /// Like [`Plan::text`], but `None` for an object that is `null` or does not exist (which a
    /// reader takes as null, ISO 32000-2 §7.3.10).
    fn text_or_null(&self, id: u32) -> Result<Option<(u16, Vec<u8>)>, SigningError> {
        let listed = matches!(
            self.doc.reference_table.get(id),
            Some(XrefEntry::Normal { .. } | XrefEntry::Compressed { .. })
        );
        if !self.objects.contains_key(&id) && !listed {
            return Ok(None);
        }
        let (g, t) = self.text(id)?;
        Ok((!is_null(&t)).then_some((g, t)))
    }

    /// Sets object `id` in the update.
    pub(crate) fn put(&mut self, id: u32, generation: u16, text: Vec<u8>) {
        self.objects.insert(id, (generation, text));
    }

    /// Appends `item` to the array under `key` of dictionary text `dict`: inside it when the
    /// array is inline, in its own object when indirect, or as a new inline array (also in
    /// place of a `null` value or a reference to nothing).
    fn array_push(&mut self, dict: &[u8], key: &[u8], item: &str) -> Result<Pushed, SigningError> {
        let d = editable(dict, "a dictionary")?;
        let name = String::from_utf8_lossy(key).into_owned();
        let fresh = format!("[{item}]");
        match d.get(key).map(|e| (e.value.clone(), e.span.clone())) {
            None => Ok(Pushed::Inline(splice(
                dict,
                d.close..d.close,
                format!("/{name} {fresh}").as_bytes(),
            ))),
            Some((Value::Array, span)) => {
                let arr = push_into_array_text(&dict[span.clone()], item)?;
                Ok(Pushed::Inline(splice(dict, span, &arr)))
            }
            Some((Value::Ref(n, _), span)) => match self.text_or_null(n)? {
                None => Ok(Pushed::Inline(splice(dict, span, fresh.as_bytes()))),
                Some(_) if !self.pushed.insert((n, item.to_string())) => Ok(Pushed::Indirect),
                Some((g, arr)) => {
                    let arr = push_into_array_text(&arr, item)
                        .map_err(|_| structure(format!("/{name} (object {n}) is not an array")))?;
                    self.put(n, g, arr);
                    Ok(Pushed::Indirect)
                }
            },
            Some((_, span)) if is_null(&dict[span.clone()]) => {
                Ok(Pushed::Inline(splice(dict, span, fresh.as_bytes())))
            }
            Some(_) => Err(structure(format!("/{name} is not an array"))),
        }
    }

    /// Adds `item` to `/key` of object `id` (a dictionary).
    pub(crate) fn push_to_object_array(
        &mut self,
        id: u32,
        key: &[u8],
        item: &str,
    ) -> Result<(), SigningError> {
        let (g, text) = self.text(id)?;
        if let Pushed::Inline(t) = self.array_push(&text, key, item)? {
            self.put(id, g, t);
        }
        Ok(())
    }

    /// Adds `item` to `/key` of object `id` (a dictionary) without touching a shared array:
    /// when `/key` refers to an array object, the dictionary gets a direct copy of it with
    /// `item` appended, and that object stays as it is (for other dictionaries that refer to
    /// it). Otherwise as [`Plan::push_to_object_array`].
    ///
    /// Errors: [`SigningError::BadStructure`] when `/key` is not an array.
    pub(crate) fn push_to_own_array(
        &mut self,
        id: u32,
        key: &[u8],
        item: &str,
    ) -> Result<(), SigningError> {
        let (g, text) = self.text(id)?;
        let d = editable(&text, "a dictionary")?;
        let Some((Value::Ref(n, _), span)) = d.get(key).map(|e| (e.value.clone(), e.span.clone()))
        else {
            return self.push_to_object_array(id, key, item);
        };
        let copy = match self.text_or_null(n)? {
            Some((_, arr)) => push_into_array_text(&arr, item).map_err(|_| {
                let name = String::from_utf8_lossy(key);
                structure(format!("/{name} (object {n}) is not an array"))
            })?,
            None => format!("[{item}]").into_bytes(),
        };
        self.put(id, g, splice(&text, span, &copy));
        Ok(())
    }

    /// Registers `field` in the catalog's interactive form (ISO 32000-2 §12.7.3), creating the
    /// AcroForm if needed (also in place of a `null` one), and sets `/SigFlags 3`
    /// (SignaturesExist | AppendOnly).
    pub(crate) fn add_signature_field(
        &mut self,
        root: u32,
        field: &str,
    ) -> Result<(), SigningError> {
        let (g, catalog) = self.text(root)?;
        let d = editable(&catalog, "the catalog")?;
        let entry = d
            .get(b"AcroForm")
            .map(|e| (e.value.clone(), e.span.clone()));
        let existing = match &entry {
            Some((Value::Ref(n, _), _)) => self.text_or_null(*n)?.map(|(fg, form)| (*n, fg, form)),
            _ => None,
        };
        match (entry, existing) {
            (_, Some((n, fg, form))) => {
                let form = self.form_with_field(&form, field)?;
                self.put(n, fg, form);
            }
            (Some((Value::Dict, span)), None) => {
                let form = self.form_with_field(&catalog[span.clone()], field)?;
                self.put(root, g, splice(&catalog, span, &form));
            }
            (entry, None) => {
                let place = match entry {
                    None => d.close..d.close,
                    Some((Value::Ref(..), span)) => span,
                    Some((_, span)) if is_null(&catalog[span.clone()]) => span,
                    Some(_) => {
                        return Err(structure(
                            "/AcroForm is neither a dictionary nor a reference",
                        ));
                    }
                };
                let id = self.alloc();
                self.put(
                    id,
                    0,
                    format!("<< /Fields [{field}] /SigFlags 3 >>").into_bytes(),
                );
                let text = if place.is_empty() {
                    format!("/AcroForm {id} 0 R")
                } else {
                    format!("{id} 0 R")
                };
                self.put(root, g, splice(&catalog, place, text.as_bytes()));
            }
        }
        Ok(())
    }

    fn form_with_field(&mut self, form: &[u8], field: &str) -> Result<Vec<u8>, SigningError> {
        let form = match self.array_push(form, b"Fields", field)? {
            Pushed::Inline(t) => t,
            Pushed::Indirect => form.to_vec(),
        };
        let d = editable(&form, "the AcroForm")?;
        Ok(match d.get(b"SigFlags") {
            Some(e) => splice(&form, e.span.clone(), b"3"),
            None => splice(&form, d.close..d.close, b"/SigFlags 3 "),
        })
    }

    /// Writes the update that follows the input: its objects and a cross-reference section of
    /// the kind of `chain[0]`. Returns the bytes to append and the offset in the whole file at
    /// which each object was written.
    pub(crate) fn write(
        self,
        chain: &[XrefSection],
    ) -> Result<(Vec<u8>, BTreeMap<u32, usize>), SigningError> {
        let last = chain
            .first()
            .ok_or_else(|| structure("no cross-reference section"))?;
        let carried = parse_at(self.src, last.trailer_at, MAX_OBJECT_TEXT, |w| {
            let trailer = parse_dict(w, 0).filter(|t| t.repeated_key().is_none())?;
            let mut carried = String::new();
            for key in [&b"Root"[..], b"Info", b"ID"] {
                if let Some(e) = trailer.get(key) {
                    let _ = write!(
                        carried,
                        "/{} {} ",
                        String::from_utf8_lossy(key),
                        String::from_utf8_lossy(&w[e.span.clone()])
                    );
                }
            }
            Some(carried)
        })?
        .ok_or_else(|| structure("the trailer does not parse"))?;
        let base = self.src.len();
        let mut out = Vec::with_capacity(64 * 1024);
        if !window(self.src, base.saturating_sub(1), 1)?.ends_with(b"\n") {
            out.push(b'\n');
        }
        let mut offsets = BTreeMap::new();
        for (id, (g, text)) in &self.objects {
            offsets.insert(*id, base + out.len());
            out.extend_from_slice(format!("{id} {g} obj\n").as_bytes());
            out.extend_from_slice(text);
            out.extend_from_slice(b"\nendobj\n");
        }
        let max_id = offsets.keys().next_back().copied().unwrap_or(0);
        let generations: BTreeMap<u32, u16> =
            self.objects.iter().map(|(id, (g, _))| (*id, *g)).collect();
        let prev = last.offset;
        let startxref = base + out.len();
        match last.kind {
            XrefKind::Table => {
                let size = last.size.unwrap_or(0).max(max_id as usize + 1);
                out.extend_from_slice(b"xref\n");
                for run in runs(&offsets) {
                    out.extend_from_slice(format!("{} {}\n", run[0].0, run.len()).as_bytes());
                    for (id, off) in run {
                        let g = generations.get(&id).copied().unwrap_or(0);
                        out.extend_from_slice(format!("{off:010} {g:05} n \n").as_bytes());
                    }
                }
                out.extend_from_slice(
                    format!("trailer\n<< /Size {size} {carried}/Prev {prev} >>\n").as_bytes(),
                );
            }
            XrefKind::Stream => {
                let xref_id = max_id.max(self.next_id.saturating_sub(1)) + 1;
                let mut entries = offsets.clone();
                entries.insert(xref_id, startxref);
                let size = last.size.unwrap_or(0).max(xref_id as usize + 1);
                let width = bytes_needed(startxref);
                let mut data = Vec::new();
                let mut index = String::new();
                for run in runs(&entries) {
                    let _ = write!(index, "{} {} ", run[0].0, run.len());
                    for (id, off) in run {
                        data.push(1u8);
                        data.extend_from_slice(&(off as u64).to_be_bytes()[8 - width..]);
                        data.extend_from_slice(
                            &generations.get(&id).copied().unwrap_or(0).to_be_bytes(),
                        );
                    }
                }
                out.extend_from_slice(
                    format!(
                        "{xref_id} 0 obj\n<< /Type /XRef /Size {size} /W [1 {width} 2] /Index [{}] {carried}/Prev {prev} /Length {} >>\nstream\n",
                        index.trim_end(),
                        data.len()
                    )
                    .as_bytes(),
                );
                out.extend_from_slice(&data);
                out.extend_from_slice(b"\nendstream\nendobj\n");
            }
        }
        out.extend_from_slice(format!("startxref\n{startxref}\n%%EOF\n").as_bytes());
        Ok((out, offsets))
    }
}

/// Bytes needed to write `n` big-endian (at least 1).
fn bytes_needed(n: usize) -> usize {
    let bits = usize::BITS - n.leading_zeros();
    (bits as usize).div_ceil(8).max(1)
}

/// Consecutive runs of object numbers, for xref subsections (§7.5.4) or `/Index` (§7.5.8.2).
fn runs(entries: &BTreeMap<u32, usize>) -> Vec<Vec<(u32, usize)>> {
    let mut out: Vec<Vec<(u32, usize)>> = Vec::new();
    for (&id, &off) in entries {
        match out.last_mut() {
            Some(run) if run.last().is_some_and(|(last, _)| last + 1 == id) => run.push((id, off)),
            _ => out.push(vec![(id, off)]),
        }
    }
    out
}

/// Inserts ` item` before the closing `]` of an array's text.
fn push_into_array_text(arr: &[u8], item: &str) -> Result<Vec<u8>, SigningError> {
    let mut lex = Lexer::new(arr, 0);
    let span = lex
        .skip_value()
        .ok_or_else(|| structure("an array does not parse"))?;
    if arr.get(span.start) != Some(&b'[') || arr.get(span.end - 1) != Some(&b']') {
        return Err(structure("expected an array"));
    }
    let at = span.end - 1;
    Ok(splice(arr, at..at, format!(" {item}").as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_group_consecutive_numbers() {
        let m: BTreeMap<u32, usize> = [(3, 10), (4, 20), (7, 30)].into_iter().collect();
        assert_eq!(runs(&m), vec![vec![(3, 10), (4, 20)], vec![(7, 30)]]);
    }

    #[test]
    fn pushing_into_arrays_keeps_the_rest_byte_for_byte() {
        assert_eq!(
            push_into_array_text(b"[1 0 R  2 0 R]", "9 0 R").expect("push"),
            b"[1 0 R  2 0 R 9 0 R]"
        );
        assert_eq!(
            push_into_array_text(b"[]", "9 0 R").expect("push"),
            b"[ 9 0 R]"
        );
        assert!(push_into_array_text(b"<< >>", "9 0 R").is_err());
    }

    #[test]
    fn widths_fit_offsets() {
        assert_eq!(bytes_needed(0), 1);
        assert_eq!(bytes_needed(255), 1);
        assert_eq!(bytes_needed(256), 2);
        assert_eq!(bytes_needed(16_777_216), 4);
    }
}
