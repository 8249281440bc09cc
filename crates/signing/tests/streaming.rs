//! Signing and validating from a file read in pieces (issue 9) gives what the in-memory path
//! gives, byte for byte and verdict for verdict, on files whose streams and structures cross
//! the reader's block and chunk boundaries; stream data left in the file is still compared
//! when a later revision writes a stream again.

mod common;

use std::io::Write as _;
use std::path::Path;

use common::{Pki, append_update, assemble_bytes, ed25519_pki};
use sahih_signing::verify::{Indication, ModificationLevel, Policy, Report, verify, verify_source};
use sahih_signing::{FileSource, SignatureOptions, sign_pdf, sign_to};
use sha2::Digest as _;
use time::OffsetDateTime;

/// The deterministic Ed25519 signer of these tests.
fn ed25519() -> Pki {
    ed25519_pki(7)
}

/// A page drawing an image of `image_bytes` pseudo-random bytes: larger than the reader's
/// blocks (64 KiB) and chunks (1 MiB), so that no stream fits one read.
fn image_pdf(image_bytes: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_u32;
    let data: Vec<u8> = (0..image_bytes)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state >> 24) as u8
        })
        .collect();
    let mut image = format!(
        "<< /Type /XObject /Subtype /Image /Width {} /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length {} >>\nstream\n",
        data.len(),
        data.len()
    )
    .into_bytes();
    image.extend_from_slice(&data);
    image.extend_from_slice(b"\nendstream");
    let content = "q 500 0 0 700 40 60 cm /Im1 Do Q";
    let bodies = [
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /XObject << /Im1 5 0 R >> >> >>".to_vec(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()).into_bytes(),
        image,
    ];
    assemble_bytes(&bodies)
}

fn options() -> SignatureOptions {
    SignatureOptions {
        reason: Some("Disetujui".into()),
        signing_time: OffsetDateTime::from_unix_timestamp(1_790_000_000).expect("time"),
        ..SignatureOptions::default()
    }
}

fn file_with(dir: &Path, name: &str, bytes: &[u8]) -> FileSource {
    let path = dir.join(name);
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(bytes))
        .expect("write");
    FileSource::new(std::fs::File::open(&path).expect("open")).expect("source")
}

fn sign_from_file(pki: &Pki, dir: &Path, pdf: &[u8]) -> Vec<u8> {
    let src = file_with(dir, "in.pdf", pdf);
    let mut out = Vec::new();
    let signed = sign_to(&src, &mut out, &pki.key, &pki.cert, &pki.ca, &options()).expect("sign");
    assert_eq!(signed.len, out.len());
    out
}

fn policy(pki: &Pki) -> Policy {
    Policy {
        trust_anchors: pki.ca.clone(),
        at: Some(OffsetDateTime::now_utc()),
        ..Policy::default()
    }
}

fn json(r: &Report) -> String {
    serde_json::to_string(r).expect("json")
}

#[test]
fn signing_from_a_file_writes_the_bytes_signing_in_memory_writes() {
    let pki = ed25519();
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = image_pdf(3 * 1024 * 1024 + 12_345);
    let from_file = sign_from_file(&pki, dir.path(), &pdf);
    let in_memory = sign_pdf(&pdf, &pki.key, &pki.cert, &pki.ca, &options())
        .expect("sign")
        .bytes;
    assert!(from_file == in_memory, "the two signing paths differ");
    assert!(from_file.starts_with(&pdf), "the original revision changed");
    // A second signature over the first, again from the file.
    let twice = sign_from_file(&pki, dir.path(), &from_file);
    let r = verify(&twice, &policy(&pki)).expect("usable");
    assert_eq!(r.indication, Indication::TotalPassed, "{}", json(&r));
    assert_eq!(r.signatures.len(), 2);
}

#[test]
fn validating_a_file_reports_what_validating_its_bytes_reports() {
    let pki = ed25519();
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = image_pdf(2 * 1024 * 1024 + 7);
    let once = sign_pdf(&pdf, &pki.key, &pki.cert, &pki.ca, &options()).expect("sign");
    let twice = sign_pdf(&once.bytes, &pki.key, &pki.cert, &pki.ca, &options()).expect("sign");
    let policy = policy(&pki);
    let in_memory = verify(&twice.bytes, &policy).expect("usable");
    let src = file_with(dir.path(), "signed.pdf", &twice.bytes);
    let from_file = verify_source(&src, &policy).expect("usable");
    assert_eq!(json(&from_file), json(&in_memory));
    assert_eq!(from_file.indication, Indication::TotalPassed);
    let sha = sha2::Sha256::digest(&twice.bytes);
    let hex: String = sha.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(from_file.sha256, hex, "the report names another file");

    // One flipped byte inside the image, read from the file: the signatures fail.
    let mut tampered = twice.bytes.clone();
    tampered[pdf.len() / 2] ^= 1;
    let src = file_with(dir.path(), "tampered.pdf", &tampered);
    let r = verify_source(&src, &policy).expect("usable");
    assert_eq!(r.indication, Indication::TotalFailed, "{}", json(&r));
}

/// The text of object 5 (the image) as the original revision wrote it.
fn image_object(pdf: &[u8]) -> Vec<u8> {
    let start = memchr_find(pdf, b"5 0 obj\n").expect("object 5") + 8;
    let end = memchr_find(&pdf[start..], b"\nendobj").expect("endobj") + start;
    pdf[start..end].to_vec()
}

fn memchr_find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn a_stream_written_again_is_compared_by_its_data_not_its_place() {
    let pki = ed25519();
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = image_pdf(1024 * 1024 + 3);
    let signed = sign_pdf(&pdf, &pki.key, &pki.cert, &pki.ca, &options())
        .expect("sign")
        .bytes;
    let image = image_object(&pdf);
    let policy = policy(&pki);

    let same = append_update(&signed, &[(5, image.clone())]);
    let src = file_with(dir.path(), "same.pdf", &same);
    let r = verify_source(&src, &policy).expect("usable");
    let s = &r.signatures[0];
    assert_eq!(
        s.modifications.level,
        ModificationLevel::None,
        "{}",
        json(&r)
    );

    let mut changed_image = image.clone();
    let last = changed_image.len() - 20;
    changed_image[last] ^= 0x55;
    let changed = append_update(&signed, &[(5, changed_image)]);
    let src = file_with(dir.path(), "changed.pdf", &changed);
    let r = verify_source(&src, &policy).expect("usable");
    let s = &r.signatures[0];
    assert_eq!(
        s.modifications.level,
        ModificationLevel::Other,
        "{}",
        json(&r)
    );
    assert_eq!(r.indication, Indication::TotalFailed);
}

#[test]
fn files_with_object_streams_sign_and_validate_from_disk() {
    let pki = ed25519();
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/plain");
    for name in [
        "dss_pdf-xref-streams.pdf",
        "pyhanko_minimal-hybrid-xref.pdf",
    ] {
        let pdf = std::fs::read(corpus.join(name)).expect("corpus file");
        let signed = sign_from_file(&pki, dir.path(), &pdf);
        let src = file_with(dir.path(), "signed.pdf", &signed);
        let r = verify_source(&src, &policy(&pki)).expect("usable");
        assert_eq!(
            r.indication,
            Indication::TotalPassed,
            "{name}: {}",
            json(&r)
        );
    }
}
