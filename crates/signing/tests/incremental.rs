//! The signer's promises, checked on small hand-written PDFs without any outside validator:
//! earlier bytes never change, `/ByteRange` is `[0 a b c]` around exactly the `/Contents` hex
//! string up to the end of the file, the cross-reference kind is kept, field names stay
//! unique, and what cannot be signed is refused with a named reason.

mod common;

use common::assemble;
use sahih_signing::devca::{DevOfficer, dev_init};
use sahih_signing::{
    SignatureOptions, SignedPdf, SignerKey, SigningError, inspect, load_certificates_pem, sign_pdf,
};

const PASS: &[u8] = b"unit-test";

/// A one-page PDF with a classic xref table, offsets computed so the file is exact.
fn table_pdf(extra_catalog: &str, extra_objects: &[&str]) -> Vec<u8> {
    let mut objects = vec![
        format!("<< /Type /Catalog /Pages 2 0 R {extra_catalog}>>"),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>".to_string(),
    ];
    objects.extend(extra_objects.iter().map(|o| o.to_string()));
    assemble(&objects)
}

/// Rebuilds, with exact offsets, a PDF made by [`table_pdf`] whose objects were edited as text.
fn table_pdf_from(text: &str) -> Vec<u8> {
    let bodies: Vec<String> = text
        .split(" 0 obj\n")
        .skip(1)
        .map(|part| {
            part.split("\nendobj")
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assemble(&bodies)
}

#[test]
fn objects_the_update_edits_keep_every_other_byte_of_their_text() {
    let s = signer();
    let pdf = table_pdf("", &[]);
    let text = String::from_utf8_lossy(&pdf).replace(
        "/MediaBox [0 0 595 842] >>",
        "/MediaBox [0 0 595.32001 841.91998] /Rotate 0 /UserUnit 1.00000001 >>",
    );
    let pdf = table_pdf_from(&text);
    let signed = sign(&s, &pdf).expect("sign");
    let update = String::from_utf8_lossy(&signed.bytes[pdf.len()..]).into_owned();
    assert!(
        update.contains(
            "/MediaBox [0 0 595.32001 841.91998] /Rotate 0 /UserUnit 1.00000001 /Annots ["
        ),
        "the page keeps its numbers as written: {update}"
    );
}

struct Signer {
    _dir: tempfile::TempDir,
    key: SignerKey,
    cert: sahih_signing::Certificate,
}

fn signer() -> Signer {
    let dir = tempfile::tempdir().expect("tempdir");
    let officer = DevOfficer {
        login: "s".into(),
        name: "Rina Wulandari".into(),
        position: "Kepala Dinas".into(),
        agency: "DPMPTSP".into(),
    };
    let creds = dev_init(dir.path(), &[officer], PASS).expect("pki");
    let key = SignerKey::from_pem(
        &std::fs::read_to_string(&creds[0].key).expect("key"),
        Some(PASS),
    )
    .expect("key");
    let cert = load_certificates_pem(&std::fs::read_to_string(&creds[0].cert).expect("cert"))
        .expect("cert")[0]
        .clone();
    Signer {
        _dir: dir,
        key,
        cert,
    }
}

fn sign(s: &Signer, pdf: &[u8]) -> Result<SignedPdf, SigningError> {
    sign_pdf(pdf, &s.key, &s.cert, &[], &SignatureOptions::default())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn byte_range_covers_everything_but_exactly_the_contents_string() {
    let s = signer();
    let pdf = table_pdf("", &[]);
    let signed = sign(&s, &pdf).expect("sign");
    let out = &signed.bytes;
    assert_eq!(&out[..pdf.len()], &pdf[..], "earlier revision unchanged");
    let [zero, a, b, c] = signed.byte_range;
    assert_eq!(zero, 0);
    assert_eq!(
        b + c,
        out.len(),
        "the signature covers up to the end of its revision"
    );
    assert_eq!(out[a], b'<');
    assert_eq!(out[b - 1], b'>');
    assert!(out[a + 1..b - 1].iter().all(u8::is_ascii_hexdigit));
    let written = format!("[0 {a} {b} {c}");
    assert!(
        find(out, written.as_bytes()).is_some(),
        "the written /ByteRange matches"
    );
    assert!(find(&out[pdf.len()..], b"/ETSI.CAdES.detached").is_some());
}

#[test]
fn the_update_keeps_a_table_as_a_table_and_a_second_signature_gets_a_new_field() {
    let s = signer();
    let first = sign(&s, &table_pdf("", &[])).expect("first");
    let tail = &first.bytes[first.bytes.len() - 2000.min(first.bytes.len())..];
    assert!(
        find(tail, b"\nxref\n").is_some() || find(tail, b"xref\n").is_some(),
        "classic table kept"
    );
    assert!(find(tail, b"/Type/XRef").is_none() && find(tail, b"/Type /XRef").is_none());
    let second = sign(&s, &first.bytes).expect("second");
    assert_eq!(
        &second.bytes[..first.bytes.len()],
        &first.bytes[..],
        "the first signature's bytes are untouched"
    );
    assert_ne!(first.field_name, second.field_name);
    assert_eq!(inspect(&second.bytes).expect("inspect").signatures, 2);
}

#[test]
fn refusals_are_named() {
    let s = signer();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"\x89PNG\r\n\x1a\nnot a pdf".to_vec(), "E_NOT_PDF"),
        (b"%PDF-1.7\nno startxref here".to_vec(), "E_PDF_BROKEN_XREF"),
        (
            table_pdf(
                "/Perms << /DocMDP 4 0 R >> ",
                &[
                    "<< /Type /Sig /Reference [<< /TransformMethod /DocMDP /TransformParams << /P 1 /V /1.2 >> >>] >>",
                ],
            ),
            "E_PDF_CERTIFIED_NO_CHANGES",
        ),
        (
            table_pdf("", &[]).iter().copied().take(200).collect(),
            "E_PDF_BROKEN_XREF",
        ),
    ];
    for (pdf, code) in cases {
        let err = sign(&s, &pdf).map(|_| ()).expect_err(code);
        assert_eq!(err.code(), code, "{err}");
        assert!(err.is_input_fault());
    }
    // The permission may be an indirect number; it is honoured all the same.
    let indirect = table_pdf(
        "/Perms << /DocMDP 4 0 R >> ",
        &[
            "<< /Type /Sig /Reference [<< /TransformMethod /DocMDP /TransformParams << /P 5 0 R >> >>] >>",
            "1",
        ],
    );
    assert_eq!(
        sign(&s, &indirect).expect_err("P=1").code(),
        "E_PDF_CERTIFIED_NO_CHANGES"
    );
    // An /Annots reference to an object that does not exist reads as null: a new array takes
    // its place, and no new object takes the number that earlier revision points at.
    let dangling = table_pdf("", &[]);
    let dangling = String::from_utf8_lossy(&dangling).replace(
        "/MediaBox [0 0 595 842] >>",
        "/MediaBox [0 0 595 842] /Annots 9 0 R >>",
    );
    let dangling = table_pdf_from(&dangling);
    let signed = sign(&s, &dangling)
        .map_err(|e| e.to_string())
        .expect("dangling /Annots");
    let update = String::from_utf8_lossy(&signed.bytes[dangling.len()..]).into_owned();
    assert!(!update.contains("\n9 0 obj"), "object 9 stays unassigned");
    assert!(
        update.contains("/Annots [11 0 R]") || update.contains("/Annots [12 0 R]"),
        "{}",
        &update[update.len().saturating_sub(400)..]
    );
    // Escaped key names are the names they spell; a repeated key is refused.
    let escaped = table_pdf("", &[]);
    let escaped = table_pdf_from(&String::from_utf8_lossy(&escaped).replace(
        "/Type /Catalog /Pages 2 0 R",
        "/Type /Catalog /Pages 2 0 R /Acro#46orm << /Fields [] >>",
    ));
    let signed = sign(&s, &escaped)
        .map_err(|e| e.to_string())
        .expect("escaped name");
    let update = String::from_utf8_lossy(&signed.bytes[escaped.len()..]).into_owned();
    assert!(
        !update.contains("/AcroForm"),
        "the existing (escaped) AcroForm is extended, not doubled"
    );
    let repeated = table_pdf(
        "/AcroForm << /Fields [] >> /AcroForm << /Fields [] >> ",
        &[],
    );
    assert_eq!(
        sign(&s, &repeated)
            .map(|_| ())
            .expect_err("repeated key")
            .code(),
        "E_PDF_STRUCTURE"
    );
    // A field lock that forbids changes (FieldMDP /P 1) is honoured like DocMDP.
    let locked = table_pdf(
        "/AcroForm << /Fields [4 0 R] >> ",
        &[
            "<< /FT /Sig /T (Pemeriksa) /V 5 0 R /Lock << /Type /SigFieldLock /Action /Include /Fields [(x)] /P 1 >> >>",
            "<< /Type /Sig /ByteRange [0 10 20 10] /Contents <00> >>",
        ],
    );
    assert_eq!(
        sign(&s, &locked).map(|_| ()).expect_err("locked").code(),
        "E_PDF_FIELDS_LOCKED"
    );
    // Bytes before the header make every offset ambiguous.
    let mut prefixed = b"junk\n".to_vec();
    prefixed.extend_from_slice(&table_pdf("", &[]));
    assert_eq!(
        sign(&s, &prefixed).map(|_| ()).expect_err("prefix").code(),
        "E_PDF_STRUCTURE"
    );
    // A certification allowing form filling and signatures (P = 2) may be signed again.
    let p2 = table_pdf(
        "/Perms << /DocMDP 4 0 R >> ",
        &[
            "<< /Type /Sig /Reference [<< /TransformMethod /DocMDP /TransformParams << /P 2 /V /1.2 >> >>] >>",
        ],
    );
    assert!(sign(&s, &p2).is_ok());
}

#[test]
fn a_key_that_does_not_match_the_certificate_is_refused() {
    let a = signer();
    let b = signer();
    let err = sign_pdf(
        &table_pdf("", &[]),
        &a.key,
        &b.cert,
        &[],
        &SignatureOptions::default(),
    )
    .expect_err("mismatch");
    assert_eq!(err.code(), "E_CERTIFICATE_UNUSABLE");
}

/// A file whose cross-reference stream's `/Size` leaves out the stream's own object number
/// (ISO 32000-2 §7.5.8.2 counts it; some writers do not): the update must not reuse that
/// number, or strict readers (pyHanko) refuse the file as clobbering the xref stream.
#[test]
fn new_objects_never_reuse_the_number_of_an_xref_stream() {
    let bodies = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ];
    let mut pdf = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend(format!("{} 0 obj\n{body}\nendobj\n", i + 1).bytes());
    }
    let xref_at = pdf.len();
    // Entries for objects 0..=3 (W [1 4 1]); object 4, the stream itself, is left out, and
    // /Size says 4.
    let mut entries = vec![0u8, 0, 0, 0, 0, 255];
    for o in &offsets {
        entries.push(1);
        entries.extend(u32::try_from(*o).expect("small").to_be_bytes());
        entries.push(0);
    }
    pdf.extend(
        format!(
            "4 0 obj\n<< /Type /XRef /Size 4 /W [1 4 1] /Root 1 0 R /Length {} >>\nstream\n",
            entries.len()
        )
        .bytes(),
    );
    pdf.extend(&entries);
    pdf.extend(format!("\nendstream\nendobj\nstartxref\n{xref_at}\n%%EOF\n").bytes());

    let signed = sign(&signer(), &pdf).expect("signed");
    let update = &signed.bytes[pdf.len()..];
    let text = String::from_utf8_lossy(update);
    assert!(
        !text.contains("\n4 0 obj") && !text.starts_with("4 0 obj"),
        "object 4 is the xref stream's number: {text}"
    );
}
