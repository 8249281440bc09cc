//! What the generator needs to know about a signed file: where its last signature dictionary
//! is (found by scanning the raw bytes), what its last trailer says, and, when lopdf can read
//! the file, its object graph.

use std::ops::Range;

use lopdf::{Dictionary, Document, Object, ObjectId};

use super::lex::{self, Dict, find, rfind};

/// The last signature dictionary of the file (ISO 32000-2 §12.8.1).
#[derive(Debug, Clone)]
pub(crate) struct SigDict {
    pub num: u32,
    pub generation: u16,
    pub dict: Dict,
    /// `[a b c d]` as written, when it is four integers.
    pub byte_range: Option<[i64; 4]>,
}

impl SigDict {
    pub(crate) fn entry(&self, key: &str) -> Option<&lex::Entry> {
        self.dict.get(key)
    }

    /// The span of `key`'s value plus the white space after it (padding a signer left).
    pub(crate) fn padded_span(&self, b: &[u8], key: &str) -> Option<Range<usize>> {
        let v = self.entry(key)?.value.clone();
        let mut end = v.end;
        while end < self.dict.span.end - 2 && lex::is_space(b[end]) {
            end += 1;
        }
        Some(v.start..end)
    }
}

/// What the newest trailer (or cross-reference stream dictionary) says.
#[derive(Debug, Clone)]
pub(crate) struct Tail {
    /// Offset the final `startxref` names: the `/Prev` of an update.
    pub startxref: usize,
    /// Whether that section is a cross-reference stream (ISO 32000-2 §7.5.8).
    pub stream: bool,
    pub size: u32,
    /// Raw values of `/Root`, `/Info`, `/ID`, `/Encrypt`.
    pub root: String,
    pub info: Option<String>,
    pub id: Option<String>,
    pub encrypt: Option<String>,
}

/// A signed file, analysed.
pub(crate) struct Base<'a> {
    pub bytes: &'a [u8],
    pub sig: Option<SigDict>,
    pub tail: Option<Tail>,
    pub doc: Option<Document>,
}

impl<'a> Base<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Base<'a> {
        Base {
            bytes,
            sig: last_signature(bytes),
            tail: tail(bytes),
            doc: Document::load_mem(bytes).ok(),
        }
    }

    /// The catalog's id and dictionary.
    pub(crate) fn catalog(&self) -> Option<(ObjectId, &Dictionary)> {
        let doc = self.doc.as_ref()?;
        let id = doc.trailer.get(b"Root").ok()?.as_reference().ok()?;
        Some((id, doc.get_object(id).ok()?.as_dict().ok()?))
    }

    /// The first page's id and dictionary.
    pub(crate) fn first_page(&self) -> Option<(ObjectId, &Dictionary)> {
        let doc = self.doc.as_ref()?;
        let id = *doc.get_pages().values().next()?;
        Some((id, doc.get_object(id).ok()?.as_dict().ok()?))
    }

    /// The first page's first content stream.
    pub(crate) fn first_content(&self) -> Option<ObjectId> {
        let (page, _) = self.first_page()?;
        self.doc.as_ref()?.get_page_contents(page).first().copied()
    }

    /// A font resource name of the first page, to draw visible text with.
    pub(crate) fn first_font(&self) -> Option<String> {
        let (page, _) = self.first_page()?;
        let fonts = self.doc.as_ref()?.get_page_fonts(page).ok()?;
        let name = fonts.keys().next()?;
        Some(String::from_utf8_lossy(name).into_owned())
    }

    /// The indirect object `id`, resolved.
    pub(crate) fn object(&self, id: ObjectId) -> Option<&Object> {
        self.doc.as_ref()?.get_object(id).ok()
    }

    /// The signature field whose `/V` is the last signature dictionary.
    pub(crate) fn sig_field(&self) -> Option<(ObjectId, &Dictionary)> {
        let sig = self.sig.as_ref()?;
        let target = (sig.num, sig.generation);
        self.doc.as_ref()?.objects.iter().find_map(|(id, o)| {
            let d = o.as_dict().ok()?;
            let v = d.get(b"V").ok()?.as_reference().ok()?;
            (v == target).then_some((*id, d))
        })
    }

    /// Whether a DocMDP certification signature is in force (`/Perms /DocMDP`).
    pub(crate) fn certified(&self) -> bool {
        self.catalog()
            .and_then(|(_, c)| c.get(b"Perms").ok())
            .and_then(|p| self.resolve_dict(p))
            .is_some_and(|p| p.has(b"DocMDP"))
    }

    /// A dictionary, direct or through a reference.
    pub(crate) fn resolve_dict<'o>(&'o self, o: &'o Object) -> Option<&'o Dictionary> {
        match o {
            Object::Reference(id) => self.object(*id)?.as_dict().ok(),
            Object::Dictionary(d) => Some(d),
            _ => None,
        }
    }

    /// The first object number not used by the file.
    pub(crate) fn next_num(&self) -> u32 {
        let size = self.tail.as_ref().map_or(1, |t| t.size);
        let max = self.doc.as_ref().map_or(0, |d| d.max_id + 1);
        size.max(max)
    }

    /// Offsets of the raw bodies of object `num` inside `[0, limit)`, oldest first.
    pub(crate) fn raw_bodies(&self, num: u32, limit: usize) -> Vec<usize> {
        lex::headers(self.bytes, limit)
            .into_iter()
            .filter(|h| h.num == num)
            .map(|h| h.offset)
            .collect()
    }

    /// The end of the signed revision, `b + c`, when the ByteRange is sane.
    pub(crate) fn signed_end(&self) -> Option<usize> {
        let [_, _, b, c] = self.sig.as_ref()?.byte_range?;
        usize::try_from(b + c).ok()
    }
}

/// The dictionary of the last `/ByteRange` in the file, with its object number.
fn last_signature(b: &[u8]) -> Option<SigDict> {
    let mut before = b.len();
    while let Some(at) = rfind(b, b"/ByteRange", before) {
        before = at;
        let Some(h) = lex::headers(&b[..at], at).into_iter().next_back() else {
            continue;
        };
        let Some(dict) = Dict::parse(b, h.body) else {
            continue;
        };
        if !dict.span.contains(&at) {
            continue;
        }
        let byte_range = dict
            .get("ByteRange")
            .and_then(|e| lex::integers(b, &e.value))
            .and_then(|v| <[i64; 4]>::try_from(v).ok());
        return Some(SigDict {
            num: h.num,
            generation: h.generation,
            dict,
            byte_range,
        });
    }
    None
}

/// The newest trailer: the section the last `startxref` names.
fn tail(b: &[u8]) -> Option<Tail> {
    let sx = rfind(b, b"startxref", b.len())?;
    let start = lex::skip_space(b, sx + 9);
    let end = lex::object_end(b, start)?;
    let startxref: usize = lex::text(b, &(start..end)).parse().ok()?;
    let (dict_at, stream) = if b.get(startxref..startxref + 4)? == b"xref" {
        (find(b, b"trailer", startxref)? + 7, false)
    } else {
        (find(b, b"obj", startxref)? + 3, true)
    };
    let dict = Dict::parse(b, dict_at)?;
    let raw = |k: &str| dict.get(k).map(|e| lex::text(b, &e.value));
    Some(Tail {
        startxref,
        stream,
        size: raw("Size")?.trim().parse().ok()?,
        root: raw("Root")?,
        info: raw("Info"),
        id: raw("ID"),
        encrypt: raw("Encrypt"),
    })
}
