//! What the web crate's integration tests share: a fresh instance seeded with the demo
//! officers and the four example services, a small PDF, form values, and documents driven up
//! to a step.
#![allow(dead_code)] // each test crate uses its own part

pub mod api;

use std::collections::HashMap;

use sahih_store::Store;
use sahih_store::testing::TestDatabase;
use sahih_web::app::{App, AppConfig, DeadlineSettings, Upload};
use sahih_web::seed::{DEMO_KEY_PASSPHRASE, demo_services, seed_demo};
use sahih_workflow::{FieldKind, ServiceDefinition, StepAction};

/// A one-page PDF with a classic cross-reference table.
pub fn plain_pdf(title: &str) -> Vec<u8> {
    let content = format!("BT /F1 12 Tf 72 720 Td ({title}) Tj ET");
    let bodies = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_string(),
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ),
    ];
    assemble(&bodies)
}

/// A PDF of `bodies` as objects 1, 2, … (object 1 the catalog) with a classic
/// cross-reference table (ISO 32000-2 §7.5.4).
pub fn assemble(bodies: &[String]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{body}\nendobj\n", i + 1).bytes());
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", bodies.len() + 1).bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            bodies.len() + 1
        )
        .bytes(),
    );
    out
}

/// A seeded instance on a fresh database (a SQLite file in `dir`, or a PostgreSQL database
/// when `TEST_DATABASE_URL` is set).
pub struct Instance {
    pub app: App,
    /// The certs directory: the demo CA and the officers' credentials.
    #[allow(dead_code)]
    pub certs: std::path::PathBuf,
    /// The instance's directory (SQLite file, blob files, certs, caches).
    pub dir: tempfile::TempDir,
    /// The database (`db.url` opens a second node on it); declared after `app`, so dropped
    /// after it.
    pub db: TestDatabase,
}

pub fn instance() -> Instance {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = TestDatabase::new(dir.path());
    let open = || Store::open(&db.url, &dir.path().join("blobs")).expect("store");
    let config = |chain: Vec<sahih_signing::Certificate>| AppConfig {
        upload_limit: 10 * 1024 * 1024,
        city: "Kota Uji".into(),
        trust_anchors: chain.clone(),
        chain,
        verification_cache: dir.path().join("cache"),
        log_key: std::sync::Arc::new(
            sahih_tlog::SignerKey::from_seed("sahih.test/log", &[5; 32]).expect("key"),
        ),
        deadlines: DeadlineSettings::default(),
        timestamping: Default::default(),
    };
    let certs = dir.path().join("certs");
    seed_demo(&App::new(open(), config(Vec::new())), &certs).expect("seed");
    let ca = std::fs::read_to_string(certs.join("ca.pem")).expect("ca");
    let chain = sahih_signing::load_certificates_pem(&ca).expect("ca cert");
    let app = App::new(open(), config(chain));
    Instance {
        app,
        certs,
        dir,
        db,
    }
}

/// A form value for each field, as a citizen would type it; the amounts that conditions read
/// (`jumlah`, `modal_usaha`) are `amount`.
pub fn values(def: &ServiceDefinition, amount: &str) -> HashMap<String, String> {
    def.form
        .iter()
        .map(|f| {
            let value = match (f.name.as_str(), f.kind) {
                ("jumlah" | "modal_usaha", _) => amount.to_string(),
                (_, FieldKind::Number) => "2026".to_string(),
                (_, FieldKind::Date) => "2026-12-01".to_string(),
                (_, FieldKind::Text) => "Contoh".chars().take(f.max_chars).collect(),
                (_, FieldKind::Textarea) => "Keterangan contoh".to_string(),
                // The second option, where there is one (the travel order's `ekonomi`, whose
                // acknowledgement step then applies).
                (_, FieldKind::Choice) => f
                    .options
                    .get(1)
                    .or(f.options.first())
                    .cloned()
                    .unwrap_or_default(),
            };
            (f.name.clone(), value)
        })
        .collect()
}

/// Applies for `code` (as a new citizen numbered `n`) and gives paraf, with the officers'
/// key passphrase where a step asks for an approval signature, until the pending step's name
/// starts with `until`; returns the document's public id.
pub fn ready_to_sign_until(
    inst: &Instance,
    code: &str,
    amount: &str,
    n: usize,
    until: &str,
) -> String {
    let app = &inst.app;
    let def = demo_services()
        .expect("examples")
        .into_iter()
        .find(|d| d.code == code)
        .expect("example");
    let citizen = app
        .register_citizen(
            &format!("warga-uji-{n}"),
            "Budi",
            "",
            "kata-sandi-warga-2026",
        )
        .expect("citizen");
    let form = values(&def, amount);
    let doc = app
        .submit(
            &citizen,
            code,
            |name| form.get(name).cloned(),
            &Upload {
                filename: "a.pdf".into(),
                bytes: plain_pdf(code),
            },
        )
        .expect("submit");
    let service = app.service(code).expect("service");
    loop {
        let doc = app.store().document(doc.id).expect("load").expect("doc");
        let pending = app
            .pending_step(&doc, &service)
            .expect("pending")
            .expect("open");
        if pending.step.name.starts_with(until) || pending.step.action == StepAction::Sign {
            return doc.public_id;
        }
        let officer = app
            .store()
            .user(pending.waiting_for()[0])
            .expect("user")
            .expect("officer");
        app.paraf(
            &officer,
            &doc.public_id,
            Some(DEMO_KEY_PASSPHRASE.as_bytes()),
            None,
        )
        .expect("paraf");
    }
}

/// [`ready_to_sign_until`] the signature.
pub fn ready_to_sign(inst: &Instance, code: &str, amount: &str, n: usize) -> String {
    ready_to_sign_until(inst, code, amount, n, "\u{0}")
}
