//! The visible signature (spesimen): the signature widget's normal appearance, a form XObject
//! (ISO 32000-2 §8.10, §12.5.5 `/AP /N`, §12.7.5.5) drawn at a page and rectangle, never in the
//! page's content, so every earlier signature stays valid (DESIGN.md decision 2).
//!
//! It shows the official's name, position and agency, the nomor surat, the signing time in WIB
//! (Asia/Jakarta, UTC+7), a QR code (drawn as filled rectangles) and the sentence used on
//! Indonesian electronic official documents, then its English version when it fits. Text is
//! set in the standard 14 fonts Helvetica and Helvetica-Bold with WinAnsiEncoding (§9.6.2.2,
//! Annex D.2), shrunk and wrapped to fit.

use lopdf::{Document, Object, ObjectId};
use time::{OffsetDateTime, UtcOffset};

use crate::SigningError;
use crate::pdf::resolve;

/// Smallest specimen rectangle accepted, points (width, height).
pub const MIN_SIZE: (f64, f64) = (60.0, 30.0);
/// Quiet zone around the QR code, modules (ISO/IEC 18004 §6.3.8).
const QUIET_ZONE: usize = 4;
/// Inner padding of the widget, points.
const PAD: f64 = 2.0;
/// Largest and smallest font size tried, points.
const FONT_SIZES: (f64, f64) = (8.0, 3.5);
/// Allowed slack when comparing the rectangle with the page box, points.
const EPSILON: f64 = 0.01;

/// Which page the specimen goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecimenPage {
    /// Page index, 0-based, in document order (ISO 32000-2 §7.7.3.2).
    Index(usize),
    /// The last page.
    Last,
}

/// A rectangle in PDF default user space (ISO 32000-2 §8.3.2.3): lower-left corner and size,
/// points (1/72 inch).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left edge, points.
    pub x: f64,
    /// Bottom edge, points.
    pub y: f64,
    /// Width, points.
    pub width: f64,
    /// Height, points.
    pub height: f64,
}

/// What the specimen says.
#[derive(Debug, Clone, PartialEq)]
pub struct Specimen {
    /// The official's name, e.g. "Dr. H. Ahmad Syarifuddin, M.Si.".
    pub name: String,
    /// The position (jabatan), e.g. "Kepala Dinas".
    pub position: Option<String>,
    /// The agency (OPD).
    pub agency: Option<String>,
    /// The nomor surat, if the document has one.
    pub nomor_surat: Option<String>,
    /// The signing time; shown in WIB (UTC+7).
    pub time: OffsetDateTime,
    /// Who issued the signer's certificate, for the closing sentence (e.g. "BSrE").
    pub issuer: String,
}

/// A visible signature: where, what, and the QR code's payload (a URL, usually with a signed
/// statement, see `sahih_tlog::Statement`).
#[derive(Debug, Clone, PartialEq)]
pub struct Visible {
    /// The page.
    pub page: SpecimenPage,
    /// The widget's rectangle on that page.
    pub rect: Rect,
    /// The text.
    pub specimen: Specimen,
    /// The QR code's text; none: no QR code.
    pub qr: Option<String>,
}

/// The sentence of Indonesian electronic official documents, with `issuer`.
pub fn sentence_id(issuer: &str) -> String {
    format!(
        "Dokumen ini telah ditandatangani secara elektronik menggunakan sertifikat elektronik \
         yang diterbitkan oleh {issuer}."
    )
}

/// Its English version.
pub fn sentence_en(issuer: &str) -> String {
    format!(
        "This document was signed electronically with an electronic certificate issued by {issuer}."
    )
}

/// The page chosen by `page` among `pages`.
///
/// Errors: [`SigningError::SpecimenNoSuchPage`].
pub(crate) fn choose_page(
    page: SpecimenPage,
    pages: &[ObjectId],
) -> Result<ObjectId, SigningError> {
    let index = match page {
        SpecimenPage::Index(i) => i,
        SpecimenPage::Last => pages.len().saturating_sub(1),
    };
    pages
        .get(index)
        .copied()
        .ok_or(SigningError::SpecimenNoSuchPage {
            page: index + 1,
            pages: pages.len(),
        })
}

/// The visible area of page `page`: its `/CropBox` (default: the `/MediaBox`), both
/// inheritable through `/Parent` (ISO 32000-2 §7.7.3.4, Table 31), as `[llx lly urx ury]`.
pub(crate) fn page_box(doc: &Document, page: ObjectId) -> Option<[f64; 4]> {
    // `None`: the nearest entry is not a rectangle (the page is refused, never read with a
    // parent's box instead); `Some(None)`: no entry on the page or above it.
    let lookup = |key: &[u8]| -> Option<Option<[f64; 4]>> {
        let Ok(mut node) = doc.get_dictionary(page) else {
            return Some(None);
        };
        for _ in 0..64 {
            if let Ok(b) = node.get(key) {
                return rectangle(doc, b).map(Some);
            }
            let parent = node.get(b"Parent").ok().and_then(|p| resolve(doc, p));
            match parent.and_then(|p| p.as_dict().ok()) {
                Some(p) => node = p,
                None => return Some(None),
            }
        }
        Some(None)
    };
    let media = lookup(b"MediaBox")??;
    Some(match lookup(b"CropBox")? {
        // The crop box is clipped to the media box (§14.11.2).
        Some(c) => [
            c[0].max(media[0]),
            c[1].max(media[1]),
            c[2].min(media[2]),
            c[3].min(media[3]),
        ],
        None => media,
    })
}

/// A rectangle array (§7.9.5), normalised so that the lower-left corner comes first.
/// `None` unless it is exactly four numbers (`[0 0 /Foo 792 1000]` is no rectangle, not
/// `[0 0 792 1000]`).
fn rectangle(doc: &Document, obj: &Object) -> Option<[f64; 4]> {
    let items = resolve(doc, obj)?.as_array().ok()?;
    let n = items
        .iter()
        .map(|o| resolve(doc, o)?.as_float().ok().map(f64::from))
        .collect::<Option<Vec<f64>>>()?;
    let [a, b, c, d] = n.as_slice() else {
        return None;
    };
    Some([a.min(*c), b.min(*d), a.max(*c), b.max(*d)])
}

/// Refuses a rectangle that is not finite, smaller than [`MIN_SIZE`], or not wholly inside
/// `page_box` (page `page`, 1-based, for the message).
///
/// Errors: [`SigningError::SpecimenTooSmall`], [`SigningError::SpecimenOutsidePage`].
pub fn check_placement(rect: &Rect, page_box: [f64; 4], page: usize) -> Result<(), SigningError> {
    let numbers = [rect.x, rect.y, rect.width, rect.height];
    if numbers.iter().any(|n| !n.is_finite()) || rect.width < MIN_SIZE.0 || rect.height < MIN_SIZE.1
    {
        return Err(SigningError::SpecimenTooSmall {
            width: rect.width,
            height: rect.height,
        });
    }
    let inside = rect.x >= page_box[0] - EPSILON
        && rect.y >= page_box[1] - EPSILON
        && rect.x + rect.width <= page_box[2] + EPSILON
        && rect.y + rect.height <= page_box[3] + EPSILON;
    if !inside {
        return Err(SigningError::SpecimenOutsidePage {
            page,
            rect: [rect.x, rect.y, rect.width, rect.height],
            page_box,
        });
    }
    Ok(())
}

/// A number in content or object syntax: at most 3 decimals, no exponent (§7.3.3).
fn num(n: f64) -> String {
    let s = format!("{:.3}", n);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// The widget's `/Rect` array text.
pub(crate) fn rect_text(r: &Rect) -> String {
    format!(
        "[{} {} {} {}]",
        num(r.x),
        num(r.y),
        num(r.x + r.width),
        num(r.y + r.height)
    )
}

/// The appearance stream object (a form XObject with its `/Resources`), as object text.
///
/// Errors: [`SigningError::SpecimenQr`] when the QR payload does not fit a QR code.
pub(crate) fn appearance_object(v: &Visible) -> Result<Vec<u8>, SigningError> {
    let (w, h) = (v.rect.width, v.rect.height);
    let mut content = String::from("q 1 1 1 rg 0 0 ");
    content.push_str(&format!("{} {} re f\n", num(w), num(h)));
    let qr_side = match &v.qr {
        Some(payload) => {
            let side = (h - 2.0 * PAD).min(w * 0.45);
            content.push_str(&qr_content(payload, PAD, (h - side) / 2.0, side)?);
            side
        }
        None => 0.0,
    };
    let x0 = PAD + if qr_side > 0.0 { qr_side + 3.0 } else { 0.0 };
    content.push_str(&text_content(&v.specimen, x0, w - x0 - PAD, h));
    content.push_str("Q\n");
    let font = |name: &str| {
        format!("<< /Type /Font /Subtype /Type1 /BaseFont /{name} /Encoding /WinAnsiEncoding >>")
    };
    Ok(format!(
        "<< /Type /XObject /Subtype /Form /BBox [0 0 {} {}] /Resources << /Font << /F1 {} /F2 {} >> >> /Length {} >>\nstream\n{content}\nendstream",
        num(w),
        num(h),
        font("Helvetica"),
        font("Helvetica-Bold"),
        content.len()
    )
    .into_bytes())
}

/// The QR code of `payload` (ISO/IEC 18004, error correction M) as filled rectangles in a
/// square of `side` points at (`x`, `y`), quiet zone included.
fn qr_content(payload: &str, x: f64, y: f64, side: f64) -> Result<String, SigningError> {
    let code = qrcode::QrCode::with_error_correction_level(payload, qrcode::EcLevel::M)
        .map_err(|e| SigningError::SpecimenQr(e.to_string()))?;
    let n = code.width();
    let colors = code.to_colors();
    let module = side / (n + 2 * QUIET_ZONE) as f64;
    let mut out = format!(
        "q 0 0 0 rg {} 0 0 {} {} {} cm\n",
        num(module),
        num(module),
        num(x + module * QUIET_ZONE as f64),
        num(y + module * QUIET_ZONE as f64)
    );
    for row in 0..n {
        let mut col = 0;
        while col < n {
            if colors[row * n + col] != qrcode::Color::Dark {
                col += 1;
                continue;
            }
            let start = col;
            while col < n && colors[row * n + col] == qrcode::Color::Dark {
                col += 1;
            }
            // Rows run top to bottom; PDF's y axis runs up.
            out.push_str(&format!("{start} {} {} 1 re\n", n - 1 - row, col - start));
        }
    }
    out.push_str("f Q\n");
    Ok(out)
}

/// One line of the specimen's text: the text, bold or not, and its size relative to the base.
struct Line {
    text: String,
    bold: bool,
    scale: f64,
}

/// The specimen's lines before wrapping; the English sentence last, to drop first.
fn lines(s: &Specimen) -> Vec<Line> {
    let line = |text: String, bold: bool, scale: f64| Line { text, bold, scale };
    let mut out = vec![line(s.name.clone(), true, 1.0)];
    for text in [&s.position, &s.agency].into_iter().flatten() {
        out.push(line(text.clone(), false, 1.0));
    }
    if let Some(n) = &s.nomor_surat {
        out.push(line(format!("Nomor: {n}"), false, 1.0));
    }
    out.push(line(wib(s.time), false, 1.0));
    out.push(line(sentence_id(&s.issuer), false, 0.8));
    out.push(line(sentence_en(&s.issuer), false, 0.8));
    out
}

/// `29 November 2026 10.04 WIB`: the time in WIB (UTC+7), Indonesian month names.
pub fn wib(t: OffsetDateTime) -> String {
    const MONTHS: [&str; 12] = [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ];
    let offset = UtcOffset::from_hms(7, 0, 0).unwrap_or(UtcOffset::UTC);
    let t = t.to_offset(offset);
    format!(
        "{} {} {} {:02}.{:02} WIB",
        t.day(),
        MONTHS[usize::from(u8::from(t.month())) - 1],
        t.year(),
        t.hour(),
        t.minute()
    )
}

/// The text block: the largest font size at which every line fits the box `width` × `height`
/// (at `x`, top-aligned) once wrapped; at the smallest size the English sentence is dropped,
/// and whatever still overflows is clipped.
fn text_content(s: &Specimen, x: f64, width: f64, height: f64) -> String {
    let all = lines(s);
    let avail = height - 2.0 * PAD;
    let layout = |size: f64, lines: &[Line]| -> (Vec<(String, bool, f64)>, f64) {
        let mut out = Vec::new();
        let mut used = 0.0;
        for l in lines {
            let sz = size * l.scale;
            for piece in wrap(&l.text, width, sz, l.bold) {
                used += sz * 1.18;
                out.push((piece, l.bold, sz));
            }
        }
        (out, used)
    };
    let mut size = FONT_SIZES.0;
    let mut chosen = layout(size, &all);
    while chosen.1 > avail && size > FONT_SIZES.1 {
        size -= 0.25;
        chosen = layout(size, &all);
    }
    if chosen.1 > avail {
        chosen = layout(size, &all[..all.len() - 1]);
    }
    let mut out = format!(
        "q {} 0 {} {} re W n 0 0 0 rg\n",
        num(x),
        num(width),
        num(height)
    );
    let mut y = height - PAD;
    for (text, bold, sz) in chosen.0 {
        y -= sz * 0.95;
        out.push_str(&format!(
            "BT /{} {} Tf {} {} Td {} Tj ET\n",
            if bold { "F2" } else { "F1" },
            num(sz),
            num(x),
            num(y),
            literal(&winansi(&text))
        ));
        y -= sz * 0.23;
    }
    out.push_str("Q\n");
    out
}

/// `text` broken at spaces into lines no wider than `width` at `size`; a word wider than a
/// line is broken where it overflows.
fn wrap(text: &str, width: f64, size: f64, bold: bool) -> Vec<String> {
    let fits = |s: &str| text_width(s, size, bold) <= width;
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let candidate = if current.is_empty() {
            word.to_string()
        } else {
            format!("{current} {word}")
        };
        if fits(&candidate) {
            current = candidate;
            continue;
        }
        if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        for c in word.chars() {
            current.push(c);
            if !fits(&current) && current.chars().count() > 1 {
                current.pop();
                out.push(std::mem::take(&mut current));
                current.push(c);
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Helvetica's advance widths for ASCII 32..=126, 1/1000 em (Adobe's Helvetica AFM).
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // 32-47
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 48-63
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // 64-79
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // 80-95
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // 96-111
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // 112-126
];

/// Width of `text` at `size` points, points. Helvetica-Bold is measured as Helvetica × 1.25,
/// an upper bound of its wider glyphs; characters outside ASCII count as 0.6 em.
fn text_width(text: &str, size: f64, bold: bool) -> f64 {
    let units: u32 = text
        .chars()
        .map(|c| match u32::from(c) {
            n @ 32..=126 => u32::from(HELVETICA[(n - 32) as usize]),
            _ => 600,
        })
        .sum();
    let factor = if bold { 1.25 } else { 1.0 };
    f64::from(units) * size / 1000.0 * factor
}

/// `text` in WinAnsiEncoding (ISO 32000-2 Annex D.2): ASCII and Latin-1 as they are, the
/// typographic characters of 0x80..0x9F at their codes, anything else as `?`.
pub(crate) fn winansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            ' '..='~' | '\u{a0}'..='\u{ff}' => u32::from(c) as u8,
            '€' => 0x80,
            '…' => 0x85,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '\t' | '\n' | '\r' => b' ',
            _ => b'?',
        })
        .collect()
}

/// A literal string (ISO 32000-2 §7.3.4.2) with `(`, `)` and `\` escaped and bytes outside
/// printable ASCII as octal escapes, so the content stream stays ASCII.
pub(crate) fn literal(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('(');
    for &b in bytes {
        match b {
            b'(' | b')' | b'\\' => {
                out.push('\\');
                out.push(char::from(b));
            }
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\{b:03o}")),
        }
    }
    out.push(')');
    out
}

/// The names a specimen takes from a certificate (RFC 5280 §4.1.2.4, §4.1.2.6): the subject's
/// commonName, title (the position) and organizationName (the agency), and the issuer's
/// organizationName, else its commonName.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertificateNames {
    /// Subject commonName (2.5.4.3).
    pub name: Option<String>,
    /// Subject title (2.5.4.12).
    pub position: Option<String>,
    /// Subject organizationName (2.5.4.10).
    pub agency: Option<String>,
    /// Issuer organizationName, else commonName.
    pub issuer: Option<String>,
}

/// Reads [`CertificateNames`] from `cert`.
pub fn certificate_names(cert: &x509_cert::Certificate) -> CertificateNames {
    const CN: &str = "2.5.4.3";
    const TITLE: &str = "2.5.4.12";
    const O: &str = "2.5.4.10";
    let attr = |name: &x509_cert::name::Name, oid: &str| {
        name.iter()
            .find(|atv| atv.oid.to_string() == oid)
            .and_then(|atv| {
                let tag = *der::Encode::to_der(&atv.value).ok()?.first()?;
                directory_string(tag, atv.value.value())
            })
    };
    let tbs = cert.tbs_certificate();
    CertificateNames {
        name: attr(tbs.subject(), CN),
        position: attr(tbs.subject(), TITLE),
        agency: attr(tbs.subject(), O),
        issuer: attr(tbs.issuer(), O).or_else(|| attr(tbs.issuer(), CN)),
    }
}

/// A DirectoryString (RFC 5280 §4.1.2.4) as text.
fn directory_string(tag: u8, value: &[u8]) -> Option<String> {
    match tag {
        0x0c | 0x13 | 0x16 => String::from_utf8(value.to_vec()).ok(),
        0x14 => Some(value.iter().map(|b| char::from(*b)).collect()),
        0x1e => {
            let units: Vec<u16> = value
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
