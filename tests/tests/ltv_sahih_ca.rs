//! Long-term validity against Sahih's own CA (issue 6): the whole citizen → paraf → signature
//! flow (`sahih demo`, the application services the web app uses) at B-LT and B-LTA with the
//! built-in TSA, whose DSS carries the CA's CRL taken from the instance's own certificate
//! register. `pyhanko sign adesverify` with revocation checking on must accept both, and refuse
//! B-T for want of revocation data (proof that the checking is on); Sahih's verifier reads the
//! CRL from the DSS.

use std::path::{Path, PathBuf};
use std::process::Command;

use sahih_e2e::http::sahih_bin;
use sahih_e2e::{Instance, oracle_available, pdf_oracle};

/// Runs `sahih demo` at `level` with the built-in TSA on a fresh instance; returns (signed.pdf,
/// ca.pem).
fn demo(tmp: &Path, level: &str) -> (PathBuf, PathBuf) {
    let out = tmp.join(level);
    let instance = Instance::new(out.join("data"));
    let run = instance
        .sahih(&["demo"])
        .arg("--input")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/contoh-permohonan.pdf"))
        .arg("--out")
        .arg(&out)
        .args(["--level", level, "--tsa", "builtin"])
        .env("SAHIH_CERTS", tmp.join("certs"))
        .current_dir(tmp)
        .output()
        .expect("run sahih demo");
    assert!(
        run.status.success(),
        "sahih demo --level {level}: {}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    (out.join("signed.pdf"), out.join("ca.pem"))
}

fn pyhanko_available() -> bool {
    let ok = Command::new("pyhanko").arg("--version").output().is_ok();
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "pyhanko is not installed, but CI is set"
        );
        eprintln!("SKIPPING LOUDLY: pyhanko is not installed");
    }
    ok
}

/// `pyhanko sign adesverify` with revocation checking on (the default): (success, output).
fn adesverify(file: &Path, ca: &Path) -> (bool, String) {
    let out = Command::new("pyhanko")
        .args(["sign", "adesverify", "--pretty-print", "--trust"])
        .arg(ca)
        .arg("--trust-replace")
        .arg(file)
        .output()
        .expect("run pyhanko");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn b_lt_and_b_lta_from_the_service_pass_pyhanko_with_revocation_checking() {
    if !pyhanko_available() {
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    for level in ["b-lt", "b-lta"] {
        let (signed, ca) = demo(tmp.path(), level);
        let (ok, text) = adesverify(&signed, &ca);
        assert!(ok, "pyhanko adesverify {level}: {text}");
        assert!(text.contains("judged VALID"), "{level}: {text}");
        assert!(!text.contains("INVALID"), "{level}: {text}");
        if oracle_available() {
            let verdict = pdf_oracle(&signed, &[&ca]).expect("pdf-oracle runs");
            assert!(verdict.ok, "pdf-oracle {level}: {:#}", verdict.json);
        }
    }
    let (signed, ca) = demo(tmp.path(), "b-t");
    let (ok, text) = adesverify(&signed, &ca);
    assert!(!ok, "B-T has no revocation data, yet: {text}");
    assert!(text.contains("no revocation information"), "{text}");
}

#[test]
fn sahihs_verifier_reads_the_own_crl_from_the_dss() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (signed, ca) = demo(tmp.path(), "b-lta");
    let out = Command::new(sahih_bin())
        .arg("verify")
        .arg("--trust")
        .arg(&ca)
        .args(["--format", "json"])
        .arg(&signed)
        .output()
        .expect("run sahih verify");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(report["indication"], "TOTAL-PASSED", "{report:#}");
    let signatures = report["signatures"].as_array().expect("signatures");
    assert!(signatures.len() >= 2, "signature + document timestamp");
    for s in signatures {
        let revocation = &s["revocation"];
        let detail = revocation["detail"].as_str().unwrap_or_default();
        assert!(
            revocation["ok"] == true && detail.contains("not revoked") && detail.contains("DSS"),
            "every signature's certificate is checked against the DSS CRL: {s:#}"
        );
    }
}
