//! Hand-made and mutated PDFs for `streaming_break.rs`: files whose objects, keywords and
//! dictionaries fall across the streaming reader's windows, blocks and chunks, hostile
//! `/Length`, `/W`, `/Index`, `/N` and `/First` values, object streams and cross-reference
//! streams written by hand, and byte-level mutations of existing files.
//!
//! Also compiled on its own as a test target with no tests (every file under `tests/` is one);
//! hence the `allow`.
#![allow(dead_code)]

/// The file reader's first window, its blocks and its chunks (see `source.rs`).
pub const WINDOW: usize = 4096;
pub const BLOCK: usize = 64 * 1024;
pub const CHUNK: usize = 1024 * 1024;

/// A small deterministic generator (xorshift) for mutations.
pub struct Rng(u64);

impl Rng {
    fn step(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.step() % n as u64) as usize
        }
    }
}

/// Every offset of `needle` in `hay` (overlapping occurrences included).
pub fn find_all(hay: &[u8], needle: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(p) = hay[from..].windows(needle.len()).position(|w| w == needle) {
        out.push(from + p);
        from += p + 1;
    }
    out
}

/// `pdf` with the `len` bytes at `at` replaced by `with`.
pub fn replace_at(pdf: &[u8], at: usize, len: usize, with: &[u8]) -> Vec<u8> {
    let mut out = pdf[..at].to_vec();
    out.extend_from_slice(with);
    out.extend_from_slice(&pdf[(at + len).min(pdf.len())..]);
    out
}

/// The digits of the number at `at` (after white space), as a range.
pub fn number_at(pdf: &[u8], mut at: usize) -> std::ops::Range<usize> {
    while pdf.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    let start = at;
    while pdf.get(at).is_some_and(u8::is_ascii_digit) {
        at += 1;
    }
    start..at
}

/// Mutated variants of `pdf`, each with a label: truncations, flipped bytes in the xref data,
/// the trailer and object headers, edited `/Length`, `/W`, `/N`, `/First`, `/Prev`, `/Size`
/// values, a removed `endstream`, the end of line after `stream` changed.
pub fn mutations(pdf: &[u8], seed: u64) -> Vec<(String, Vec<u8>)> {
    let mut rng = Rng(seed | 1);
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    let len = pdf.len();
    for cut in [1, 2, 5, 6, 7, 10, 20, 40, 100, 300, 1000] {
        if cut < len {
            out.push((format!("cut last {cut}"), pdf[..len - cut].to_vec()));
        }
    }
    for _ in 0..4 {
        let at = rng.below(len);
        out.push((format!("truncated at {at}"), pdf[..at].to_vec()));
    }
    for _ in 0..6 {
        let tail = len.saturating_sub(3000);
        let at = tail + rng.below(len - tail);
        let mut m = pdf.to_vec();
        m[at] ^= 1 << rng.below(8);
        out.push((format!("tail byte {at} flipped"), m));
    }
    let headers = find_all(pdf, b" obj");
    for _ in 0..4 {
        if headers.is_empty() {
            break;
        }
        let at = headers[rng.below(headers.len())].saturating_sub(1 + rng.below(3));
        let mut m = pdf.to_vec();
        m[at] = if m[at] == b'9' { b'0' } else { b'9' };
        out.push((format!("object header byte {at} changed"), m));
    }
    for key in [
        &b"/Length"[..],
        b"/W",
        b"/N ",
        b"/First",
        b"/Prev",
        b"/Size",
        b"/XRefStm",
        b"/Count",
    ] {
        let hits = find_all(pdf, key);
        if hits.is_empty() {
            continue;
        }
        for _ in 0..2 {
            let at = hits[rng.below(hits.len())] + key.len();
            let num = number_at(pdf, at);
            let with: &[u8] = match rng.below(7) {
                0 => b"0",
                1 => b"99999999999",
                2 => b"-1",
                3 => b"1 0 R",
                4 => b"999 0 R",
                5 => b"[1 2 3]",
                _ => b"4096",
            };
            let label = format!(
                "{} at {at} set to {}",
                String::from_utf8_lossy(key),
                String::from_utf8_lossy(with)
            );
            if num.is_empty() {
                // `/W [` and the like: edit the first number inside.
                let inner = number_at(pdf, at + 2);
                if !inner.is_empty() {
                    out.push((label, replace_at(pdf, inner.start, inner.len(), b"9")));
                }
                continue;
            }
            out.push((label, replace_at(pdf, num.start, num.len(), with)));
            if let Ok(n) = std::str::from_utf8(&pdf[num.clone()])
                .unwrap_or("0")
                .parse::<u64>()
            {
                for d in [n + 1, n.saturating_sub(1)] {
                    out.push((
                        format!("{} at {at} set to {d}", String::from_utf8_lossy(key)),
                        replace_at(pdf, num.start, num.len(), d.to_string().as_bytes()),
                    ));
                }
            }
        }
    }
    let ends = find_all(pdf, b"endstream");
    if !ends.is_empty() {
        let at = ends[rng.below(ends.len())];
        out.push((
            format!("endstream at {at} removed"),
            replace_at(pdf, at, 9, b""),
        ));
    }
    let streams = find_all(pdf, b"stream\r\n");
    for (i, at) in streams.iter().take(2).enumerate() {
        let with: &[u8] = if i == 0 { b"stream\n" } else { b"stream\r" };
        out.push((format!("stream EOL at {at}"), replace_at(pdf, *at, 8, with)));
    }
    let streams = find_all(pdf, b"stream\n");
    for (i, at) in streams.iter().take(2).enumerate() {
        if *at > 0 && pdf[at - 1] == b'd' {
            continue;
        }
        let with: &[u8] = if i == 0 { b"stream\r\n" } else { b"stream\r" };
        out.push((format!("stream EOL at {at}"), replace_at(pdf, *at, 7, with)));
    }
    out.push(("garbage before header".into(), [b"GARBAGE\n", pdf].concat()));
    out
}

/// Objects 1..n (`bodies`, each the text between `N 0 obj` and `endobj`), an xref table and a
/// trailer whose `/Root` is object 1; `pad` bytes of comment after the header shift every
/// object, so that objects can be put across the reader's block and chunk boundaries.
pub fn table_pdf(pad: usize, bodies: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    if pad > 0 {
        out.push(b'%');
        out.extend(std::iter::repeat_n(b'p', pad.saturating_sub(2)));
        out.push(b'\n');
    }
    let mut offsets = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n", i + 1).bytes());
        out.extend(body);
        out.extend(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", bodies.len() + 1).bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            bodies.len() + 1
        )
        .bytes(),
    );
    out
}

/// A dictionary `<< head /Pad (xxx…) >>` whose text is exactly `len` bytes long.
pub fn padded_dict(head: &str, len: usize) -> Vec<u8> {
    let fixed = format!("<< {head} /Pad () >>").len();
    let fill = len.saturating_sub(fixed);
    format!("<< {head} /Pad ({}) >>", "x".repeat(fill)).into_bytes()
}

pub const CONTENT: &str = "q 1 0 0 1 0 0 cm BT /F1 12 Tf 72 720 Td (Halo) Tj ET Q";

/// Catalog, page tree, one page with a content stream and a font: the bodies of a plain file.
pub fn plain_bodies(catalog_len: usize, page_len: usize) -> Vec<Vec<u8>> {
    let content = format!(
        "<< /Length {} >>\nstream\n{CONTENT}\nendstream",
        CONTENT.len()
    );
    vec![
        padded_dict("/Type /Catalog /Pages 2 0 R", catalog_len),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        padded_dict(
            "/Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >>",
            page_len,
        ),
        content.into_bytes(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
    ]
}

/// `N 0 obj\n` + body + `\nendobj`: the body length that puts `endobj` at `at` bytes from the
/// object's offset (for a one-digit object number).
pub fn body_len_for_endobj_at(at: usize) -> usize {
    at - "1 0 obj\n".len() - 1
}

/// A content stream object with `dict` and `data`, `eol` after the `stream` keyword.
pub fn stream_body(dict: &str, eol: &str, data: &[u8]) -> Vec<u8> {
    let mut b = format!("{dict}\nstream{eol}").into_bytes();
    b.extend_from_slice(data);
    b.extend_from_slice(b"\nendstream");
    b
}

/// Hand-made hostile files: odd `/Length` values, ends of line after `stream`, deep nesting,
/// huge dictionaries, `stream` keywords across read windows; each also shifted across 1 MiB.
pub fn hostile_files() -> Vec<(String, Vec<u8>)> {
    let n = CONTENT.len();
    let mut variants: Vec<(String, Vec<Vec<u8>>)> = Vec::new();
    let with_content = |content: Vec<u8>| {
        let mut b = plain_bodies(200, 200);
        b[3] = content;
        b
    };
    for (label, dict) in [
        ("length huge", "<< /Length 99999999999 >>".to_string()),
        (
            "length beyond u64",
            "<< /Length 99999999999999999999999 >>".into(),
        ),
        ("length negative", "<< /Length -5 >>".into()),
        ("length real", format!("<< /Length {n}.0 >>")),
        ("length self", "<< /Length 4 0 R >>".into()),
        ("length missing object", "<< /Length 77 0 R >>".into()),
        ("length to a dictionary", "<< /Length 5 0 R >>".into()),
        ("length to catalog", "<< /Length 1 0 R >>".into()),
        ("length absent", "<< >>".into()),
        ("length too long", format!("<< /Length {} >>", n + 5)),
        ("length too short", format!("<< /Length {} >>", n - 5)),
        ("length zero", "<< /Length 0 >>".into()),
    ] {
        variants.push((
            label.into(),
            with_content(stream_body(&dict, "\n", CONTENT.as_bytes())),
        ));
    }
    let exact = format!("<< /Length {n} >>");
    for (label, eol) in [
        ("CRLF", "\r\n"),
        ("CR", "\r"),
        ("no EOL", ""),
        ("space LF", " \n"),
    ] {
        variants.push((
            format!("stream then {label}"),
            with_content(stream_body(&exact, eol, CONTENT.as_bytes())),
        ));
    }
    let no_end = format!("{exact}\nstream\n{CONTENT}\nendobj").into_bytes();
    variants.push(("endstream missing".into(), with_content(no_end)));
    let deep = format!("[{}]", "[".repeat(1000) + &"]".repeat(1000));
    let mut b = plain_bodies(200, 200);
    b[2] = format!(
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Deep {deep} >>"
    )
    .into_bytes();
    variants.push(("page nests 1000 deep".into(), b));
    let mut b = plain_bodies(200, 200);
    b[4] = format!("<< /Type /Font /Deep {deep} >>").into_bytes();
    variants.push(("font nests 1000 deep".into(), b));
    let mut b = plain_bodies(200, 200);
    b[0] = format!("<< /Type /Catalog /Pages 2 0 R /Deep {deep} >>").into_bytes();
    variants.push(("catalog nests 1000 deep".into(), b));
    variants.push((
        "catalog of 17 MiB".into(),
        plain_bodies(17 * 1024 * 1024, 200),
    ));
    variants.push(("page of 2 MiB".into(), plain_bodies(200, 2 * 1024 * 1024)));
    // The `stream` keyword, and the end of line after it, across the first read window.
    for cut in 0..10 {
        let dict_len = WINDOW - "4 0 obj\n".len() - "\nstream".len() + cut - 4;
        let dict =
            String::from_utf8(padded_dict(&format!("/Length {n}"), dict_len)).expect("ascii");
        for eol in ["\n", "\r\n", "\r"] {
            variants.push((
                format!("stream keyword at window - {cut} with {eol:?}"),
                with_content(stream_body(&dict, eol, CONTENT.as_bytes())),
            ));
        }
    }
    let mut files = Vec::new();
    for (label, bodies) in variants {
        for pad in [0, CHUNK - 300] {
            files.push((format!("{label} (pad {pad})"), table_pdf(pad, &bodies)));
        }
    }
    // Bytes before the header; more %%EOF than revisions; a file whose length is just past a
    // chunk with %%EOF at the chunk's start.
    let plain = table_pdf(0, &plain_bodies(200, 200));
    files.push((
        "garbage first".into(),
        [b"garbage\n".as_slice(), &plain].concat(),
    ));
    files.push((
        "a thousand %%EOF comments".into(),
        [plain.as_slice(), &b"%%EOF\n".repeat(1000)].concat(),
    ));
    for tail in 5..=10 {
        let pad = 2 * CHUNK - plain.len() - 200;
        let mut pdf = table_pdf(pad, &plain_bodies(200, 200));
        let eof_at = pdf.len() - 6;
        let fill = 2 * CHUNK - eof_at;
        let startxref = find_all(&pdf, b"startxref")[0];
        pdf.splice(startxref..startxref, std::iter::repeat_n(b' ', fill));
        assert_eq!(&pdf[2 * CHUNK..2 * CHUNK + 5], b"%%EOF");
        pdf.truncate(2 * CHUNK + tail.min(6));
        pdf.extend(std::iter::repeat_n(b'\n', tail.saturating_sub(6)));
        files.push((format!("%%EOF at 2 MiB, {tail} bytes past it"), pdf));
    }
    files
}

/// One cross-reference stream row: type, second field, third field.
pub type Row = (u64, u64, u64);

/// How a hand-made cross-reference stream is written.
pub struct XrefStyle {
    /// `/W`: the widths of the type, offset and generation (or index) fields.
    pub widths: [usize; 3],
    /// Extra text inside the xref stream's dictionary (`/Index …`, say).
    pub extra: String,
    /// More rows (type, field 2, field 3) for the objects numbered from the given number on,
    /// listed in a second `/Index` subsection.
    pub appended: Option<(u32, Vec<Row>)>,
}

/// A file with an uncompressed cross-reference stream (ISO 32000-2 §7.5.8): `objects` at their
/// offsets, `members` (number, container, index) listed as compressed, `pad` bytes of comment
/// after the header. The xref stream is the last object.
pub fn xref_stream_pdf(
    pad: usize,
    objects: &[(u32, Vec<u8>)],
    members: &[(u32, u32, u16)],
    style: &XrefStyle,
) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    if pad > 1 {
        out.push(b'%');
        out.extend(std::iter::repeat_n(b'p', pad - 2));
        out.push(b'\n');
    }
    let mut rows: std::collections::BTreeMap<u32, Row> = Default::default();
    for (n, body) in objects {
        rows.insert(*n, (1, out.len() as u64, 0));
        out.extend(format!("{n} 0 obj\n").bytes());
        out.extend(body);
        out.extend(b"\nendobj\n");
    }
    for (n, container, index) in members {
        rows.insert(*n, (2, u64::from(*container), u64::from(*index)));
    }
    let xref_n = rows.keys().next_back().copied().unwrap_or(0) + 1;
    let xref_at = out.len();
    rows.insert(xref_n, (1, xref_at as u64, 0));
    rows.insert(0, (0, 0, 65535));
    let [w0, w1, w2] = style.widths;
    let mut data = Vec::new();
    let mut put = |(t, a, b): Row| {
        for (v, w) in [(t, w0), (a, w1), (b, w2)] {
            data.extend_from_slice(&v.to_be_bytes()[8 - w.min(8)..]);
        }
    };
    for i in 0..=xref_n {
        put(rows.get(&i).copied().unwrap_or((0, 0, 0)));
    }
    let mut extra = style.extra.clone();
    if let Some((first, more)) = &style.appended {
        extra.push_str(&format!("/Index [0 {} {first} {}]", xref_n + 1, more.len()));
        more.iter().copied().for_each(put);
    }
    out.extend(
        format!(
            "{xref_n} 0 obj\n<< /Type /XRef /Size {} /W [{w0} {w1} {w2}] /Root 1 0 R {extra} /Length {} >>\nstream\n",
            xref_n + 1,
            data.len()
        )
        .bytes(),
    );
    out.extend(&data);
    out.extend(format!("\nendstream\nendobj\nstartxref\n{xref_at}\n%%EOF\n").bytes());
    out
}

/// An object stream (§7.5.7) holding `members` (number, text), uncompressed; `header` and
/// `first` override what is written in front of the members and `/First`.
pub fn object_stream(
    members: &[(u32, &str)],
    edit: impl Fn(String, usize) -> (String, usize),
) -> Vec<u8> {
    let mut header = String::new();
    let mut body = String::new();
    for (n, text) in members {
        header.push_str(&format!("{n} {} ", body.len()));
        body.push_str(text);
        body.push('\n');
    }
    let (header, first) = edit(header.clone(), header.len());
    let data = format!("{header}{body}");
    format!(
        "<< /Type /ObjStm /N {} /First {first} /Length {} >>\nstream\n{data}\nendstream",
        members.len(),
        data.len()
    )
    .into_bytes()
}

/// Files with object streams and cross-reference streams, well formed and not.
pub fn object_stream_files() -> Vec<(String, Vec<u8>)> {
    let catalog = "<< /Type /Catalog /Pages 2 0 R >>";
    let pages = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>";
    let page = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>";
    let content = format!(
        "<< /Length {} >>\nstream\n{CONTENT}\nendstream",
        CONTENT.len()
    );
    let font = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>";
    let normal = XrefStyle {
        widths: [1, 4, 2],
        extra: String::new(),
        appended: None,
    };
    type Edit = fn(String, usize) -> (String, usize);
    let edits: Vec<(&str, Edit)> = vec![
        ("as written", |h, f| (h, f)),
        ("/First past the data", |h, f| (h, f + 100_000)),
        ("/First 0", |h, _| (h, 0)),
        ("/First inside the header", |h, f| (h, f / 2)),
        ("header numbers swapped", |h, f| {
            (
                h.replacen("1 0 ", "X", 1)
                    .replacen("2 ", "1 ", 1)
                    .replace('X', "2 0 "),
                f,
            )
        }),
        ("header offsets past the data", |h, f| {
            (h.replace(" 0 ", " 900000 "), f)
        }),
        ("header truncated", |h, f| (h[..h.len() / 2].to_string(), f)),
    ];
    let mut files = Vec::new();
    for (label, edit) in edits {
        let stm = object_stream(&[(1, catalog), (2, pages), (3, page), (5, font)], edit);
        let objects = vec![(4, content.clone().into_bytes()), (6, stm)];
        let members = [(1, 6, 0), (2, 6, 1), (3, 6, 2), (5, 6, 3)];
        for pad in [0, CHUNK - 200, CHUNK - 40] {
            files.push((
                format!("object stream {label} (pad {pad})"),
                xref_stream_pdf(pad, &objects, &members, &normal),
            ));
        }
    }
    // Only the font compressed, in a stream that does not hold it: the structure walk of
    // signing does not need it, validation does.
    let stm = object_stream(&[(7, font)], |h, f| (h, f));
    let objects = vec![
        (1, catalog.as_bytes().to_vec()),
        (2, pages.as_bytes().to_vec()),
        (3, page.as_bytes().to_vec()),
        (4, content.clone().into_bytes()),
        (6, stm),
    ];
    files.push((
        "font listed in an object stream that does not hold it".into(),
        xref_stream_pdf(0, &objects, &[(5, 6, 0)], &normal),
    ));
    files.push((
        "font listed in a missing object stream".into(),
        xref_stream_pdf(0, &objects, &[(5, 60, 0)], &normal),
    ));
    let plain: Vec<(u32, Vec<u8>)> = vec![
        (1, catalog.as_bytes().to_vec()),
        (2, pages.as_bytes().to_vec()),
        (3, page.as_bytes().to_vec()),
        (4, content.into_bytes()),
        (5, font.as_bytes().to_vec()),
    ];
    for (label, widths, extra) in [
        ("/W [1 4 2]", [1, 4, 2], ""),
        ("/W [0 4 2]", [0, 4, 2], ""),
        ("/W [1 8 2]", [1, 8, 2], ""),
        ("/W [1 1 1] (offsets cut)", [1, 1, 1], ""),
        ("/W [1 4 2] odd /Index", [1, 4, 2], "/Index [0 3 5]"),
        (
            "/W [1 4 2] /Index past the rows",
            [1, 4, 2],
            "/Index [0 7 100 50]",
        ),
        ("/W [1 4 2] /Index of one row", [1, 4, 2], "/Index [0 1]"),
        ("/W [1 4 2] /Index huge", [1, 4, 2], "/Index [0 4294967295]"),
        ("/W [1 4 2] /Index negative", [1, 4, 2], "/Index [-1 7]"),
    ] {
        let style = XrefStyle {
            widths,
            extra: extra.into(),
            appended: None,
        };
        for pad in [0, CHUNK - 100] {
            files.push((
                format!("xref stream {label} (pad {pad})"),
                xref_stream_pdf(pad, &plain, &[], &style),
            ));
        }
    }
    files
}
