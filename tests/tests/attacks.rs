//! Every attack variant of `sahih_e2e::attacks` (USF, ISA, SWA, shadow, certification
//! attacks), made from PDFs signed by `sahih sign`, from a PDF certified by pyHanko with the
//! same development CA, and from every file of `shared/corpus/signed-valid`, goes through
//! `sahih verify --trust <dev CA> --format json`: no attack is TOTAL-PASSED or judged better
//! than the untouched file, nothing crashes or hangs (exit 0–3, JSON, an answer within 10 s),
//! and each positive control keeps the untouched file's verdict.
//!
//! Set `SAHIH_ATTACKS_DUMP=DIR` to keep every variant as a file for inspection.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sahih_e2e::attacks::harness::{
    Pki, Verdict, dev_pki, parallel, pyhanko_certify, rank, sahih_sign, sahih_verify,
};
use sahih_e2e::attacks::{Class, Variant, variants};
use sahih_e2e::shared_dir;

/// A generous ceiling per file, to catch hangs, not to measure speed.
const LIMIT: Duration = Duration::from_secs(10);

/// Plain corpus files signed by `sahih sign` as bases: table, stream and hybrid xref.
const SIGNED_BASES: &[&str] = &[
    "pdfrs_libreoffice.pdf",
    "pdfrs_xelatex.pdf",
    "dss_pdf-xref-streams.pdf",
    "pyhanko_minimal-hybrid-xref.pdf",
];

struct Base {
    name: String,
    /// Signed by the development CA the verifier trusts: the untouched file must pass.
    trusted: bool,
    variants: Vec<Variant>,
}

fn corpus_files(category: &str) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(shared_dir().join("corpus").join(category))
        .expect("corpus folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    files.sort();
    files
}

/// The generator's variants plus a second signature by `sahih sign` (a control).
fn base(name: String, trusted: bool, file: &Path, pki: &Pki, tmp: &Path) -> Base {
    let bytes = std::fs::read(file).expect("read base");
    let mut variants = variants(&bytes);
    let resigned = tmp.join(format!("{}.resigned.pdf", name.replace('/', "_")));
    if let Ok(bytes) = sahih_sign(pki, file, &resigned) {
        variants.push(Variant {
            name: "control/re-signed".into(),
            class: Class::Control,
            bytes,
        });
    }
    Base {
        name,
        trusted,
        variants,
    }
}

fn bases(pki: &Pki, tmp: &Path) -> Vec<Base> {
    let mut out = Vec::new();
    for plain in SIGNED_BASES {
        let signed = tmp.join(format!("signed_{plain}"));
        match sahih_sign(pki, &shared_dir().join("corpus/plain").join(plain), &signed) {
            Ok(_) => out.push(base(format!("sahih:{plain}"), true, &signed, pki, tmp)),
            Err(e) => {
                assert_ne!(*plain, SIGNED_BASES[0], "sahih sign refused {plain}: {e}");
                eprintln!("base {plain} not signed: {e}");
            }
        }
    }
    let certified = tmp.join("certified.pdf");
    let plain = shared_dir().join("corpus/plain/pdfrs_libreoffice.pdf");
    if pyhanko_certify(pki, &plain, &certified).is_some() {
        out.push(base(
            "pyhanko-certified:pdfrs_libreoffice.pdf".into(),
            true,
            &certified,
            pki,
            tmp,
        ));
    } else {
        assert!(
            std::env::var_os("CI").is_none(),
            "pyHanko is needed to certify a base, but CI is set: run ../shared/tools/install-oracles"
        );
        eprintln!("SKIPPING the certified base made with pyHanko: pyHanko is not installed");
    }
    for file in corpus_files("signed-valid") {
        let name = format!(
            "corpus:{}",
            file.file_name().unwrap_or_default().to_string_lossy()
        );
        out.push(base(name, false, &file, pki, tmp));
    }
    out
}

/// What is wrong with one variant's verdict, judged against the untouched file's.
fn judge(base: &Base, variant: &Variant, v: &Verdict, untouched: &Verdict) -> Option<String> {
    let expected_exit = i32::from(rank(v.indication()));
    if v.exit != expected_exit {
        return Some(format!(
            "exit {} does not match indication {}",
            v.exit,
            v.indication()
        ));
    }
    if variant.class.is_attack() {
        if v.indication() == "TOTAL-PASSED" {
            return Some("attack judged TOTAL-PASSED".into());
        }
        if rank(v.indication()) < rank(untouched.indication()) {
            return Some(format!(
                "attack judged {} although the untouched file is {}",
                v.indication(),
                untouched.indication()
            ));
        }
    } else if v.indication() != untouched.indication() {
        return Some(format!(
            "control judged {} ({}), the untouched file {}",
            v.indication(),
            v.reason(),
            untouched.indication()
        ));
    }
    if base.trusted && variant.name == "control/untouched" && v.indication() != "TOTAL-PASSED" {
        return Some(format!("signed by the trusted dev CA but {}", v.reason()));
    }
    None
}

/// Every variant written to `dir` (and to `SAHIH_ATTACKS_DUMP`, if set), as
/// `(base index, variant index, path)`.
fn write_variants(bases: &[Base], dir: &Path) -> Vec<(usize, usize, PathBuf)> {
    let dump = std::env::var_os("SAHIH_ATTACKS_DUMP").map(PathBuf::from);
    let mut jobs = Vec::new();
    for (b, base) in bases.iter().enumerate() {
        for (v, variant) in base.variants.iter().enumerate() {
            let file_name = format!(
                "{b:02}-{}--{}.pdf",
                base.name.replace([':', '/'], "_"),
                variant.name.replace('/', "_")
            );
            let path = dir.join(&file_name);
            std::fs::write(&path, &variant.bytes).expect("write variant");
            if let Some(dump) = &dump {
                std::fs::create_dir_all(dump).expect("dump dir");
                std::fs::write(dump.join(&file_name), &variant.bytes).expect("dump");
            }
            jobs.push((b, v, path));
        }
    }
    jobs
}

#[test]
fn no_attack_variant_passes_and_controls_keep_their_verdict() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let pki = dev_pki(&tmp.path().join("pki"));
    let bases = bases(&pki, tmp.path());
    let jobs = write_variants(&bases, tmp.path());
    let verdicts = parallel(&jobs, 2, |(_, _, path)| {
        sahih_verify(path, &[&pki.ca], LIMIT)
    });

    let mut table = String::new();
    let mut failures = Vec::new();
    let mut untouched: Vec<Option<Verdict>> = vec![None; bases.len()];
    for ((b, v, _), verdict) in jobs.iter().zip(verdicts) {
        let (base, variant) = (&bases[*b], &bases[*b].variants[*v]);
        let row = |verdict: &str, reason: &str, ms: u128| {
            format!(
                "{:<62} {:<48} {:<23} {:<13} {:<32} {ms:>5} ms\n",
                base.name,
                variant.name,
                variant.class.as_str(),
                verdict,
                reason
            )
        };
        let verdict = match verdict {
            Ok(verdict) => verdict,
            Err(e) => {
                table.push_str(&row("ERROR", &e, 0));
                failures.push(format!("{} / {}: {e}", base.name, variant.name));
                continue;
            }
        };
        table.push_str(&row(
            verdict.indication(),
            verdict.reason(),
            verdict.elapsed.as_millis(),
        ));
        if variant.name == "control/untouched" {
            untouched[*b] = Some(verdict.clone());
        }
        // The untouched file comes first; without its verdict the base already failed.
        let Some(reference) = &untouched[*b] else {
            continue;
        };
        if let Some(problem) = judge(base, variant, &verdict, reference) {
            failures.push(format!("{} / {}: {problem}", base.name, variant.name));
        }
    }
    let counts = bases
        .iter()
        .map(|b| format!("{} {}", b.name, b.variants.len()))
        .collect::<Vec<_>>()
        .join(", ");
    println!(
        "{} variants of {} bases ({counts})\n{:<62} {:<48} {:<23} {:<13} {:<32} time\n{table}",
        jobs.len(),
        bases.len(),
        "base",
        "variant",
        "class",
        "verdict",
        "reason"
    );
    let tmpdir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let _ = std::fs::create_dir_all(tmpdir);
    let _ = std::fs::write(tmpdir.join("attack-verdicts.txt"), &table);
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
