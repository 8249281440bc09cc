//! The `sahih` command line as operators' scripts use it: exit status, one-line reasons with
//! stable codes, and files written only on success. (This test also makes `cargo test
//! --workspace` build the `sahih` binary that the end-to-end tests under tests/ start.)

mod support;

use std::path::Path;
use std::process::{Command, Output};

use support::Instance;

fn sahih(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sahih"));
    cmd.args(args).env_remove("SAHIH_KEY_PASSPHRASE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run sahih")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn shared() -> std::path::PathBuf {
    std::env::var("SAHIH_SHARED")
        .map(Into::into)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"))
}

#[test]
fn sign_succeeds_with_the_dev_keys_and_fails_with_one_line_and_a_code() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let certs = tmp.path().join("certs");
    let init = sahih(
        &["keys", "dev-init", "--dir", &certs.to_string_lossy()],
        &[],
    );
    assert!(init.status.success(), "{}", stderr(&init));
    let key = certs.join("penandatangan.key.pem");
    let cert = certs.join("penandatangan.cert.pem");
    let ca = certs.join("ca.pem");
    let input = shared().join("corpus/plain/pdfrs_libreoffice.pdf");
    let out = tmp.path().join("out.pdf");
    let args = |input: &Path, out: &Path| {
        vec![
            "sign".to_string(),
            "--key".into(),
            key.to_string_lossy().into_owned(),
            "--cert".into(),
            cert.to_string_lossy().into_owned(),
            "--chain".into(),
            ca.to_string_lossy().into_owned(),
            input.to_string_lossy().into_owned(),
            "-o".into(),
            out.to_string_lossy().into_owned(),
        ]
    };
    let run = |input: &Path, out: &Path, env: &[(&str, &str)]| {
        let a = args(input, out);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        sahih(&a, env)
    };

    let ok = run(&input, &out, &[("SAHIH_KEY_PASSPHRASE", "sahih-demo")]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let original = std::fs::read(&input).expect("input");
    let signed = std::fs::read(&out).expect("output");
    assert_eq!(&signed[..original.len()], &original[..]);

    type Case<'a> = (std::path::PathBuf, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (input.clone(), vec![], "E_PASSPHRASE_REQUIRED"),
        (
            input.clone(),
            vec![("SAHIH_KEY_PASSPHRASE", "salah")],
            "E_WRONG_PASSPHRASE",
        ),
        (
            shared().join("corpus/plain/pdfrs_passwords_aes_256.pdf"),
            vec![("SAHIH_KEY_PASSPHRASE", "sahih-demo")],
            "E_PDF_ENCRYPTED",
        ),
        (
            cert.clone(),
            vec![("SAHIH_KEY_PASSPHRASE", "sahih-demo")],
            "E_NOT_PDF",
        ),
    ];
    for (input, env, code) in cases {
        let failed_out = tmp.path().join(format!("{code}.pdf"));
        let o = run(&input, &failed_out, &env);
        assert!(!o.status.success(), "{code}");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(err.starts_with("sahih: ") && err.contains(code), "{err}");
        assert!(!failed_out.exists(), "{code}: no output file on failure");
    }
}

#[test]
fn migrate_reports_what_it_applied_and_refuses_a_file_that_is_no_database() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fresh = Instance::new(tmp.path().join("fresh"));
    let url = fresh.url();
    let backend = if url.starts_with("postgres") {
        "postgres"
    } else {
        "sqlite"
    };
    let first = sahih(&["migrate", "--database", url], &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    let migrations = std::fs::read_dir(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../migrations")
            .join(backend),
    )
    .expect("migrations")
    .count();
    assert!(
        String::from_utf8_lossy(&first.stdout)
            .contains(&format!("applied {migrations} migrations")),
        "{:?}",
        first
    );
    let again = sahih(&["migrate", "--database", url], &[]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("applied 0 migrations"));
    // A file that is no SQLite database: about SQLite files as such, on either run.
    let junk = tmp.path().join("junk.db");
    std::fs::write(&junk, "not a database").expect("write");
    let bad = sahih(
        &[
            "migrate",
            "--database",
            &format!("sqlite://{}", junk.display()),
        ],
        &[],
    );
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("E_DATABASE_CONNECT"),
        "{}",
        stderr(&bad)
    );
    let scheme = sahih(&["migrate", "--database", "mysql://x"], &[]);
    assert!(
        stderr(&scheme).contains("E_DATABASE_URL"),
        "{}",
        stderr(&scheme)
    );
}

#[test]
fn demo_prints_the_signed_documents_public_verification_path() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = shared().join("corpus/plain/pdfrs_libreoffice.pdf");
    let path = |name: &str| tmp.path().join(name).to_string_lossy().into_owned();
    let data = Instance::new(tmp.path().join("data"));
    let out = data
        .sahih(&[
            "demo",
            "--input",
            &input.to_string_lossy(),
            "--out",
            &path("out"),
            "--certs",
            &path("certs"),
        ])
        .env_remove("SAHIH_KEY_PASSPHRASE")
        .output()
        .expect("run sahih demo");
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("signed by "), "{stdout}");
    let code = stdout
        .split("public verification: /v/")
        .nth(1)
        .map(|rest| rest.chars().take_while(char::is_ascii_hexdigit).count());
    assert_eq!(code, Some(40), "{stdout}");
    assert!(stdout.contains("signed.pdf"), "{stdout}");
}
