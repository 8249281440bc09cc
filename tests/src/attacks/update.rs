//! Writes an incremental update (ISO 32000-2 §7.5.6) by hand: objects, then a cross-reference
//! section of the same kind as the base's newest one (a classic table, or an uncompressed
//! cross-reference stream), then a trailer with `/Prev` and `/Size`. Attacks also need broken
//! updates: no cross-reference at all, or wrong offsets.

use super::base::{Base, Tail};

/// How the update's cross-reference section is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum XrefMode {
    /// Correct, of the base's kind.
    Mirror,
    /// Correct, always a classic table.
    Table,
    /// No cross-reference section, trailer or `startxref`: bare objects after `%%EOF`.
    Omitted,
    /// Every offset shifted by this many bytes.
    Shifted(i64),
}

/// One incremental update.
#[derive(Debug, Clone)]
pub(crate) struct Update {
    /// `(number, generation, body)`: the text between `n g obj` and `endobj`.
    pub objects: Vec<(u32, u16, Vec<u8>)>,
    /// Cross-reference entries that point at existing offsets, without writing an object.
    pub repoint: Vec<(u32, u16, usize)>,
    /// Replaces the trailer's `/Root` (raw value, e.g. `12 0 R`).
    pub root: Option<String>,
    pub xref: XrefMode,
}

impl Update {
    pub(crate) fn new() -> Update {
        Update {
            objects: Vec::new(),
            repoint: Vec::new(),
            root: None,
            xref: XrefMode::Mirror,
        }
    }

    pub(crate) fn object(mut self, num: u32, generation: u16, body: impl Into<Vec<u8>>) -> Self {
        self.objects.push((num, generation, body.into()));
        self
    }

    /// Appends the update to `base`; also returns where each object's body starts.
    pub(crate) fn write(&self, base: &Base) -> Option<(Vec<u8>, Vec<usize>)> {
        let tail = base.tail.as_ref()?;
        let mut out = base.bytes.to_vec();
        if !out.ends_with(b"\n") && !out.ends_with(b"\r") {
            out.push(b'\n');
        }
        let mut entries = self.repoint.clone();
        let mut bodies = Vec::new();
        for (num, generation, body) in &self.objects {
            entries.push((*num, *generation, out.len()));
            out.extend_from_slice(format!("{num} {generation} obj\n").as_bytes());
            bodies.push(out.len());
            out.extend_from_slice(body);
            out.extend_from_slice(b"\nendobj\n");
        }
        let max = entries.iter().map(|e| e.0 + 1).max().unwrap_or(0);
        let size = tail.size.max(max).max(base.next_num());
        match self.xref {
            XrefMode::Omitted => {}
            XrefMode::Shifted(by) => {
                for e in &mut entries {
                    e.2 = e.2.saturating_add_signed(by as isize);
                }
                write_table(&mut out, &entries, self.trailer(tail, size));
            }
            XrefMode::Table => write_table(&mut out, &entries, self.trailer(tail, size)),
            XrefMode::Mirror if tail.stream => write_stream(&mut out, entries, self, tail, size),
            XrefMode::Mirror => write_table(&mut out, &entries, self.trailer(tail, size)),
        }
        Some((out, bodies))
    }

    /// Trailer entries other than `/Size`.
    fn trailer(&self, tail: &Tail, size: u32) -> String {
        let mut t = format!(
            "/Size {size} /Root {}",
            self.root.as_ref().unwrap_or(&tail.root)
        );
        for (k, v) in [
            ("Info", &tail.info),
            ("ID", &tail.id),
            ("Encrypt", &tail.encrypt),
        ] {
            if let Some(v) = v {
                t.push_str(&format!(" /{k} {v}"));
            }
        }
        t.push_str(&format!(" /Prev {}", tail.startxref));
        t
    }
}

/// A classic cross-reference table (ISO 32000-2 §7.5.4), one subsection per entry.
fn write_table(out: &mut Vec<u8>, entries: &[(u32, u16, usize)], trailer: String) {
    let mut entries = entries.to_vec();
    entries.sort();
    let at = out.len();
    out.extend_from_slice(b"xref\n");
    if entries.is_empty() {
        // A section has at least one subsection (ISO 32000-2 §7.5.4): the free-list head.
        out.extend_from_slice(b"0 1\n0000000000 65535 f\r\n");
    }
    for (num, generation, offset) in entries {
        out.extend_from_slice(format!("{num} 1\n{offset:010} {generation:05} n\r\n").as_bytes());
    }
    out.extend_from_slice(format!("trailer\n<< {trailer} >>\nstartxref\n{at}\n%%EOF\n").as_bytes());
}

/// An uncompressed cross-reference stream (ISO 32000-2 §7.5.8), `/W [1 4 2]`.
fn write_stream(
    out: &mut Vec<u8>,
    mut entries: Vec<(u32, u16, usize)>,
    update: &Update,
    tail: &Tail,
    size: u32,
) {
    let at = out.len();
    entries.push((size, 0, at));
    entries.sort();
    let mut index = String::new();
    let mut rows = Vec::new();
    for (num, generation, offset) in &entries {
        index.push_str(&format!("{num} 1 "));
        rows.push(1u8);
        rows.extend_from_slice(&u32::try_from(*offset).unwrap_or(u32::MAX).to_be_bytes());
        rows.extend_from_slice(&generation.to_be_bytes());
    }
    let trailer = update.trailer(tail, size + 1);
    out.extend_from_slice(
        format!(
            "{size} 0 obj\n<< /Type /XRef {trailer} /W [1 4 2] /Index [{}] /Length {} >>\nstream\n",
            index.trim_end(),
            rows.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(&rows);
    out.extend_from_slice(format!("\nendstream\nendobj\nstartxref\n{at}\n%%EOF\n").as_bytes());
}

/// `<< /Length n >> stream … endstream` for `data`, with extra dictionary entries.
pub(crate) fn stream(extra: &str, data: &[u8]) -> Vec<u8> {
    let mut s = format!("<< {extra} /Length {} >>\nstream\n", data.len()).into_bytes();
    s.extend_from_slice(data);
    s.extend_from_slice(b"\nendstream");
    s
}

/// lopdf's serialization of one object (the text between `obj` and `endobj`).
pub(crate) fn serialize(o: &lopdf::Object) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = lopdf::Writer::write_object(&mut out, o);
    out
}
