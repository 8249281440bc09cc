//! A second round of breaking the streaming signer and verifier (issue 9), on the first round's
//! fixes: the refusal of bytes after the last `%%EOF`, the strict text check of every object
//! when signing, deferred streams known by their position, and the cross-reference merge
//! (oldest first, free rows kept only for known objects).
//!
//! The defects it found are fixed; their tests, named for what should hold, guard them with the
//! others.

use sahih_signing::sign_pdf;
use sahih_signing::verify::{Indication, Policy, verify};
use time::OffsetDateTime;

mod common;
#[path = "streaming_break_pdfs.rs"]
mod pdfs;

use common::{Pki, append_update, ed25519_pki};
use pdfs::{CONTENT, find_all, plain_bodies, table_pdf};

fn pki() -> Pki {
    ed25519_pki(11)
}

fn options() -> sahih_signing::SignatureOptions {
    sahih_signing::SignatureOptions {
        reason: Some("Disetujui".into()),
        signing_time: OffsetDateTime::from_unix_timestamp(1_790_000_000).expect("time"),
        ..sahih_signing::SignatureOptions::default()
    }
}

/// The signed bytes, or the refusal's code.
fn sign(pki: &Pki, pdf: &[u8]) -> Result<Vec<u8>, String> {
    sign_pdf(pdf, &pki.key, &pki.cert, &pki.ca, &options())
        .map(|s| s.bytes)
        .map_err(|e| format!("{}: {e}", e.code()))
}

/// The verdict: `TOTAL-PASSED`, another indication with its reason, or `UNUSABLE code`.
fn verdict(pki: &Pki, pdf: &[u8]) -> String {
    let policy = Policy {
        trust_anchors: pki.ca.clone(),
        ..Policy::default()
    };
    match verify(pdf, &policy) {
        Ok(r) if r.indication == Indication::TotalPassed => "TOTAL-PASSED".into(),
        Ok(r) => format!("{:?} {}", r.indication, r.reason),
        Err(u) => format!("UNUSABLE {}", u.code),
    }
}

/// The number after the file's last `startxref`.
fn last_startxref(pdf: &[u8]) -> usize {
    let at = *find_all(pdf, b"startxref").last().expect("startxref");
    String::from_utf8_lossy(&pdf[at + 9..])
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("offset")
}

/// The offset of `N 0 obj` (the first one at or after `from`).
fn object_at(pdf: &[u8], n: u32, from: usize) -> usize {
    from + find_all(&pdf[from..], format!("{n} 0 obj").as_bytes())[0]
}

/// Appends an update: `objects` (number, text) and an xref table of exactly `rows` (object
/// number, offset; an offset of `None` means the object written here), in that order, one
/// subsection per row.
fn update_with_rows(
    pdf: &[u8],
    objects: &[(u32, &[u8])],
    rows: &[(u32, Option<usize>)],
    size: u32,
) -> Vec<u8> {
    let prev = last_startxref(pdf);
    let mut out = pdf.to_vec();
    let mut written = Vec::new();
    for (n, body) in objects {
        written.push((*n, out.len()));
        out.extend(format!("{n} 0 obj\n").bytes());
        out.extend_from_slice(body);
        out.extend(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend(b"xref\n0 1\n0000000000 65535 f \n");
    for (n, at) in rows {
        let at = at.unwrap_or_else(|| written.iter().find(|(w, _)| w == n).expect("written").1);
        out.extend(format!("{n} 1\n{at:010} 00000 n \n").bytes());
    }
    out.extend(
        format!("trailer\n<< /Size {size} /Root 1 0 R /Prev {prev} >>\nstartxref\n{xref}\n%%EOF\n")
            .bytes(),
    );
    out
}

const COURIER: &[u8] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>";

/// The plain file (catalog, pages, page, content, font 5), signed.
fn signed_plain(pki: &Pki) -> (Vec<u8>, Vec<u8>) {
    let plain = table_pdf(0, &plain_bodies(200, 200));
    let signed = sign(pki, &plain).expect("signs");
    assert_eq!(verdict(pki, &signed), "TOTAL-PASSED");
    (plain, signed)
}

#[test]
fn an_update_listing_an_object_twice_is_not_reported_unchanged() {
    // After signing, an update lists object 5 (the page's font) twice in one table: first at
    // its signed offset, then at a new Courier font. Sahih (first row wins) reports
    // TOTAL-PASSED; pyHanko, which takes the last row, reads Courier. With the rows the other
    // way round Sahih reports the change (and the build before ceb5f7d, last row wins, did
    // not). Either order is a file readers disagree on: it must not pass as unchanged.
    let pki = pki();
    let (plain, signed) = signed_plain(&pki);
    let font_at = object_at(&plain, 5, 0);
    let size = 12;
    let first_old = update_with_rows(
        &signed,
        &[(5, COURIER)],
        &[(5, Some(font_at)), (5, None)],
        size,
    );
    let first_new = update_with_rows(
        &signed,
        &[(5, COURIER)],
        &[(5, None), (5, Some(font_at))],
        size,
    );
    let found: Vec<String> = [
        ("signed row first", first_old),
        ("new row first", first_new),
    ]
    .iter()
    .map(|(what, pdf)| (what, verdict(&pki, pdf)))
    .filter(|(_, v)| v == "TOTAL-PASSED")
    .map(|(what, v)| format!("{what}: {v}"))
    .collect();
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn a_file_whose_xref_table_lists_an_object_twice_is_refused_for_signing() {
    // One xref table, two rows for object 5: the real font, then a Courier font written before
    // the table (qpdf and poppler show Helvetica, pyHanko Courier). The integrity check reads
    // each row's object, finds both well formed, and the file is signed.
    let pki = pki();
    let plain = table_pdf(0, &plain_bodies(200, 200));
    let xref = last_startxref(&plain);
    let mut pdf = plain[..xref].to_vec();
    let shadow = pdf.len();
    pdf.extend(b"5 0 obj\n");
    pdf.extend_from_slice(COURIER);
    pdf.extend(b"\nendobj\n");
    let new_xref = pdf.len();
    let rest = String::from_utf8_lossy(&plain[xref..])
        .replacen(
            "trailer",
            &format!("5 1\n{shadow:010} 00000 n \ntrailer"),
            1,
        )
        .replacen(
            &format!("startxref\n{xref}"),
            &format!("startxref\n{new_xref}"),
            1,
        );
    pdf.extend(rest.bytes());
    let code = sign(&pki, &pdf)
        .map(|_| "signed".to_string())
        .unwrap_or_else(|e| e);
    assert!(code.starts_with("E_PDF_BROKEN_XREF"), "{code}");
}

#[test]
fn junk_behind_a_second_startxref_and_eof_is_refused_for_signing() {
    // The first round's fix looks for the last `startxref` in the last 2 KiB and wants only
    // `N %%EOF` after it. A shadow page and its content after the real `%%EOF`, followed by
    // `startxref <the real xref> %%EOF`, is an "update" with no cross-reference section; it is
    // signed, the shadow objects inside the signed revision. (The validator still reports an
    // update that then points object 3 at the shadow page: see the test below.)
    let pki = pki();
    let plain = table_pdf(0, &plain_bodies(200, 200));
    let junk = format!(
        "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 9 0 R >>\nendobj\n9 0 obj\n<< /Length 20 >>\nstream\nBT (Other text) Tj ET\nendstream\nendobj\nstartxref\n{}\n%%EOF\n",
        last_startxref(&plain)
    );
    let pdf = [plain.as_slice(), junk.as_bytes()].concat();
    let code = sign(&pki, &pdf)
        .map(|_| "signed".to_string())
        .unwrap_or_else(|e| e);
    assert!(code.starts_with("E_PDF_BROKEN_XREF"), "{code}");
}

#[test]
fn an_update_re_pointing_an_object_at_signed_junk_is_reported() {
    // If junk does get signed (see the test above), pointing object 3 at the shadow page in a
    // later update is a change the validator reports.
    let pki = pki();
    let plain = table_pdf(0, &plain_bodies(200, 200));
    let junk = format!(
        "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 9 0 R >>\nendobj\n9 0 obj\n<< /Length 20 >>\nstream\nBT (Other text) Tj ET\nendstream\nendobj\nstartxref\n{}\n%%EOF\n",
        last_startxref(&plain)
    );
    let pdf = [plain.as_slice(), junk.as_bytes()].concat();
    let Ok(signed) = sign(&pki, &pdf) else {
        return; // refused: nothing to re-point
    };
    let page = object_at(&signed, 3, plain.len());
    let content = object_at(&signed, 9, plain.len());
    let attacked = update_with_rows(&signed, &[], &[(3, Some(page)), (9, Some(content))], 12);
    assert_ne!(verdict(&pki, &attacked), "TOTAL-PASSED");
}

#[test]
fn harmless_bytes_after_the_last_eof_still_sign() {
    let pki = pki();
    let plain = table_pdf(0, &plain_bodies(200, 200));
    let found: Vec<String> = [("0x1A", b"\x1a".as_slice()), ("%%EOF twice", b"%%EOF\n")]
        .iter()
        .filter_map(|(what, tail)| {
            let pdf = [plain.as_slice(), tail].concat();
            sign(&pki, &pdf).err().map(|e| format!("{what}: {e}"))
        })
        .collect();
    assert!(found.is_empty(), "{}", found.join("\n"));
    // A comment is refused: readers that repair a file scan comments for objects too, so
    // nothing but white space may follow the newest revision.
    let commented = [plain.as_slice(), b"% written by X\n"].concat();
    let refused = sign(&pki, &commented).err().map(|e| e.to_string());
    assert!(
        refused
            .as_deref()
            .is_some_and(|e| e.contains("E_PDF_BROKEN_XREF")),
        "{refused:?}"
    );
}

/// Objects 1..n as `fmt` writes each (number, body), an xref table with `row_eol` ending each
/// 20-byte row, `eol` elsewhere, and `tail` after `startxref N`.
fn laid_out(
    bodies: &[Vec<u8>],
    eol: &str,
    row_eol: &str,
    fmt: &dyn Fn(usize, &[u8]) -> Vec<u8>,
    tail: &[u8],
) -> Vec<u8> {
    let mut out = format!("%PDF-1.7{eol}%\u{e2}{eol}").into_bytes();
    let mut offsets = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        offsets.push(out.len());
        out.extend(fmt(i + 1, body));
    }
    let xref = out.len();
    out.extend(
        format!(
            "xref{eol}0 {}{eol}0000000000 65535 f{row_eol}",
            bodies.len() + 1
        )
        .bytes(),
    );
    for o in offsets {
        out.extend(format!("{o:010} 00000 n{row_eol}").bytes());
    }
    out.extend(
        format!(
            "trailer{eol}<< /Size {} /Root 1 0 R >>{eol}startxref{eol}{xref}{eol}",
            bodies.len() + 1
        )
        .bytes(),
    );
    out.extend_from_slice(tail);
    out
}

#[test]
fn legitimate_endings_and_object_layouts_still_sign() {
    let pki = pki();
    let bodies = plain_bodies(200, 200);
    let plain = |n: usize, b: &[u8]| [format!("{n} 0 obj\n").as_bytes(), b, b"\nendobj\n"].concat();
    let crlf =
        |n: usize, b: &[u8]| [format!("{n} 0 obj\r\n").as_bytes(), b, b"\r\nendobj\r\n"].concat();
    let comment =
        |n: usize, b: &[u8]| [format!("{n} 0 obj\n").as_bytes(), b, b" % note\nendobj\n"].concat();
    let glued = |n: usize, b: &[u8]| [format!("{n} 0 obj").as_bytes(), b, b"endobj\n"].concat();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("LF", laid_out(&bodies, "\n", " \n", &plain, b"%%EOF\n")),
        (
            "CRLF",
            laid_out(&bodies, "\r\n", "\r\n", &crlf, b"%%EOF\r\n"),
        ),
        ("CR", laid_out(&bodies, "\r", " \r", &plain, b"%%EOF\r")),
        (
            "%%EOF without EOL",
            laid_out(&bodies, "\n", " \n", &plain, b"%%EOF"),
        ),
        (
            "100 NULs after %%EOF",
            laid_out(
                &bodies,
                "\n",
                " \n",
                &plain,
                &[b"%%EOF\n".as_slice(), &[0; 100]].concat(),
            ),
        ),
        (
            "1 KiB of white space after %%EOF",
            laid_out(
                &bodies,
                "\n",
                " \n",
                &plain,
                &[b"%%EOF\n".as_slice(), &[b' '; 1024]].concat(),
            ),
        ),
        (
            "a comment after each value",
            laid_out(&bodies, "\n", " \n", &comment, b"%%EOF\n"),
        ),
        (
            "endobj glued to the value",
            laid_out(&bodies, "\n", " \n", &glued, b"%%EOF\n"),
        ),
    ];
    let found: Vec<String> = cases
        .iter()
        .filter_map(|(what, pdf)| {
            let signed = match sign(&pki, pdf) {
                Ok(s) => s,
                Err(e) => return Some(format!("{what}: {e}")),
            };
            let v = verdict(&pki, &signed);
            (v != "TOTAL-PASSED").then(|| format!("{what}: signed, then {v}"))
        })
        .collect();
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn objects_that_need_repair_are_refused_for_signing() {
    // Newly refused since 9abd857 (which signed them): an object with no `endobj` before the
    // xref table, and an object holding two values. Both are files lenient readers repair,
    // each its own way: refusing them is right.
    let pki = pki();
    let bodies = plain_bodies(200, 200);
    let last_open = |n: usize, b: &[u8]| {
        let end: &[u8] = if n == 5 { b"\n" } else { b"\nendobj\n" };
        [format!("{n} 0 obj\n").as_bytes(), b, end].concat()
    };
    let mut two = bodies.clone();
    two.push(b"<< /A 1 >> << /B 2 >>".to_vec());
    let plain = |n: usize, b: &[u8]| [format!("{n} 0 obj\n").as_bytes(), b, b"\nendobj\n"].concat();
    let found: Vec<String> = [
        (
            "no endobj",
            laid_out(&bodies, "\n", " \n", &last_open, b"%%EOF\n"),
        ),
        (
            "two values",
            laid_out(&two, "\n", " \n", &plain, b"%%EOF\n"),
        ),
    ]
    .iter()
    .filter_map(|(what, pdf)| sign(&pki, pdf).ok().map(|_| format!("{what}: signed")))
    .collect();
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn an_indirect_length_changed_after_signing_is_reported() {
    // The content stream's /Length is `6 0 R`; an update after signing changes object 6 (to a
    // shorter length, which cuts the content, or a longer one). The stream's entry and its
    // dictionary are unchanged, so only object 6 shows the change.
    let pki = pki();
    let mut bodies = plain_bodies(200, 200);
    bodies[3] = format!("<< /Length 6 0 R >>\nstream\n{CONTENT}\nendstream").into_bytes();
    bodies.push(CONTENT.len().to_string().into_bytes());
    let pdf = table_pdf(0, &bodies);
    let signed = sign(&pki, &pdf).expect("signs");
    assert_eq!(verdict(&pki, &signed), "TOTAL-PASSED");
    let found: Vec<String> = [0, 10, CONTENT.len() + 20]
        .iter()
        .map(|n| {
            (
                n,
                append_update(&signed, &[(6, n.to_string().into_bytes())]),
            )
        })
        .map(|(n, pdf)| (n, verdict(&pki, &pdf)))
        .filter(|(_, v)| v == "TOTAL-PASSED")
        .map(|(n, v)| format!("/Length {n}: {v}"))
        .collect();
    assert!(found.is_empty(), "{}", found.join("\n"));
    let same = append_update(&signed, &[(6, CONTENT.len().to_string().into_bytes())]);
    assert_eq!(
        verdict(&pki, &same),
        "TOTAL-PASSED",
        "written again unchanged"
    );
}

#[test]
fn an_object_freed_and_then_reused_after_signing_is_reported() {
    // Free rows are kept only for objects an older section listed: freeing the font and then
    // writing it again (under generation 0 or 1) is still a change, as before ceb5f7d.
    let pki = pki();
    let (_, signed) = signed_plain(&pki);
    let free = |pdf: &[u8], generation: u16| {
        let prev = last_startxref(pdf);
        let mut out = pdf.to_vec();
        let xref = out.len();
        out.extend(
            format!(
                "xref\n0 1\n0000000000 65535 f \n5 1\n0000000000 {generation:05} f \ntrailer\n<< /Size 12 /Root 1 0 R /Prev {prev} >>\nstartxref\n{xref}\n%%EOF\n"
            )
            .bytes(),
        );
        out
    };
    let freed = free(&signed, 1);
    let reused = append_update(&freed, &[(5, COURIER.to_vec())]);
    let found: Vec<String> = [("freed", freed), ("freed, then written again", reused)]
        .iter()
        .map(|(what, pdf)| (what, verdict(&pki, pdf)))
        .filter(|(_, v)| v == "TOTAL-PASSED")
        .map(|(what, v)| format!("{what}: {v}"))
        .collect();
    assert!(found.is_empty(), "{}", found.join("\n"));
}
