//! An officer imports their national-CA key and certificate as a PKCS#12 file (made by
//! `openssl pkcs12 -export`): a wrong file password is refused with its code and nothing
//! changes; with the right one the key is stored re-encrypted under the new passphrase (the
//! old passphrase and the file's password no longer unlock it), and the officer's next
//! signature validates against that CA. When `CI` is set, a missing openssl fails the test.

mod common;

use std::path::Path;
use std::process::Command;

use sahih_signing::verify::{Indication, Policy, verify};
use sahih_web::seed::DEMO_KEY_PASSPHRASE;

const NEW_PASSPHRASE: &str = "frasa-sandi-baru-2026";

fn openssl(args: &[&str], dir: &Path) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl runs");
    assert!(out.status.success(), "openssl {args:?}: {out:?}");
}

/// A P-256 key made by openssl, certified by a fresh development CA in `dir`, exported with
/// that CA as a legacy (3DES/RC2) PKCS#12 file under `password`.
fn national_p12(dir: &Path, password: &str) -> (Vec<u8>, Vec<sahih_signing::Certificate>) {
    openssl(
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "key.pem",
        ],
        dir,
    );
    openssl(
        &[
            "pkcs8", "-topk8", "-nocrypt", "-in", "key.pem", "-outform", "DER", "-out", "key.der",
        ],
        dir,
    );
    let key_der = std::fs::read(dir.join("key.der")).expect("der");
    let officer = sahih_signing::devca::DevOfficer {
        login: "kadis-nasional".into(),
        name: "Dr. Rina Wulandari".into(),
        position: "Kepala Dinas".into(),
        agency: "DPMPTSP".into(),
    };
    let ca_dir = dir.join("ca");
    let creds =
        sahih_signing::devca::issue_for_key(&ca_dir, &officer, &key_der, b"x").expect("issued");
    let ca = ca_dir.join(sahih_signing::devca::CA_CERT_FILE);
    let out = dir.join("pejabat.p12");
    let status = Command::new("openssl")
        .args(["pkcs12", "-export", "-legacy", "-inkey", "key.pem"])
        .arg("-in")
        .arg(&creds.cert)
        .arg("-certfile")
        .arg(&ca)
        .arg("-passout")
        .arg(format!("pass:{password}"))
        .arg("-out")
        .arg(&out)
        .current_dir(dir)
        .output()
        .expect("openssl");
    assert!(status.status.success(), "{status:?}");
    let anchors = sahih_signing::load_certificates_pem(&std::fs::read_to_string(ca).expect("ca"))
        .expect("ca");
    (std::fs::read(out).expect("p12"), anchors)
}

#[test]
fn an_imported_p12_key_signs_under_the_new_passphrase_and_validates() {
    let have_openssl = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_openssl {
        assert!(
            std::env::var_os("CI").is_none(),
            "openssl missing with CI set"
        );
        eprintln!("SKIPPING LOUDLY: openssl is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (p12, anchors) = national_p12(dir.path(), "sandi-berkas");
    let inst = common::instance();
    let app = &inst.app;
    let id = common::ready_to_sign(&inst, "surat-keterangan-usaha", "10000000", 1);
    let signer = common::api::pending_officer(app, &id);
    let before = app.store().officer_credentials(signer.id).expect("db");

    let wrong = app
        .import_p12(&signer, &p12, b"salah", NEW_PASSPHRASE.as_bytes())
        .expect_err("wrong file password");
    assert_eq!(wrong.code(), "E_P12_WRONG_PASSWORD");
    let weak = app
        .import_p12(&signer, &p12, b"sandi-berkas", b"pendek")
        .expect_err("too short a passphrase");
    assert_eq!(weak.code(), "E_PASSPHRASE_WEAK");
    assert_eq!(
        app.store().officer_credentials(signer.id).expect("db"),
        before,
        "a refused import changes nothing"
    );

    app.import_p12(&signer, &p12, b"sandi-berkas", NEW_PASSPHRASE.as_bytes())
        .expect("imported");
    let (_, key_pem) = app
        .store()
        .officer_credentials(signer.id)
        .expect("db")
        .expect("credentials");
    assert!(key_pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    for old in [DEMO_KEY_PASSPHRASE.as_bytes(), b"sandi-berkas".as_slice()] {
        let e = app.sign(&signer, &id, old, None).expect_err("old secret");
        assert_eq!(e.code(), "E_WRONG_PASSPHRASE");
    }
    let doc = app
        .sign(&signer, &id, NEW_PASSPHRASE.as_bytes(), None)
        .expect("signed with the imported key");
    let pdf = app
        .store()
        .blobs()
        .get(&doc.signed_sha256.expect("signed"))
        .expect("pdf");
    let report = verify(
        &pdf,
        &Policy {
            // The instance's CA too: earlier approval signatures (paraf) of its officers.
            trust_anchors: anchors
                .into_iter()
                .chain(app.config().chain.iter().cloned())
                .collect(),
            ..Policy::default()
        },
    )
    .expect("verifiable");
    assert_eq!(
        report.indication,
        Indication::TotalPassed,
        "{:?}",
        report.reason
    );
}

/// openssl's chain the way a national CA issues it: a root, an intermediate CA under it and
/// an officer's P-256 certificate under the intermediate, exported (officer key, officer
/// certificate, intermediate and root) as an OpenSSL 3 default PKCS#12 file under
/// `password`. Returns the file and the root.
fn chained_p12(dir: &Path, password: &str) -> (Vec<u8>, Vec<sahih_signing::Certificate>) {
    let ec = ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"];
    for name in ["root", "int", "off"] {
        let out = format!("{name}.key");
        openssl(&[&["genpkey"][..], &ec, &["-out", &out]].concat(), dir);
    }
    std::fs::write(
        dir.join("int.cnf"),
        "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n",
    )
    .expect("cnf");
    std::fs::write(
        dir.join("off.cnf"),
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n",
    )
    .expect("cnf");
    openssl(
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "root.key",
            "-subj",
            "/CN=Root CA Nasional Uji",
            "-days",
            "3650",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-out",
            "root.pem",
        ],
        dir,
    );
    for (name, subject, issuer, ext) in [
        ("int", "/CN=CA Antara Uji", "root", "int.cnf"),
        ("off", "/CN=Dr. Rina Wulandari", "int", "off.cnf"),
    ] {
        let (key, csr, cert) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.pem"),
        );
        let (ca, ca_key) = (format!("{issuer}.pem"), format!("{issuer}.key"));
        openssl(
            &["req", "-new", "-key", &key, "-subj", subject, "-out", &csr],
            dir,
        );
        openssl(
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                &ca,
                "-CAkey",
                &ca_key,
                "-CAcreateserial",
                "-days",
                "365",
                "-extfile",
                ext,
                "-out",
                &cert,
            ],
            dir,
        );
    }
    let chain = [
        std::fs::read_to_string(dir.join("int.pem")).expect("int"),
        std::fs::read_to_string(dir.join("root.pem")).expect("root"),
    ]
    .concat();
    std::fs::write(dir.join("chain.pem"), chain).expect("chain");
    let pass = format!("pass:{password}");
    openssl(
        &[
            "pkcs12",
            "-export",
            "-inkey",
            "off.key",
            "-in",
            "off.pem",
            "-certfile",
            "chain.pem",
            "-passout",
            &pass,
            "-out",
            "off.p12",
        ],
        dir,
    );
    let root = std::fs::read_to_string(dir.join("root.pem")).expect("root");
    (
        std::fs::read(dir.join("off.p12")).expect("p12"),
        sahih_signing::load_certificates_pem(&root).expect("root"),
    )
}

/// Break 6: a national certificate issued by an intermediate CA verified INDETERMINATE (no
/// chain), because signing embedded only the instance's configured chain, not the issuers
/// stored with the imported certificate. Now the stored chain goes into the signature, and
/// the root alone anchors it.
#[test]
fn an_imported_certificate_under_an_intermediate_ca_validates_against_the_root() {
    if Command::new("openssl").arg("version").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "openssl missing with CI set"
        );
        eprintln!("SKIPPING LOUDLY: openssl is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (p12, root) = chained_p12(dir.path(), "sandi-berkas");
    let inst = common::instance();
    let app = &inst.app;
    let id = common::ready_to_sign(&inst, "surat-keterangan-usaha", "10000000", 1);
    let signer = common::api::pending_officer(app, &id);
    app.import_p12(&signer, &p12, b"sandi-berkas", NEW_PASSPHRASE.as_bytes())
        .expect("imported");
    let doc = app
        .sign(&signer, &id, NEW_PASSPHRASE.as_bytes(), None)
        .expect("signed with the imported key");
    let pdf = app
        .store()
        .blobs()
        .get(&doc.signed_sha256.expect("signed"))
        .expect("pdf");
    let report = verify(
        &pdf,
        &Policy {
            // The root of the national chain, and the instance's CA for earlier paraf.
            trust_anchors: root
                .into_iter()
                .chain(app.config().chain.iter().cloned())
                .collect(),
            ..Policy::default()
        },
    )
    .expect("verifiable");
    assert_eq!(
        report.indication,
        Indication::TotalPassed,
        "{:?}",
        report.reason
    );
}
