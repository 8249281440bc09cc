//! What the integration API's end-to-end tests share: a real `sahih serve` with the demo data
//! on a free port, keys made with `sahih apikey create` as an operator makes them, submissions
//! over HTTP, and the officers' paraf and signature given through the application services on
//! the server's own database (the server picks the changes up as it would a colleague's).
#![allow(dead_code)] // each test binary uses its own part

use std::path::PathBuf;

use sahih_e2e::Instance;
use sahih_e2e::http::Server;
use sahih_web::App;
use sahih_web::app::{AppConfig, DeadlineSettings};
use sahih_web::seed::DEMO_KEY_PASSPHRASE;
use sahih_workflow::{Command as Action, DocumentState, ReturnTo, StepAction};

/// A running instance with the demo agencies, services and officers.
pub struct ApiServer {
    /// Dropped first: the server, then its database, then the directory.
    pub server: Server,
    /// The server's data directory and database.
    pub instance: Instance,
    pub certs: PathBuf,
    pub tmp: tempfile::TempDir,
}

impl ApiServer {
    /// Starts `sahih serve` on a fresh data directory (demo data seeded).
    pub fn start() -> ApiServer {
        ApiServer::start_with(&[])
    }

    /// [`ApiServer::start`] with further `sahih serve` flags.
    pub fn start_with(extra: &[&str]) -> ApiServer {
        let tmp = tempfile::tempdir().expect("tempdir");
        let instance = Instance::new(tmp.path().join("data"));
        let certs = tmp.path().join("certs");
        let server = Server::start(&instance, &certs, extra);
        ApiServer {
            server,
            instance,
            certs,
            tmp,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> &str {
        &self.server.base
    }

    /// Makes a key with `sahih apikey create` (registering the application if new); the token.
    pub fn key(&self, agency: &str, application: &str, name: &str, scopes: &[&str]) -> String {
        let mut cmd = self
            .instance
            .sahih(&["apikey", "create", "--agency", agency]);
        cmd.args(["--application", application, "--name", name]);
        for s in scopes {
            cmd.args(["--scope", s]);
        }
        let out = cmd.output().expect("run sahih apikey create");
        assert!(
            out.status.success(),
            "sahih apikey create: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("token")
            .trim_end()
            .to_owned()
    }

    /// The application services over the server's database, with its CA chain and log key.
    pub fn app(&self) -> App {
        let store = self.instance.store();
        let ca = std::fs::read_to_string(self.certs.join("ca.pem")).expect("ca.pem");
        let chain = sahih_signing::load_certificates_pem(&ca).expect("ca");
        let key =
            std::fs::read_to_string(self.instance.dir.join("log-signing.key")).expect("log key");
        let log_key = sahih_tlog::SignerKey::parse(key.trim_end()).expect("log key");
        App::new(
            store,
            AppConfig {
                upload_limit: 20 * 1024 * 1024,
                city: "Kota Sahih".into(),
                trust_anchors: chain.clone(),
                chain,
                verification_cache: self.tmp.path().join("test-cache"),
                log_key: std::sync::Arc::new(log_key),
                deadlines: DeadlineSettings::default(),
                timestamping: Default::default(),
            },
        )
    }

    /// Submits `pdf` to `service` with `form` over the API; the document's id.
    pub fn submit(
        &self,
        token: &str,
        service: &str,
        form: &serde_json::Value,
        pdf: &[u8],
    ) -> String {
        let boundary = "sahih-e2e-api-7d1c";
        let metadata = serde_json::json!({"service": service, "form": form});
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n{metadata}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"berkas\"; filename=\"berkas.pdf\"\r\n\
             Content-Type: application/pdf\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(pdf);
        body.extend(format!("\r\n--{boundary}--\r\n").bytes());
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut res = agent
            .post(format!("{}/api/v1/documents", self.base()))
            .header("Authorization", format!("Bearer {token}"))
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .send(&body[..])
            .expect("POST /api/v1/documents");
        let status = res.status().as_u16();
        let text = res.body_mut().read_to_string().expect("body");
        assert_eq!(status, 201, "{text}");
        let json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        json["id"].as_str().expect("id").to_owned()
    }
}

/// Gives every paraf (with the officers' key where a step signs its approval), every
/// acknowledgement and the signature of document `public_id`, whatever its service's route; its state after.
pub fn sign_through(app: &App, public_id: &str) -> DocumentState {
    for _ in 0..20 {
        let doc = app
            .store()
            .document_by_public_id(public_id)
            .expect("db")
            .expect("document");
        if doc.state.is_terminal() {
            return doc.state;
        }
        let service = app
            .store()
            .service(doc.service_id)
            .expect("db")
            .expect("service");
        let pending = app
            .pending_step(&doc, &service)
            .expect("pending")
            .expect("an open step");
        let officer = app
            .store()
            .user(pending.waiting_for()[0])
            .expect("db")
            .expect("officer");
        let passphrase = DEMO_KEY_PASSPHRASE.as_bytes();
        match pending.step.action {
            StepAction::Sign => {
                app.sign(&officer, public_id, passphrase, None)
                    .expect("signature");
            }
            StepAction::Acknowledge => {
                app.act(&officer, public_id, Action::Acknowledge, None, None)
                    .expect("acknowledgement");
            }
            StepAction::Paraf => {
                app.paraf(&officer, public_id, Some(passphrase), None)
                    .expect("paraf");
            }
        }
    }
    panic!("document {public_id} did not reach the end of its route");
}

/// The officer of the pending step returns `public_id` to the applicant with `comment`.
pub fn return_to_applicant(app: &App, public_id: &str, comment: &str) {
    let doc = app
        .store()
        .document_by_public_id(public_id)
        .expect("db")
        .expect("document");
    let service = app
        .store()
        .service(doc.service_id)
        .expect("db")
        .expect("service");
    let pending = app
        .pending_step(&doc, &service)
        .expect("pending")
        .expect("an open step");
    let officer = app
        .store()
        .user(pending.waiting_for()[0])
        .expect("db")
        .expect("officer");
    app.act(
        &officer,
        public_id,
        Action::Return {
            comment: comment.into(),
            to: ReturnTo::Applicant,
        },
        None,
        None,
    )
    .expect("return");
}

/// A third-party PDF of the corpus (../shared/corpus/plain).
pub fn corpus_pdf(name: &str) -> Vec<u8> {
    std::fs::read(sahih_e2e::shared_dir().join("corpus/plain").join(name)).expect("corpus PDF")
}

/// The repository's file `rel`.
pub fn repo_file(rel: &str) -> PathBuf {
    sahih_e2e::repo_dir().join(rel)
}

/// Whether `program` is a file in a directory of PATH.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}
