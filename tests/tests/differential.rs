//! Differential test against pyHanko: the attack variants of two signed bases (one signed by
//! `sahih sign`, one certified by pyHanko, both with the development CA) and every signed file
//! of the corpus (signed-valid, signed-modified, signed-other, attacks) go through pdf-oracle's
//! pyHanko and through `sahih verify`, and are compared signature by signature, matched by
//! field name: integrity (pyHanko `intact` vs Sahih `integrity.ok && byte_range_check.ok`),
//! modification level, and the bottom line (pyHanko intact, valid and no illegal modification
//! or nonstandard coverage vs Sahih not TOTAL-FAILED; trust is not compared).
//!
//! Every disagreement is printed as a table. The test fails only where Sahih is more lenient
//! than pyHanko on integrity or modifications: pyHanko finds a signature not intact, or
//! modified in a way it does not allow (level OTHER or ILLEGAL_MODIFICATIONS), while Sahih
//! reports it intact, its modifications allowed and its indication not TOTAL-FAILED. Where
//! pyHanko cannot read a file or validate a signature at all, the row is listed (marked when
//! Sahih accepts the signature) but does not fail: that is no verdict on integrity.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sahih_e2e::attacks::harness::{
    Verdict, dev_pki, parallel, pyhanko_certify, sahih_sign, sahih_verify,
};
use sahih_e2e::attacks::variants;
use sahih_e2e::{OracleVerdict, oracle_available, pyhanko_oracle, shared_dir};
use serde_json::Value;

const LIMIT: Duration = Duration::from_secs(10);
const CATEGORIES: &[&str] = &["signed-valid", "signed-modified", "signed-other", "attacks"];

/// One disagreement.
struct Row {
    file: String,
    field: String,
    pyhanko: String,
    sahih: String,
    what: &'static str,
    /// Sahih accepts what pyHanko rejects: a failure.
    lenient: bool,
}

/// The variants of the two bases, written to `tmp`, and the corpus files.
fn files(tmp: &Path) -> (Vec<(String, PathBuf)>, PathBuf) {
    let pki = dev_pki(&tmp.join("pki"));
    let plain = shared_dir().join("corpus/plain/pdfrs_libreoffice.pdf");
    let signed = tmp.join("signed.pdf");
    sahih_sign(&pki, &plain, &signed).expect("sahih sign");
    let certified = tmp.join("certified.pdf");
    pyhanko_certify(&pki, &plain, &certified).expect("pyHanko certifies the plain file");
    let mut out = Vec::new();
    for (label, base) in [("sahih", &signed), ("pyhanko-certified", &certified)] {
        let bytes = std::fs::read(base).expect("read base");
        for v in variants(&bytes) {
            let name = format!("{label}:{}", v.name);
            let path = tmp.join(format!("{}.pdf", name.replace([':', '/'], "_")));
            std::fs::write(&path, &v.bytes).expect("write variant");
            out.push((name, path));
        }
    }
    for category in CATEGORIES {
        let mut files: Vec<_> = std::fs::read_dir(shared_dir().join("corpus").join(category))
            .expect("corpus folder")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
            .collect();
        files.sort();
        for f in files {
            let name = format!(
                "{category}/{}",
                f.file_name().unwrap_or_default().to_string_lossy()
            );
            out.push((name, f));
        }
    }
    (out, pki.ca)
}

/// pyHanko's facts about one signature row.
struct Py<'a>(&'a Value);

impl Py<'_> {
    fn error(&self) -> Option<&str> {
        self.0["error"].as_str()
    }
    fn intact(&self) -> bool {
        self.0["intact"] == true
    }
    fn level(&self) -> &str {
        self.0["modification_level"].as_str().unwrap_or("-")
    }
    fn summary(&self) -> &str {
        self.0["summary"].as_str().unwrap_or_default()
    }
    /// pyHanko finds the signature not intact, or changes after it that it does not allow.
    fn rejects(&self) -> bool {
        !self.intact()
            || self.level() == "OTHER"
            || self.summary().contains("ILLEGAL_MODIFICATIONS")
    }
    /// pdf-oracle's "sound" without trust: intact, valid, allowed changes, standard coverage.
    fn sound(&self) -> bool {
        self.intact()
            && self.0["valid"] == true
            && !["ILLEGAL_MODIFICATIONS", "NONSTANDARD_COVERAGE"]
                .iter()
                .any(|s| self.summary().contains(s))
    }
    fn describe(&self) -> String {
        match self.error() {
            Some(e) => format!("error: {e}"),
            None => format!(
                "intact={} valid={} {} {} [{}]",
                self.intact(),
                self.0["valid"],
                self.0["coverage"].as_str().unwrap_or("-"),
                self.level(),
                self.summary()
            ),
        }
    }
}

/// Sahih's facts about one signature report.
struct Sa<'a>(&'a Value);

impl Sa<'_> {
    fn field(&self) -> &str {
        self.0["field"].as_str().unwrap_or("?")
    }
    fn intact(&self) -> bool {
        self.0["integrity"]["ok"] == true && self.0["byte_range_check"]["ok"] == true
    }
    fn level(&self) -> &str {
        self.0["modifications"]["level"].as_str().unwrap_or("-")
    }
    fn failed(&self) -> bool {
        self.0["indication"] == "TOTAL-FAILED"
    }
    fn accepts(&self) -> bool {
        self.intact() && self.0["modifications"]["allowed"] == true && !self.failed()
    }
    fn describe(&self) -> String {
        format!(
            "intact={} {} allowed={} {} {}",
            self.intact(),
            self.level(),
            self.0["modifications"]["allowed"],
            self.0["indication"].as_str().unwrap_or("?"),
            self.0["reason"].as_str().unwrap_or("?")
        )
    }
}

/// pyHanko's level in Sahih's words.
fn sahih_level(pyhanko: &str) -> &str {
    match pyhanko {
        "NONE" => "none",
        "LTA_UPDATES" => "signatures_and_timestamps",
        "FORM_FILLING" => "form_filling",
        "ANNOTATIONS" => "annotations",
        "OTHER" => "other",
        other => other,
    }
}

/// The disagreements on one file.
fn compare(file: &str, oracle: &OracleVerdict, sahih: &Verdict) -> Vec<Row> {
    let sigs = sahih.signatures();
    let rows = oracle.pyhanko_rows();
    let sahih_doc = format!("{} {}", sahih.indication(), sahih.reason());
    let row = |field: &str, pyhanko: String, sahih: String, what, lenient| Row {
        file: file.to_string(),
        field: field.to_string(),
        pyhanko,
        sahih,
        what,
        lenient,
    };
    let mut out = Vec::new();
    // A row without a field: pyHanko could not read the file at all.
    if let Some(r) = rows.iter().find(|r| r["field"].is_null()) {
        for s in sigs.iter().map(Sa) {
            let what = pyhanko_error_kind(&s);
            out.push(row(s.field(), Py(r).describe(), s.describe(), what, false));
        }
        if sigs.is_empty() {
            out.push(row(
                "-",
                Py(r).describe(),
                sahih_doc.clone(),
                "pyHanko cannot read",
                false,
            ));
        }
    }
    for r in rows.iter().filter(|r| !r["field"].is_null()) {
        let py = Py(r);
        let field = r["field"].as_str().unwrap_or("?");
        match sigs.iter().find(|s| s["field"] == r["field"]).map(Sa) {
            None => out.push(row(
                field,
                py.describe(),
                sahih_doc.clone(),
                "only pyHanko has it",
                false,
            )),
            Some(s) => {
                if let Some((what, lenient)) = disagreement(&py, &s) {
                    out.push(row(field, py.describe(), s.describe(), what, lenient));
                }
            }
        }
    }
    if rows.iter().all(|r| !r["field"].is_null()) {
        for s in sigs.iter().map(Sa) {
            if !rows.iter().any(|r| r["field"] == s.field()) {
                let none = "(no such signature)".to_string();
                out.push(row(
                    s.field(),
                    none,
                    s.describe(),
                    "only Sahih has it",
                    false,
                ));
            }
        }
    }
    out
}

/// How Sahih's verdict stands next to a pyHanko error.
fn pyhanko_error_kind(s: &Sa) -> &'static str {
    if s.accepts() {
        "pyHanko error, Sahih accepts"
    } else {
        "pyHanko error"
    }
}

/// What differs between the two verdicts on one signature, and whether Sahih is the more
/// lenient one on integrity or modifications (the only failure).
fn disagreement(py: &Py, s: &Sa) -> Option<(&'static str, bool)> {
    if py.error().is_some() {
        return Some((pyhanko_error_kind(s), false));
    }
    if py.rejects() && s.accepts() {
        return Some(("SAHIH MORE LENIENT", true));
    }
    [
        (py.intact() != s.intact(), "integrity"),
        (sahih_level(py.level()) != s.level(), "modification level"),
        (py.sound() == s.failed(), "bottom line"),
    ]
    .into_iter()
    .find_map(|(differs, what)| differs.then_some((what, false)))
}

#[test]
fn sahih_never_accepts_what_pyhanko_rejects() {
    if !oracle_available() {
        eprintln!("SKIPPED: pdf-oracle (pyHanko) is not installed and CI is not set");
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let (files, ca) = files(tmp.path());
    let results = parallel(&files, 2, |(_, path)| {
        (
            pyhanko_oracle(path, &[&ca]).map_err(|e| e.to_string()),
            sahih_verify(path, &[&ca], LIMIT),
        )
    });
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for ((name, _), (oracle, sahih)) in files.iter().zip(results) {
        match (oracle, sahih) {
            (Ok(o), Ok(s)) => rows.extend(compare(name, &o, &s)),
            (o, s) => errors.push(format!(
                "{name}: pyHanko {:?} / Sahih {:?}",
                o.err(),
                s.err()
            )),
        }
    }
    let mut table = format!(
        "{} files compared; {} disagreements\n{:<70} {:<22} {:<20} {:<80} sahih says\n",
        files.len(),
        rows.len(),
        "file",
        "signature",
        "kind",
        "pyHanko says"
    );
    for r in &rows {
        table.push_str(&format!(
            "{:<70} {:<22} {:<20} {:<80} {}\n",
            r.file, r.field, r.what, r.pyhanko, r.sahih
        ));
    }
    println!("{table}");
    let tmpdir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let _ = std::fs::create_dir_all(tmpdir);
    let _ = std::fs::write(tmpdir.join("differential.txt"), &table);
    assert!(errors.is_empty(), "could not judge:\n{}", errors.join("\n"));
    let lenient: Vec<_> = rows
        .iter()
        .filter(|r| r.lenient)
        .map(|r| {
            format!(
                "{} / {}: pyHanko {} — Sahih {}",
                r.file, r.field, r.pyhanko, r.sahih
            )
        })
        .collect();
    assert!(
        lenient.is_empty(),
        "Sahih accepts what pyHanko rejects:\n{}",
        lenient.join("\n")
    );
}
