//! Trusted time and long-term validity (issue 6): `sahih sign --level b-b|b-t|b-lt|b-lta
//! --tsa builtin --crl FILE` against a PKI made here with rcgen whose certificates carry a CRL
//! distribution point (the signer's and the TSA's), judged by pdf-oracle (pyHanko, pdfsig,
//! qpdf), by `pyhanko sign adesverify` with revocation checking on (B-LT, B-LTA), by Sahih's
//! own verifier, and the built-in TSA's tokens by `openssl ts -verify`.

use std::path::{Path, PathBuf};
use std::process::Command;

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CrlDistributionPoint,
    CustomExtension, DistinguishedName, DnType, IsCa, Issuer, KeyIdMethod, KeyPair,
    KeyUsagePurpose, SerialNumber,
};
use sahih_e2e::http::sahih_bin;
use sahih_e2e::{oracle_available, pdf_oracle, shared_dir};
use time::{Duration, OffsetDateTime};

const TSA_PASSPHRASE: &str = "tsa-test-passphrase";
/// Where the certificates say their CRL is: nothing listens there, so validators must use the
/// CRL in the DSS.
const CRL_URL: &str = "http://127.0.0.1:9/sahih-test-ca.crl";

/// A CA, a signer and a TSA (files in `dir`), and the CA's CRL.
struct Pki {
    dir: PathBuf,
    ca: PathBuf,
    key: PathBuf,
    cert: PathBuf,
    crl: PathBuf,
}

fn leaf(cn: &str, crl_url: &str) -> CertificateParams {
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    dn.push(DnType::OrganizationName, "Sahih test");
    p.distinguished_name = dn;
    p.is_ca = IsCa::ExplicitNoCa;
    p.use_authority_key_identifier_extension = true;
    p.not_before = OffsetDateTime::now_utc() - Duration::days(1);
    p.not_after = OffsetDateTime::now_utc() + Duration::days(700);
    p.crl_distribution_points = vec![CrlDistributionPoint {
        uris: vec![crl_url.into()],
    }];
    p
}

fn make_pki(dir: &Path) -> Pki {
    make_pki_at(dir, CRL_URL)
}

fn make_pki_at(dir: &Path, crl_url: &str) -> Pki {
    std::fs::create_dir_all(dir).expect("dir");
    let ca_key = KeyPair::generate().expect("key");
    let mut ca = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "Sahih Test CA");
    ca.distinguished_name = dn;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.not_before = OffsetDateTime::now_utc() - Duration::days(2);
    ca.not_after = OffsetDateTime::now_utc() + Duration::days(3650);
    ca.serial_number = Some(SerialNumber::from(1u64));
    let ca_cert = ca.self_signed(&ca_key).expect("ca");
    let issuer = Issuer::new(ca, ca_key);

    let signer_key = KeyPair::generate().expect("key");
    let mut signer = leaf("Penandatangan Uji", crl_url);
    signer.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::ContentCommitment,
    ];
    signer.serial_number = Some(SerialNumber::from(2u64));
    let signer_cert = signer.signed_by(&signer_key, &issuer).expect("signer");

    let tsa_key = KeyPair::generate().expect("key");
    let mut tsa = leaf("Sahih Test TSA", crl_url);
    tsa.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    // extendedKeyUsage timeStamping, critical (RFC 3161 §2.3).
    let mut eku = CustomExtension::from_oid_content(
        &[2, 5, 29, 37],
        vec![
            0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08,
        ],
    );
    eku.set_criticality(true);
    tsa.custom_extensions = vec![eku];
    tsa.serial_number = Some(SerialNumber::from(3u64));
    let tsa_cert = tsa.signed_by(&tsa_key, &issuer).expect("tsa");

    let crl = CertificateRevocationListParams {
        this_update: OffsetDateTime::now_utc() - Duration::hours(1),
        next_update: OffsetDateTime::now_utc() + Duration::days(7),
        crl_number: SerialNumber::from(1u64),
        issuing_distribution_point: None,
        revoked_certs: Vec::new(),
        key_identifier_method: KeyIdMethod::Sha256,
    }
    .signed_by(&issuer)
    .expect("crl");

    let write = |name: &str, bytes: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).expect("write");
        p
    };
    let pki = Pki {
        dir: dir.to_path_buf(),
        ca: write("ca.pem", ca_cert.pem().as_bytes()),
        key: write("signer.key.pem", signer_key.serialize_pem().as_bytes()),
        cert: write("signer.cert.pem", signer_cert.pem().as_bytes()),
        crl: write("ca.crl", crl.der()),
    };
    // The built-in TSA's files, as `sahih_signing::devca::tsa_credentials` reads them.
    write("tsa.cert.pem", tsa_cert.pem().as_bytes());
    let tsa_pem =
        sahih_signing::encrypt_pkcs8_pem(&tsa_key.serialize_der(), TSA_PASSPHRASE.as_bytes())
            .expect("encrypt");
    write("tsa.key.pem", tsa_pem.as_bytes());
    pki
}

fn sign(pki: &Pki, input: &Path, out: &Path, level: &str) {
    sign_with_crls(pki, input, out, level, true);
}

/// `sahih sign` with the built-in TSA of the PKI's directory; with `--crl` when `crl_file`.
fn sign_with_crls(pki: &Pki, input: &Path, out: &Path, level: &str, crl_file: bool) {
    let crl: Vec<&std::ffi::OsStr> = if crl_file {
        vec!["--crl".as_ref(), pki.crl.as_os_str()]
    } else {
        Vec::new()
    };
    let res = Command::new(sahih_bin())
        .arg("sign")
        .arg("--key")
        .arg(&pki.key)
        .arg("--cert")
        .arg(&pki.cert)
        .arg("--chain")
        .arg(&pki.ca)
        .args(["--level", level, "--tsa", "builtin", "--certs"])
        .arg(&pki.dir)
        .args(crl)
        .arg(input)
        .arg("-o")
        .arg(out)
        .env("SAHIH_TSA_PASSPHRASE", TSA_PASSPHRASE)
        .output()
        .expect("run sahih sign");
    assert!(
        res.status.success(),
        "sahih sign --level {level}: {}",
        String::from_utf8_lossy(&res.stderr)
    );
}

fn sahih_verify(file: &Path, trust: &Path) -> serde_json::Value {
    let out = Command::new(sahih_bin())
        .arg("verify")
        .arg("--trust")
        .arg(trust)
        .args(["--format", "json"])
        .arg(file)
        .output()
        .expect("run sahih verify");
    serde_json::from_slice(&out.stdout).expect("verify prints JSON")
}

fn tool_available(name: &str) -> bool {
    let ok = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "{name} is not installed, but CI is set"
        );
        eprintln!("SKIPPING LOUDLY: {name} is not installed");
    }
    ok
}

/// The four levels, signed once each; shared by the tests below.
fn signed_levels(tmp: &Path) -> (Pki, Vec<(&'static str, PathBuf)>) {
    let pki = make_pki(&tmp.join("pki"));
    let input = shared_dir().join("corpus/plain/pdfrs_libreoffice.pdf");
    let files = ["b-b", "b-t", "b-lt", "b-lta"]
        .into_iter()
        .map(|level| {
            let out = tmp.join(format!("{level}.pdf"));
            sign(&pki, &input, &out, level);
            (level, out)
        })
        .collect();
    (pki, files)
}

#[test]
fn every_level_passes_sahihs_verifier_with_its_timestamp_times() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (pki, files) = signed_levels(tmp.path());
    for (level, file) in &files {
        let report = sahih_verify(file, &pki.ca);
        assert_eq!(report["indication"], "TOTAL-PASSED", "{level}: {report:#}");
        let sigs = report["signatures"].as_array().expect("signatures");
        let signature = &sigs[0];
        match *level {
            "b-b" => assert!(signature["timestamp"].is_null(), "{level}: {signature:#}"),
            _ => {
                let ts = &signature["timestamp"];
                assert_eq!(ts["intact"], true, "{level}: {ts:#}");
                assert_eq!(ts["trusted"], true, "{level}: {ts:#}");
                assert!(
                    ts["time"].as_str().is_some_and(|t| t.starts_with("20")),
                    "{ts:#}"
                );
            }
        }
        let doc_ts: Vec<_> = sigs
            .iter()
            .filter(|s| s["kind"] == "document_timestamp" || s["kind"] == "DocumentTimestamp")
            .collect();
        assert_eq!(
            doc_ts.len(),
            usize::from(*level == "b-lta"),
            "{level}: {report:#}"
        );
        for d in doc_ts {
            assert!(d["timestamp"]["time"].as_str().is_some(), "{d:#}");
        }
    }
}

#[test]
fn a_tampered_b_lta_fails() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (pki, files) = signed_levels(tmp.path());
    let (_, lta) = files.iter().find(|(l, _)| *l == "b-lta").expect("b-lta");
    let mut bytes = std::fs::read(lta).expect("read");
    // A byte of the original document's content, covered by every signature.
    let at = bytes.len() / 4;
    bytes[at] ^= 0x01;
    let tampered = tmp.path().join("tampered.pdf");
    std::fs::write(&tampered, &bytes).expect("write");
    let report = sahih_verify(&tampered, &pki.ca);
    assert_eq!(report["indication"], "TOTAL-FAILED", "{report:#}");
}

#[test]
fn pdf_oracle_accepts_every_level() {
    if !oracle_available() {
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let (pki, files) = signed_levels(tmp.path());
    for (level, file) in &files {
        let verdict = pdf_oracle(file, &[&pki.ca]).expect("pdf-oracle");
        assert!(verdict.ok, "pdf-oracle rejects {level}: {:#}", verdict.json);
    }
}

#[test]
fn pyhanko_adesverify_with_revocation_checking_accepts_b_lt_and_b_lta_not_b_t() {
    if !tool_available("pyhanko") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let (pki, files) = signed_levels(tmp.path());
    for (level, file) in files.iter().filter(|(l, _)| *l != "b-b") {
        let out = Command::new("pyhanko")
            .args(["sign", "adesverify", "--pretty-print", "--trust"])
            .arg(&pki.ca)
            .arg("--trust-replace")
            .arg(file)
            .output()
            .expect("run pyhanko");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if *level == "b-t" {
            // Without the DSS there is no revocation data: proof that checking is on.
            assert!(!out.status.success(), "pyhanko adesverify {level}: {text}");
            assert!(
                text.contains("no revocation information"),
                "{level}: {text}"
            );
        } else {
            assert!(out.status.success(), "pyhanko adesverify {level}: {text}");
            assert!(
                text.contains("judged VALID"),
                "pyhanko adesverify {level}: {text}"
            );
            assert!(
                !text.contains("INVALID"),
                "pyhanko adesverify {level}: {text}"
            );
        }
    }
}

#[test]
fn the_builtin_tsas_tokens_verify_with_openssl() {
    if !tool_available("openssl") {
        return;
    }
    use sahih_signing::tsa::BuiltinTsa;
    use sahih_signing::tsp::TimeStampReq;
    let tmp = tempfile::tempdir().expect("tmp");
    let creds = sahih_signing::devca::tsa_credentials(tmp.path(), b"pass", Duration::ZERO)
        .expect("tsa credentials");
    let tsa_pem = tmp.path().join("tsa.cert.pem");
    let tsa = BuiltinTsa::new(creds.key, creds.cert, creds.chain).expect("tsa");
    let data = b"a signature value to stamp";
    let data_file = tmp.path().join("data.bin");
    std::fs::write(&data_file, data).expect("write");
    let req = TimeStampReq::sha256(data).expect("request");
    let resp = tsa.respond(&req.to_der().expect("der")).expect("respond");
    let resp_file = tmp.path().join("resp.tsr");
    std::fs::write(&resp_file, &resp).expect("write");
    let verify = |data: &Path| {
        Command::new("openssl")
            .args(["ts", "-verify", "-data"])
            .arg(data)
            .arg("-in")
            .arg(&resp_file)
            .arg("-CAfile")
            .arg(tmp.path().join("ca.pem"))
            .arg("-untrusted")
            .arg(&tsa_pem)
            .output()
            .expect("run openssl")
    };
    let out = verify(&data_file);
    assert!(
        out.status.success(),
        "openssl ts -verify: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Other data: openssl refuses the token.
    let other = tmp.path().join("other.bin");
    std::fs::write(&other, b"something else").expect("write");
    assert!(!verify(&other).status.success());
}

/// `sahih serve --tsa builtin` answers RFC 3161 requests at POST /tsa: another Sahih signs at
/// B-LTA with it as `--tsa URL`, and pyHanko takes its signature timestamp from it.
#[test]
fn another_sahih_signs_with_the_servers_tsa_over_http() {
    use sahih_e2e::Instance;
    use sahih_e2e::attacks::harness::{DEV_PASSPHRASE, dev_pki};
    use sahih_e2e::http::Server;
    let tmp = tempfile::tempdir().expect("tmp");
    let certs = tmp.path().join("certs");
    let pki = dev_pki(&certs);
    let instance = Instance::new(tmp.path().join("data"));
    let server = Server::start(&instance, &certs, &["--tsa", "builtin"]);
    let url = format!("{}/tsa", server.base);
    let wrong = ureq::post(&url)
        .config()
        .http_status_as_error(false)
        .build()
        .header("Content-Type", "text/plain")
        .send(&b"hello"[..])
        .expect("answer");
    assert_eq!(
        wrong.status().as_u16(),
        415,
        "only application/timestamp-query"
    );

    // B-LTA needs a current CRL of the signer's CA: the server publishes it.
    let crl = ureq::get(&format!("{}/pki/crl", server.base))
        .call()
        .expect("GET /pki/crl")
        .body_mut()
        .read_to_vec()
        .expect("CRL body");
    let crl_file = tmp.path().join("ca.crl");
    std::fs::write(&crl_file, crl).expect("write CRL");
    let input = shared_dir().join("corpus/plain/pdfrs_libreoffice.pdf");
    let out = tmp.path().join("signed.pdf");
    let res = Command::new(sahih_bin())
        .arg("sign")
        .arg("--key")
        .arg(&pki.key)
        .arg("--cert")
        .arg(&pki.cert)
        .arg("--chain")
        .arg(&pki.ca)
        .arg("--crl")
        .arg(&crl_file)
        .args(["--level", "b-lta", "--tsa", &url])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .env("SAHIH_KEY_PASSPHRASE", DEV_PASSPHRASE)
        .output()
        .expect("run sahih sign");
    assert!(
        res.status.success(),
        "sahih sign --tsa {url}: {}",
        String::from_utf8_lossy(&res.stderr)
    );
    let report = sahih_verify(&out, &pki.ca);
    assert_eq!(report["indication"], "TOTAL-PASSED", "{report:#}");
    let tsa = report["signatures"][0]["timestamp"]["tsa"]
        .as_str()
        .unwrap_or_default();
    assert!(tsa.contains("Sahih Time-Stamping Authority"), "{report:#}");
    // pyHanko's RFC 3161 client takes a token from it too, and judges it trusted.
    if !oracle_available() {
        return;
    }
    let script = r#"
import sys
from pyhanko.sign import signers, timestamps
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko.keys import load_cert_from_pemder
url, key, cert, ca, pdf, passphrase = sys.argv[1:]
signer = signers.SimpleSigner.load(key, cert, ca_chain_files=[ca], key_passphrase=passphrase.encode())
with open(pdf, 'rb') as f:
    out = signers.sign_pdf(IncrementalPdfFileWriter(f), signers.PdfSignatureMetadata(field_name='Sig1'),
                           signer=signer, timestamper=timestamps.HTTPTimeStamper(url))
vc = ValidationContext(trust_roots=[load_cert_from_pemder(ca)])
print(validate_pdf_signature(PdfFileReader(out).embedded_signatures[0], vc).summary())
"#;
    let out = Command::new("python3")
        .args(["-c", script, &url])
        .arg(&pki.key)
        .arg(&pki.cert)
        .arg(&pki.ca)
        .arg(&input)
        .arg(DEV_PASSPHRASE)
        .output()
        .expect("run python3");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("TIMESTAMP_TOKEN<INTACT:TRUSTED>"),
        "pyHanko with --tsa {url}: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Serves `body` to every HTTP request `listener` takes.
fn serve_bytes(listener: std::net::TcpListener, body: Vec<u8>) {
    use std::io::{Read, Write};
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/pkix-crl\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(head.as_bytes());
            let _ = s.write_all(&body);
        }
    });
}

/// Without `--crl`, `sahih sign` fetches each certificate's CRL distribution point and puts
/// the CRL in the DSS.
#[test]
fn without_crl_files_the_distribution_points_are_fetched() {
    let tmp = tempfile::tempdir().expect("tmp");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let pki = make_pki_at(
        &tmp.path().join("pki"),
        &format!("http://127.0.0.1:{port}/ca.crl"),
    );
    let crl = std::fs::read(&pki.crl).expect("crl");
    serve_bytes(listener, crl.clone());
    let input = shared_dir().join("corpus/plain/pdfrs_libreoffice.pdf");
    let out = tmp.path().join("b-lt.pdf");
    sign_with_crls(&pki, &input, &out, "b-lt", false);
    let pdf = std::fs::read(&out).expect("signed");
    assert!(
        pdf.windows(crl.len()).any(|w| w == crl.as_slice()),
        "the fetched CRL is in the DSS"
    );
    let report = sahih_verify(&out, &pki.ca);
    assert_eq!(report["indication"], "TOTAL-PASSED", "{report:#}");
}
