//! Notification e-mails through a real SMTP server: `sahih serve` is pointed at aiosmtpd, a
//! citizen with an address applies, the verifier gives paraf, and the test reads what the
//! server received: the citizen's receipt and status change (Bahasa Indonesia, then English,
//! with the tracking link) and the signing official's new work.

use std::time::Duration;

use sahih_e2e::http::{Browser, Server};
use sahih_e2e::smtp::{Received, SmtpSink, aiosmtpd_available};
use sahih_e2e::{Instance, shared_dir};

const SERVICE: &str = "/layanan/surat-keterangan-usaha";
const PUBLIC: &str = "https://sahih.kota.test";

/// Gives the demo signing official an e-mail address, as an agency admin would.
fn set_signer_email(instance: &Instance, email: &str) {
    let changed = instance.execute(&format!(
        "UPDATE users SET email = '{email}' WHERE login = 'penandatangan'"
    ));
    assert_eq!(changed, 1);
}

fn to(mails: &[Received], addr: &str) -> Vec<Received> {
    mails
        .iter()
        .filter(|m| m.to == [addr.to_string()])
        .cloned()
        .collect()
}

/// The Indonesian part and the English part of a body, in that order.
fn parts(body: &str) -> (&str, &str) {
    body.split_once("-- English --")
        .unwrap_or_else(|| panic!("no English part after the Indonesian one: {body}"))
}

#[test]
fn citizens_and_signers_are_mailed_in_indonesian_then_english_with_their_links() {
    if !aiosmtpd_available() {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let sink = SmtpSink::start(&tmp.path().join("mail"));
    let config = tmp.path().join("sahih.toml");
    std::fs::write(
        &config,
        format!(
            "smtp_url = \"smtp://127.0.0.1:{}\"\nmail_from = \"Sahih Kota Uji <noreply@kota.test>\"\npublic_url = \"{PUBLIC}\"\n",
            sink.port
        ),
    )
    .expect("config");
    let instance = Instance::new(tmp.path().join("data"));
    let server = Server::start(
        &instance,
        &tmp.path().join("certs"),
        &["--config", &config.to_string_lossy()],
    );
    set_signer_email(&instance, "rina@kota.test");

    // A citizen with an address registers and applies: the receipt.
    let mut citizen = Browser::new(&server);
    let csrf = citizen.get("/daftar").csrf();
    let reg = citizen.post(
        "/daftar",
        &[
            ("csrf", &csrf),
            ("login", "budi.santoso"),
            ("name", "Budi Santoso"),
            ("email", "budi@warga.test"),
            ("password", "rahasia-budi-2026"),
        ],
    );
    assert_eq!(reg.status, 303, "{}", reg.text());
    let pdf = std::fs::read(shared_dir().join("corpus/plain/pdfrs_libreoffice.pdf")).expect("pdf");
    let form = citizen.get(SERVICE);
    let sub = citizen.post_multipart(
        SERVICE,
        &[
            ("csrf", &form.csrf()),
            ("nama_usaha", "Bengkel Motor Jaya"),
            ("bidang_usaha", "Perbengkelan"),
            ("alamat_usaha", "Jl. Sudirman 5"),
        ],
        Some(("permohonan.pdf", &pdf)),
    );
    assert_eq!(sub.status, 303, "{}", sub.text());
    let id = sub
        .location
        .as_deref()
        .and_then(|l| l.rsplit('/').next())
        .expect("document id")
        .to_string();
    let tracking = format!("{PUBLIC}/permohonan/{id}");
    let mails = sink.wait_for(1, Duration::from_secs(20));
    let receipt = to(&mails, "budi@warga.test");
    assert_eq!(receipt.len(), 1, "the receipt, and only it: {mails:#?}");
    assert_eq!(receipt[0].from, "noreply@kota.test");
    assert!(receipt[0].header_from.contains("Sahih Kota Uji"));
    let (id_part, en_part) = parts(&receipt[0].body);
    assert!(id_part.starts_with("Yth. Budi Santoso,"), "{id_part}");
    assert!(
        id_part.contains(&format!("nomor pelacakan {} sudah kami terima", &id[..8])),
        "{id_part}"
    );
    assert!(en_part.contains("We received your Surat Keterangan Usaha application"));
    assert!(id_part.contains(&format!("Buka: {tracking}")), "{id_part}");

    // The verifier (no address: in the app only) gives paraf.
    let mut verifier = Browser::new(&server);
    verifier.login("verifikator", "verifikator-demo");
    let review = verifier.get(&format!("/petugas/dokumen/{id}"));
    let paraf = verifier.post_action(&review, &format!("/petugas/dokumen/{id}/paraf"), &[]);
    assert_eq!(paraf.status, 303, "{}", paraf.text());

    let mails = sink.wait_for(3, Duration::from_secs(20));
    assert_eq!(
        mails.len(),
        3,
        "receipt, status change, new work: {mails:#?}"
    );
    let status = to(&mails, "budi@warga.test");
    let (id_part, en_part) = parts(&status[1].body);
    assert!(
        id_part.contains("kini: Sudah diparaf, menunggu tanda tangan."),
        "{id_part}"
    );
    assert!(
        en_part.contains("is now: Initialled, awaiting signature."),
        "{en_part}"
    );
    assert!(id_part.contains(&format!("Buka: {tracking}")));
    assert!(en_part.contains(&format!("Open: {tracking}")));
    assert_eq!(
        status[1].subject,
        format!(
            "Sahih {}: status permohonan Anda / your application's status",
            &id[..8]
        )
    );

    let work = to(&mails, "rina@kota.test");
    assert_eq!(work.len(), 1, "{mails:#?}");
    let (id_part, en_part) = parts(&work[0].body);
    assert!(id_part.starts_with("Yth. Dr. Rina Wulandari"), "{id_part}");
    assert!(
        id_part.contains("Dokumen menunggu tindakan Anda pada tahap Penandatanganan"),
        "{id_part}"
    );
    assert!(en_part.contains("A document awaits your action at step Penandatanganan"));
    assert!(
        id_part.contains(&format!("{PUBLIC}/petugas/dokumen/{id}")),
        "{id_part}"
    );

    // The same news in the app, with the count in the navigation.
    let mut signer = Browser::new(&server);
    signer.login("penandatangan", "penandatangan-demo");
    let page = signer.get("/notifikasi").text();
    assert!(page.contains("id=\"unread-count\""), "{page}");
    assert!(page.contains(&format!("href=\"/petugas/dokumen/{id}\"")));
}
