//! Regression tests from adversarial testing of public verification: inputs an anonymous
//! visitor (or whoever hands a clerk a file for `sahih verify`) controls must not make
//! verification arbitrarily slow, exhaust memory, or forge the text report.

use std::fmt::Write as _;
use std::process::Command;
use std::time::{Duration, Instant};

use sahih_e2e::attacks::harness::{dev_pki, sahih_sign};
use sahih_e2e::http::sahih_bin;
use sahih_signing::verify::{Indication, Policy, verify};

/// A one-page PDF (classic xref table) whose catalog points at `n` small objects, 5..5+n.
fn many_objects(n: usize) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    let mut obj = |out: &mut Vec<u8>, num: usize, body: &str| {
        offsets.push(out.len());
        out.extend_from_slice(format!("{num} 0 obj\n{body}\nendobj\n").as_bytes());
    };
    obj(&mut out, 1, "<< /Type /Catalog /Pages 2 0 R /X 4 0 R >>");
    obj(&mut out, 2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    obj(
        &mut out,
        3,
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    );
    let refs: Vec<String> = (5..5 + n).map(|i| format!("{i} 0 R")).collect();
    obj(&mut out, 4, &format!("[{}]", refs.join(" ")));
    for i in 5..5 + n {
        obj(&mut out, i, &format!("<< /K {i} >>"));
    }
    let xref = out.len();
    let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", n + 5);
    for o in &offsets {
        let _ = writeln!(table, "{o:010} 00000 n ");
    }
    let _ = write!(
        table,
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        n + 5
    );
    out.extend_from_slice(table.as_bytes());
    out
}

/// Appends one incremental update that rewrites objects 5..5+n (a disallowed change).
fn rewrite_all(signed: &[u8], n: usize) -> Vec<u8> {
    let text = String::from_utf8_lossy(signed);
    let prev: usize = text
        .rsplit("startxref")
        .next()
        .and_then(|t| t.split_whitespace().next())
        .and_then(|t| t.parse().ok())
        .expect("startxref");
    let size: usize = text
        .rsplit("/Size ")
        .next()
        .and_then(|t| t.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|t| t.parse().ok())
        .expect("/Size");
    let root = text
        .rsplit("/Root ")
        .next()
        .and_then(|t| t.split(" R").next())
        .expect("/Root")
        .to_string();
    let mut out = signed.to_vec();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    let mut offsets = Vec::new();
    for i in 5..5 + n {
        offsets.push(out.len());
        out.extend_from_slice(
            format!("{i} 0 obj\n<< /K {i} /Changed true >>\nendobj\n").as_bytes(),
        );
    }
    let xref = out.len();
    let mut table = format!("xref\n5 {n}\n");
    for o in &offsets {
        let _ = writeln!(table, "{o:010} 00000 n ");
    }
    let _ = write!(
        table,
        "trailer\n<< /Size {size} /Root {root} R /Prev {prev} >>\nstartxref\n{xref}\n%%EOF\n"
    );
    out.extend_from_slice(table.as_bytes());
    out
}

/// An update after the signature that rewrites many objects made the change analysis
/// quadratic (each changed object looked up by a linear scan of every object,
/// `verify/diff.rs` `Diff::modified`), and the time limit is only checked between revisions:
/// a 20 MB upload with 140 000 rewritten objects kept a verification slot (shared with
/// citizens' uploads and officers' signing) busy for about six minutes. The answer must come
/// within the time limit, as a report or as `E_PDF_TOO_LARGE`.
#[test]
fn many_rewritten_objects_are_answered_within_the_time_limit() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let pki = dev_pki(&tmp.path().join("pki"));
    let n = 30_000;
    let plain = tmp.path().join("plain.pdf");
    std::fs::write(&plain, many_objects(n)).expect("write");
    let signed = sahih_sign(&pki, &plain, &tmp.path().join("signed.pdf")).expect("sign");
    let pdf = rewrite_all(&signed, n);
    let policy = Policy {
        time_limit: Duration::from_secs(1),
        ..Policy::default()
    };
    let started = Instant::now();
    let outcome = verify(&pdf, &policy);
    let took = started.elapsed();
    match &outcome {
        Ok(report) => assert_eq!(report.indication, Indication::TotalFailed),
        Err(unusable) => assert_eq!(unusable.code, "E_PDF_TOO_LARGE"),
    }
    assert!(
        took < Duration::from_secs(6),
        "verification of {} bytes took {took:?} with a 1 s time limit",
        pdf.len()
    );
}

/// `sahih verify` reads the whole file before checking the 512 MiB limit: a 5 GB file took
/// 5 GB of memory, and `/dev/zero` or a FIFO until the OOM killer stopped it. Under a 300 MB
/// address-space limit a 1 GiB file must still be refused as `E_PDF_TOO_LARGE`.
#[test]
fn sahih_verify_refuses_a_huge_file_without_reading_it_into_memory() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("huge.pdf");
    let f = std::fs::File::create(&file).expect("create");
    f.set_len(1 << 30).expect("sparse file");
    drop(f);
    let mut header = std::fs::OpenOptions::new()
        .write(true)
        .open(&file)
        .expect("open");
    std::io::Write::write_all(&mut header, b"%PDF-1.7\n").expect("header");
    drop(header);
    let out = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 300000; exec \"$0\" verify \"$1\"")
        .arg(sahih_bin())
        .arg(&file)
        .output()
        .expect("run sahih verify");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(3), "{:?}: {said}", out.status);
    assert!(said.contains("E_PDF_TOO_LARGE"), "{said}");
}

/// The text report printed the signer's name raw: a certificate whose CN holds terminal
/// control sequences (clear screen, cursor movement) and newlines could draw a forged
/// "Verdict: TOTAL-PASSED" over the real verdict of an untrusted signature.
#[test]
fn sahih_verify_text_output_carries_no_control_characters_from_the_pdf() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name.push(
        rcgen::DnType::CommonName,
        "Mallory\u{1b}[2J\u{1b}[H\nVerdict: TOTAL-PASSED [V_OK]\r\n",
    );
    let cert = params.self_signed(&key).expect("certificate");
    let (key_path, cert_path) = (tmp.path().join("key.pem"), tmp.path().join("cert.pem"));
    std::fs::write(&key_path, key.serialize_pem()).expect("key");
    std::fs::write(&cert_path, cert.pem()).expect("cert");
    let signed = tmp.path().join("signed.pdf");
    let plain = sahih_e2e::shared_dir().join("corpus/plain/pdfrs_xelatex.pdf");
    let status = Command::new(sahih_bin())
        .arg("sign")
        .arg("--key")
        .arg(&key_path)
        .arg("--cert")
        .arg(&cert_path)
        .arg(&plain)
        .arg("-o")
        .arg(&signed)
        .status()
        .expect("sahih sign");
    assert!(status.success());
    let out = Command::new(sahih_bin())
        .arg("verify")
        .arg(&signed)
        .output()
        .expect("sahih verify");
    assert_eq!(out.status.code(), Some(1), "untrusted: INDETERMINATE");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "control characters in the text report:\n{text:?}"
    );
    assert_eq!(
        text.lines().filter(|l| l.starts_with("Verdict:")).count(),
        1,
        "a second Verdict line:\n{text}"
    );
}
