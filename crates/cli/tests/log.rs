//! `sahih` and the transparency log's key, as an operator meets them: a key file that did not
//! sign the stored log is refused before anything is served, and `sahih log` tells a failed
//! check (exit 1) from one it could not make (exit 2).

mod support;

use std::path::Path;
use std::process::{Command, Output};

use support::Instance;

fn sahih(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sahih"))
        .args(args)
        .output()
        .expect("run sahih")
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
fn a_log_key_that_did_not_sign_the_stored_log_is_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (data, certs, out) = (
        Instance::new(tmp.path().join("data")),
        tmp.path().join("certs"),
        tmp.path().join("out"),
    );
    let input = shared().join("corpus/plain/pdfrs_libreoffice.pdf");
    let demo = |data: &Instance| {
        data.sahih(&[
            "demo",
            "--input",
            &input.to_string_lossy(),
            "--out",
            &out.to_string_lossy(),
            "--certs",
            &certs.to_string_lossy(),
        ])
        .output()
        .expect("run sahih demo")
    };
    let first = demo(&data);
    assert!(first.status.success(), "{}", stderr(&first));

    // The key file replaced by another key of the same log name.
    let key_file = data.dir.join("log-signing.key");
    let other = sahih_tlog::SignerKey::generate("sahih.local/log").expect("key");
    std::fs::remove_file(&key_file).expect("remove");
    std::fs::write(
        &key_file,
        format!("{}\n", other.to_secret_string().as_str()),
    )
    .expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    let again = demo(&data);
    assert!(!again.status.success());
    let err = stderr(&again);
    assert!(err.contains("E_LOG_KEY_MISMATCH"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
}

#[test]
fn log_commands_exit_2_when_they_cannot_check_and_1_when_the_input_fails() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let receipt = tmp.path().join("receipt.json");
    std::fs::write(&receipt, b"{\"schema\": \"something else\"}").expect("write");
    let key = sahih_tlog::SignerKey::generate("sahih.local/log")
        .expect("key")
        .verifier_key()
        .to_string();

    let bad_key = sahih(&[
        "log",
        "verify-receipt",
        &receipt.to_string_lossy(),
        "--key",
        "nope",
    ]);
    assert_eq!(bad_key.status.code(), Some(2), "{}", stderr(&bad_key));
    assert!(stderr(&bad_key).contains("E_IO"), "{}", stderr(&bad_key));
    assert!(stderr(&bad_key).contains("cannot read the key file nope"));

    let malformed = sahih(&[
        "log",
        "verify-receipt",
        &receipt.to_string_lossy(),
        "--key",
        "sahih.local/log+nope",
    ]);
    assert_eq!(malformed.status.code(), Some(2), "{}", stderr(&malformed));
    assert!(stderr(&malformed).contains("E_LOG_KEY: not a verifier key"));

    let usage = sahih(&["log", "verify-receipt", "--no-such-flag"]);
    assert_eq!(usage.status.code(), Some(3), "{}", stderr(&usage));

    let bad_receipt = sahih(&[
        "log",
        "verify-receipt",
        &receipt.to_string_lossy(),
        "--key",
        &key,
    ]);
    assert_eq!(
        bad_receipt.status.code(),
        Some(1),
        "{}",
        stderr(&bad_receipt)
    );
    assert!(stderr(&bad_receipt).contains("E_RECEIPT_MALFORMED"));

    let unreachable = sahih(&[
        "log",
        "verify",
        "--url",
        "http://127.0.0.1:9",
        "--key",
        &key,
    ]);
    assert_eq!(
        unreachable.status.code(),
        Some(2),
        "{}",
        stderr(&unreachable)
    );
    assert!(stderr(&unreachable).contains("E_LOG_FETCH"));

    let not_a_url = sahih(&["log", "verify", "--url", "sahih.example", "--key", &key]);
    assert_eq!(not_a_url.status.code(), Some(2));
    assert!(stderr(&not_a_url).contains("E_LOG_URL"));
}
