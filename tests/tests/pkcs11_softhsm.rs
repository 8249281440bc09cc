//! Key custody (issue 6): a key generated inside a PKCS#11 token (SoftHSM2, in a temporary
//! token directory) signs a PDF with `sahih sign --pkcs11-module … --token … --key-label …`;
//! the key never leaves the token, its certificate comes from the development CA for its
//! public key alone, and pdf-oracle (pyHanko, pdfsig, qpdf) accepts the result. A wrong PIN is
//! refused as a wrong passphrase. When `CI` is set, a missing SoftHSM2 fails the test.
//!
//! In the web application, an officer whose key is stored as a PKCS#11 URI (RFC 7512) with
//! `[signing] pkcs11_module` signs with their passphrase as the token's PIN, and the signed
//! document passes pdf-oracle too.
//!
//! SoftHSM2 reads `SOFTHSM2_CONF` when the module is initialised, and this crate may not set
//! environment variables of its own process (`set_var` is unsafe), so whatever talks to the
//! token runs in a child process: `sahih sign`, and this test binary itself for the key
//! generation (the ignored test `child_generates_a_p256_key_pair`).

use std::path::{Path, PathBuf};
use std::process::Command;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::Attribute;
use cryptoki::session::UserType;
use cryptoki::types::AuthPin;
use sahih_e2e::http::sahih_bin;
use sahih_e2e::{oracle_available, pdf_oracle};

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const TOKEN: &str = "sahih-uji";
const KEY_LABEL: &str = "kadis-dpmptsp";
const PIN: &str = "246810";

/// Whether SoftHSM2 is installed; with `CI` set, its absence fails the test.
fn softhsm_available() -> bool {
    let ok = Path::new(MODULE).exists()
        && Command::new("softhsm2-util")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "SoftHSM2 is not installed, but CI is set: apt-get install softhsm2"
        );
        eprintln!("SKIPPING LOUDLY: SoftHSM2 is not installed (apt-get install softhsm2)");
    }
    ok
}

/// A SoftHSM2 configuration whose tokens live in `dir`, and one initialised token whose user
/// PIN is `pin`.
fn token_in(dir: &Path, pin: &str) -> PathBuf {
    let tokens = dir.join("tokens");
    std::fs::create_dir_all(&tokens).expect("token dir");
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .expect("conf");
    let init = Command::new("softhsm2-util")
        .args(["--init-token", "--free", "--label", TOKEN])
        .args(["--pin", pin, "--so-pin", "13579135"])
        .env("SOFTHSM2_CONF", &conf)
        .output()
        .expect("softhsm2-util");
    assert!(init.status.success(), "{init:?}");
    conf
}

#[test]
fn a_key_generated_in_softhsm_signs_a_pdf_that_validators_accept() {
    if !softhsm_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = token_in(dir.path(), PIN);
    let spki = generate_in_token(&conf, PIN, dir.path());

    let certs = dir.path().join("certs");
    let officer = sahih_signing::devca::DevOfficer {
        login: "kadis".into(),
        name: "Ir. Bambang Sutrisno".into(),
        position: "Kepala Dinas".into(),
        agency: "DPMPTSP".into(),
    };
    let cert = sahih_signing::devca::issue_for_public_key(&certs, &officer, &spki)
        .expect("the dev CA certifies the token's key");
    let ca = certs.join(sahih_signing::devca::CA_CERT_FILE);
    let input = dir.path().join("in.pdf");
    std::fs::write(&input, sahih_e2e::plain_pdf("Surat Keputusan")).expect("pdf");
    let pin_file = dir.path().join("pin.txt");
    std::fs::write(&pin_file, format!("{PIN}\n")).expect("pin");

    let sign = |pin: &Path, out: &Path| {
        Command::new(sahih_bin())
            .arg("sign")
            .args([
                "--pkcs11-module",
                MODULE,
                "--token",
                TOKEN,
                "--key-label",
                KEY_LABEL,
            ])
            .arg("--cert")
            .arg(&cert)
            .arg("--chain")
            .arg(&ca)
            .arg("--passphrase-file")
            .arg(pin)
            .arg(&input)
            .arg("-o")
            .arg(out)
            .env("SOFTHSM2_CONF", &conf)
            .env_remove("SAHIH_KEY_PASSPHRASE")
            .output()
            .expect("sahih sign")
    };
    let wrong_pin = dir.path().join("wrong.txt");
    std::fs::write(&wrong_pin, "000000\n").expect("pin");
    let refused = sign(&wrong_pin, &dir.path().join("no.pdf"));
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("E_WRONG_PASSPHRASE"), "{stderr}");
    assert!(!dir.path().join("no.pdf").exists(), "nothing written");

    let out = dir.path().join("signed.pdf");
    let signed = sign(&pin_file, &out);
    assert!(signed.status.success(), "{signed:?}");

    let verify = Command::new(sahih_bin())
        .arg("verify")
        .arg("--trust")
        .arg(&ca)
        .arg(&out)
        .output()
        .expect("sahih verify");
    assert!(verify.status.success(), "sahih verify: {verify:?}");
    if oracle_available() {
        let verdict = pdf_oracle(&out, &[&ca]).expect("pdf-oracle runs");
        assert!(verdict.ok, "pdf-oracle: {}", verdict.json);
    }
}

/// Runs the ignored test `name` of this binary in a child process with `SOFTHSM2_CONF` and
/// the given variables set, and asserts it passed.
fn child(name: &str, conf: &Path, vars: &[(&str, &std::ffi::OsStr)]) {
    let out = Command::new(std::env::current_exe().expect("exe"))
        .args(["--ignored", "--exact", name, "--nocapture"])
        .env("SOFTHSM2_CONF", conf)
        .envs(vars.iter().copied())
        .output()
        .expect("child");
    assert!(
        out.status.success(),
        "{name}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Generates a P-256 key pair labelled [`KEY_LABEL`] inside the token; returns its
/// SubjectPublicKeyInfo DER.
fn generate_in_token(conf: &Path, pin: &str, dir: &Path) -> Vec<u8> {
    let spki = dir.join("key.spki.der");
    child(
        "child_generates_a_p256_key_pair",
        conf,
        &[
            ("SAHIH_TEST_SPKI_OUT", spki.as_os_str()),
            ("SAHIH_TEST_PIN", std::ffi::OsStr::new(pin)),
        ],
    );
    std::fs::read(&spki).expect("the public key came out")
}

#[test]
fn an_officer_key_stored_as_a_pkcs11_uri_signs_in_the_application() {
    if !softhsm_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let pin = sahih_web::seed::DEMO_KEY_PASSPHRASE;
    let conf = token_in(dir.path(), pin);
    let spki = generate_in_token(&conf, pin, dir.path());
    std::fs::write(dir.path().join("signer.spki.der"), &spki).expect("spki");
    child(
        "child_signs_in_the_application_with_the_token",
        &conf,
        &[("SAHIH_TEST_DIR", dir.path().as_os_str())],
    );
    let signed = dir.path().join("signed.pdf");
    let ca = dir
        .path()
        .join("certs")
        .join(sahih_signing::devca::CA_CERT_FILE);
    if oracle_available() {
        let verdict = pdf_oracle(&signed, &[&ca]).expect("pdf-oracle runs");
        assert!(verdict.ok, "pdf-oracle: {}", verdict.json);
    }
}

/// Run by the test above: an instance with the demo data whose signing official's key is the
/// token's (`pkcs11:` URI and a certificate of the instance's CA); a wrong passphrase is
/// refused, the right one (the PIN) signs; writes `signed.pdf`.
#[test]
#[ignore = "a child process of an_officer_key_stored_as_a_pkcs11_uri_signs_in_the_application"]
fn child_signs_in_the_application_with_the_token() {
    use sahih_web::app::{AppConfig, DeadlineSettings, Upload};
    use sahih_web::seed::{DEMO_KEY_PASSPHRASE, DEMO_LOGINS, DEMO_SERVICE, seed_demo};
    let dir = PathBuf::from(std::env::var_os("SAHIH_TEST_DIR").expect("run by the parent"));
    // This process's instance: SQLite in the test's directory, or a PostgreSQL database of its
    // own (TEST_DATABASE_URL is inherited), dropped when this child ends.
    let instance = sahih_e2e::Instance::new(&dir);
    let store = instance.store();
    let certs = dir.join("certs");
    let config = AppConfig {
        upload_limit: 10 * 1024 * 1024,
        city: "Kota Uji".into(),
        chain: Vec::new(),
        trust_anchors: Vec::new(),
        verification_cache: dir.join("cache"),
        log_key: std::sync::Arc::new(
            sahih_tlog::SignerKey::from_seed("sahih.test/log", &[9; 32]).expect("key"),
        ),
        deadlines: DeadlineSettings::default(),
        timestamping: Default::default(),
    };
    seed_demo(&sahih_web::App::new(store.clone(), config.clone()), &certs).expect("seed");
    let chain = sahih_signing::load_certificates_pem(
        &std::fs::read_to_string(certs.join(sahih_signing::devca::CA_CERT_FILE)).expect("ca"),
    )
    .expect("ca");
    let app = sahih_web::App::new(
        store,
        AppConfig {
            trust_anchors: chain.clone(),
            chain,
            ..config
        },
    )
    .with_pkcs11_module(Some(PathBuf::from(MODULE)));
    let login = |role| {
        let l = DEMO_LOGINS.iter().find(|l| l.role == role).expect("login");
        app.authenticate(l.login, l.password)
            .expect("authenticated")
    };
    let (citizen, verifier, signer) = (
        login(sahih_workflow::Role::Citizen),
        login(sahih_workflow::Role::Verifier),
        login(sahih_workflow::Role::Signer),
    );
    let officer = sahih_signing::devca::DevOfficer {
        login: format!("{}-token", signer.login),
        name: signer.name.clone(),
        position: signer.position.clone().unwrap_or_default(),
        agency: "DPMPTSP".into(),
    };
    let spki = std::fs::read(dir.join("signer.spki.der")).expect("spki");
    let cert = sahih_signing::devca::issue_for_public_key(&certs, &officer, &spki).expect("cert");
    let uri = sahih_signing::pkcs11::Pkcs11Uri {
        token: TOKEN.into(),
        object: KEY_LABEL.into(),
    };
    app.store()
        .set_officer_credentials(
            signer.id,
            &std::fs::read_to_string(cert).expect("cert"),
            &uri.to_string(),
        )
        .expect("stored");

    let values = [
        ("nama_usaha", "Warung Makan Sederhana"),
        ("bidang_usaha", "Kuliner"),
        ("alamat_usaha", "Jl. Merdeka No. 17"),
        ("mulai_usaha", "2024-03-01"),
    ];
    let doc = app
        .submit(
            &citizen,
            DEMO_SERVICE,
            |name| {
                values
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            },
            &Upload {
                filename: "permohonan.pdf".into(),
                bytes: sahih_e2e::plain_pdf("Surat Keputusan"),
            },
        )
        .expect("submitted");
    app.act(
        &verifier,
        &doc.public_id,
        sahih_workflow::Command::Paraf,
        None,
        None,
    )
    .expect("paraf");
    let wrong = app
        .sign(&signer, &doc.public_id, b"bukan-pin", None)
        .expect_err("a wrong PIN");
    assert_eq!(wrong.code(), "E_WRONG_PASSPHRASE");
    let signed = app
        .sign(
            &signer,
            &doc.public_id,
            DEMO_KEY_PASSPHRASE.as_bytes(),
            None,
        )
        .expect("signed in the token");
    let pdf = app
        .store()
        .blobs()
        .get(&signed.signed_sha256.expect("signed"))
        .expect("pdf");
    std::fs::write(dir.join("signed.pdf"), pdf).expect("write");
}

/// Run by the tests above with `SOFTHSM2_CONF` set: generates an EC P-256 key pair in the
/// token (private key sensitive and not extractable) and writes its SubjectPublicKeyInfo.
#[test]
#[ignore = "a child process of the tests above"]
fn child_generates_a_p256_key_pair() {
    let out = std::env::var_os("SAHIH_TEST_SPKI_OUT").expect("run by the parent test");
    let pin = std::env::var("SAHIH_TEST_PIN").expect("the PIN");
    let ctx = Pkcs11::new(MODULE).expect("module");
    ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
        .expect("init");
    let slot = ctx
        .get_slots_with_token()
        .expect("slots")
        .into_iter()
        .find(|s| {
            ctx.get_token_info(*s)
                .is_ok_and(|i| i.label().trim_end() == TOKEN)
        })
        .expect("the token");
    let session = ctx.open_rw_session(slot).expect("session");
    session
        .login(UserType::User, Some(&AuthPin::new(pin.clone().into())))
        .expect("login");
    // DER of the prime256v1 OID (RFC 5480 §2.1.1.1).
    let p256: Vec<u8> = vec![0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    let label = KEY_LABEL.as_bytes().to_vec();
    session
        .generate_key_pair(
            &Mechanism::EccKeyPairGen,
            &[
                Attribute::Token(true),
                Attribute::Verify(true),
                Attribute::EcParams(p256),
                Attribute::Label(label.clone()),
            ],
            &[
                Attribute::Token(true),
                Attribute::Private(true),
                Attribute::Sensitive(true),
                Attribute::Extractable(false),
                Attribute::Sign(true),
                Attribute::Label(label),
            ],
        )
        .expect("key pair generated in the token");
    session.logout().expect("logout");
    drop(session);
    // The public key as Sahih reads it from the token.
    let key =
        sahih_signing::SignerKey::from_pkcs11(Path::new(MODULE), TOKEN, KEY_LABEL, pin.as_bytes())
            .expect("Sahih opens the key");
    std::fs::write(out, key.public_key_der().expect("spki")).expect("write");
}
