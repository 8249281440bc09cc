//! `sahih sign --crl` refuses a certificate the CRL lists, `sahih verify --crl` fails a
//! signature made after the revocation, and `sahih keys crl|revoke|list` work on an instance.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use sahih_signing::ca::{Ca, RevocationReason, Revoked, serial_of_pem};
use time::{Duration, OffsetDateTime};

fn sahih(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sahih"))
        .args(args)
        .env("SAHIH_KEY_PASSPHRASE", sahih_web::seed::DEMO_KEY_PASSPHRASE)
        .env_remove("SAHIH_DATA")
        .env_remove("SAHIH_DATABASE_URL")
        .env_remove("SAHIH_CERTS")
        .output()
        .expect("run sahih")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn shared() -> std::path::PathBuf {
    std::env::var("SAHIH_SHARED")
        .map(Into::into)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"))
}

fn crl(certs: &Path, serial: &str, at: OffsetDateTime, out: &Path) {
    let ca = Ca::load(certs).expect("ca");
    let revoked = Revoked {
        serial_hex: serial.into(),
        revoked_at: at.unix_timestamp(),
        reason: RevocationReason::KeyCompromise,
    };
    let der = ca
        .crl(&[revoked], 1, OffsetDateTime::now_utc())
        .expect("crl");
    std::fs::write(out, der).expect("write crl");
}

#[test]
fn sign_refuses_a_certificate_the_crl_lists_and_verify_fails_a_later_signature() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let certs = tmp.path().join("certs");
    let init = sahih(&["keys", "dev-init", "--dir", &s(&certs)]);
    assert!(init.status.success(), "{}", stderr(&init));
    let cert = certs.join("penandatangan.cert.pem");
    let serial = serial_of_pem(&std::fs::read_to_string(&cert).expect("cert")).expect("serial");
    let revoked = tmp.path().join("revoked.crl");
    crl(
        &certs,
        &serial,
        OffsetDateTime::now_utc() - Duration::hours(1),
        &revoked,
    );
    let clean = tmp.path().join("clean.crl");
    crl(&certs, &"51".repeat(16), OffsetDateTime::now_utc(), &clean);
    let input = shared().join("corpus/plain/pdfrs_libreoffice.pdf");
    let sign = |crl: &Path, out: &Path| {
        sahih(&[
            "sign",
            "--key",
            &s(&certs.join("penandatangan.key.pem")),
            "--cert",
            &s(&cert),
            "--chain",
            &s(&certs.join("ca.pem")),
            "--crl",
            &s(crl),
            &s(&input),
            "-o",
            &s(out),
        ])
    };
    let refused_out = tmp.path().join("refused.pdf");
    let refused = sign(&revoked, &refused_out);
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("E_CERTIFICATE_REVOKED"),
        "{}",
        stderr(&refused)
    );
    assert!(!refused_out.exists(), "nothing is written when refused");
    let out = tmp.path().join("signed.pdf");
    let signed = sign(&clean, &out);
    assert!(signed.status.success(), "{}", stderr(&signed));
    // The signature was made after the revocation time the CRL gives: TOTAL-FAILED (exit 2).
    let verify = |crl: &Path| {
        sahih(&[
            "verify",
            "--trust",
            &s(&certs.join("ca.pem")),
            "--crl",
            &s(crl),
            "--format",
            "json",
            &s(&out),
        ])
    };
    let failed = verify(&revoked);
    assert_eq!(failed.status.code(), Some(2), "{}", stderr(&failed));
    let json = String::from_utf8_lossy(&failed.stdout);
    assert!(
        json.contains("\"REVOKED\"") && json.contains("V_REVOKED"),
        "{json}"
    );
    let passed = verify(&clean);
    assert_eq!(
        passed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&passed.stdout)
    );
}

#[test]
fn keys_crl_writes_a_crl_and_revoke_refuses_an_unknown_serial() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = support::Instance::new(tmp.path().join("data"));
    std::fs::create_dir_all(&data.dir).expect("mkdir");
    let migrate = sahih(&["migrate", "--database", data.url()]);
    assert!(migrate.status.success(), "{}", stderr(&migrate));
    let certs = tmp.path().join("certs");
    let init = sahih(&["keys", "dev-init", "--dir", &s(&certs)]);
    assert!(init.status.success(), "{}", stderr(&init));
    let out = tmp.path().join("now.crl");
    let on_instance = |args: &[&str]| {
        data.sahih(args)
            .env("SAHIH_KEY_PASSPHRASE", sahih_web::seed::DEMO_KEY_PASSPHRASE)
            .env_remove("SAHIH_CERTS")
            .output()
            .expect("run sahih")
    };
    let crl = on_instance(&["keys", "crl", "-o", &s(&out), "--certs", &s(&certs)]);
    assert!(crl.status.success(), "{}", stderr(&crl));
    assert!(sahih_signing::ca::is_crl_der(
        &std::fs::read(&out).expect("crl")
    ));
    let revoke = on_instance(&["keys", "revoke", "--serial", "abcd", "--certs", &s(&certs)]);
    assert_eq!(revoke.status.code(), Some(1));
    assert!(
        stderr(&revoke).contains("E_NOT_FOUND"),
        "{}",
        stderr(&revoke)
    );
    let list = on_instance(&["keys", "list", "--certs", &s(&certs)]);
    assert!(list.status.success(), "{}", stderr(&list));
}
