//! The application services: what citizens and officers can do, as plain synchronous calls.
//! The HTTP handlers call them (in `web::block`), and so does `sahih demo`, so both take the
//! same path: authorize → load → decide (workflow) → act on bytes (signing) → commit (store).

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sahih_signing::{Certificate, SignatureOptions, SignerKey, load_certificates_pem, sign_pdf};
use sahih_store::{
    Attachment, Change, Document, EventRecord, NewAttachment, NewDocument, NewUser, Service, Store,
    User,
};
use sahih_workflow::{Actor, Command, Role, decide, submit, validate_form};

use crate::AppError;

/// Settings the application services need.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Largest accepted upload, bytes.
    pub upload_limit: usize,
    /// The city, written as the signatures' `/Location`.
    pub city: String,
    /// Issuer certificates embedded with every signature (the CA chain of officers' certificates).
    pub chain: Vec<Certificate>,
}

/// An uploaded file, read into memory (bounded by [`AppConfig::upload_limit`]).
#[derive(Debug, Clone)]
pub struct Upload {
    /// The file name the browser sent (display only, never used as a path).
    pub filename: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// What the acting user saw when they chose an action: the document's state code and attachment
/// version, carried by the page's forms. Acting on anything else is `E_CONFLICT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// `DocumentState::as_code` of the state shown.
    pub state: String,
    /// The attachment version shown.
    pub version: i64,
}

/// A resubmission: the corrected form values (field name → text) and, optionally, a corrected
/// PDF (without one, the previous PDF is kept for the new version).
#[derive(Debug, Clone, Default)]
pub struct Revision {
    /// Form values by field name.
    pub values: std::collections::HashMap<String, String>,
    /// The corrected PDF, if any.
    pub upload: Option<Upload>,
}

/// Everything a document page shows.
#[derive(Debug, Clone)]
pub struct DocumentView {
    /// The document.
    pub document: Document,
    /// Its service.
    pub service: Service,
    /// The applicant's name.
    pub applicant_name: String,
    /// All attachment versions, oldest first.
    pub attachments: Vec<Attachment>,
    /// The timeline, oldest first.
    pub events: Vec<EventRecord>,
}

/// The application services over one store.
#[derive(Debug, Clone)]
pub struct App {
    store: Store,
    config: AppConfig,
    pdf_gate: std::sync::Arc<Gate>,
}

/// A counting gate: at most `max` PDF parses or signatures run at once, so that concurrent
/// uploads cannot multiply the memory one PDF needs beyond what the machine has.
#[derive(Debug)]
struct Gate {
    max: usize,
    busy: std::sync::Mutex<usize>,
    freed: std::sync::Condvar,
}

impl Gate {
    fn new(max: usize) -> Gate {
        Gate {
            max: max.max(1),
            busy: std::sync::Mutex::new(0),
            freed: std::sync::Condvar::new(),
        }
    }

    /// Runs `f` once fewer than `max` others are running.
    fn run<T>(&self, f: impl FnOnce() -> T) -> T {
        {
            let mut busy = self
                .busy
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            while *busy >= self.max {
                busy = self
                    .freed
                    .wait(busy)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
            }
            *busy += 1;
        }
        let _permit = Permit(self);
        f()
    }
}

/// Frees its place in the gate when dropped, even if the work panicked.
struct Permit<'a>(&'a Gate);

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut busy = self
            .0
            .busy
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *busy = busy.saturating_sub(1);
        self.0.freed.notify_one();
    }
}

/// Minimum password length, characters (NIST SP 800-63B §3.1.1.2 asks for at least 8).
pub const MIN_PASSWORD_CHARS: usize = 10;

fn random_hex(bytes: usize) -> Result<String, AppError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(hex::encode(buf))
}

/// Hashes a password with argon2id (RFC 9106) into a PHC string.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(e.to_string()))
}

fn check_text(value: &str, code: &'static str, max: usize) -> Result<String, AppError> {
    let v = value.trim();
    if sahih_workflow::is_blank(v)
        || v.chars().count() > max
        || sahih_workflow::has_control(v, false)
    {
        return Err(AppError::bad_input(
            code,
            format!("expected 1 to {max} printable characters"),
        ));
    }
    Ok(v.to_string())
}

/// A plausible e-mail address (RFC 5321 §4.5.3.1.3 length; one `@`, a dotted domain, no spaces,
/// controls or angle brackets). Deliverability is not checked.
fn check_email(email: &str) -> Result<Option<String>, AppError> {
    let e = email.trim();
    if e.is_empty() {
        return Ok(None);
    }
    let valid = e.len() <= 254
        && e.chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !"<>\"(),;".contains(c))
        && matches!(e.split_once('@'), Some((local, domain))
            if !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !domain.contains('@'));
    if !valid {
        return Err(AppError::bad_input(
            "E_BAD_INPUT",
            "e-mail address is not valid",
        ));
    }
    Ok(Some(e.to_string()))
}

/// A comment or reason as stored: control characters other than line breaks and tabs removed,
/// and empty when nothing visible is left (so the workflow asks for one).
fn clean_comment(text: &str) -> String {
    let kept: String = text
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
        .collect();
    if sahih_workflow::is_blank(&kept) {
        String::new()
    } else {
        kept.trim().to_string()
    }
}

/// Refuses to act on a document that changed since the user saw it. Errors: `E_CONFLICT`.
fn check_seen(doc: &Document, seen: Option<&Seen>) -> Result<(), AppError> {
    match seen {
        Some(s) if s.state != doc.state.as_code() || s.version != doc.version => {
            Err(AppError::Store(sahih_store::StoreError::Conflict {
                actual: format!("{} (version {})", doc.state.as_code(), doc.version),
            }))
        }
        _ => Ok(()),
    }
}

impl App {
    /// Wraps a store.
    pub fn new(store: Store, config: AppConfig) -> App {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        App {
            store,
            config,
            pdf_gate: std::sync::Arc::new(Gate::new(cores)),
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The settings.
    pub fn config(&self) -> &AppConfig {
        &self.config
    }

    /// Registers a citizen. Login: 3–40 of `[a-z0-9._-]`; password at least
    /// [`MIN_PASSWORD_CHARS`] characters.
    ///
    /// Errors: `E_BAD_INPUT`, `E_PASSWORD_WEAK`, `E_LOGIN_TAKEN`.
    pub fn register_citizen(
        &self,
        login: &str,
        name: &str,
        email: &str,
        password: &str,
    ) -> Result<User, AppError> {
        let login = login.trim().to_lowercase();
        let valid_login = (3..=40).contains(&login.len())
            && login
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphanumeric())
            && login
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        if !valid_login {
            return Err(AppError::bad_input(
                "E_BAD_INPUT",
                "login: 3 to 40 of a-z, 0-9, dot, dash, underscore",
            ));
        }
        let name = check_text(name, "E_BAD_INPUT", 120)?;
        if password.chars().count() < MIN_PASSWORD_CHARS || password.trim().is_empty() {
            return Err(AppError::bad_input("E_PASSWORD_WEAK", "password too short"));
        }
        let email = check_email(email)?;
        let id = self.store.create_user(&NewUser {
            login,
            name,
            email,
            password_hash: hash_password(password)?,
            role: Role::Citizen,
            agency_id: None,
            position: None,
            cert_pem: None,
            key_pem: None,
        })?;
        self.store.user(id)?.ok_or(AppError::NotFound)
    }

    /// Checks a login and password (argon2id, constant-time comparison in the verifier).
    ///
    /// Errors: `E_BAD_LOGIN` for an unknown login or a wrong password alike.
    pub fn authenticate(&self, login: &str, password: &str) -> Result<User, AppError> {
        let Some((user, hash)) = self.store.user_by_login(&login.trim().to_lowercase())? else {
            // Spend the same time as a real check, so timing does not reveal which logins exist.
            let _ = hash_password(password);
            return Err(AppError::BadLogin);
        };
        let parsed = PasswordHash::new(&hash).map_err(|e| AppError::Internal(e.to_string()))?;
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .map_err(|_| AppError::BadLogin)?;
        Ok(user)
    }

    /// Checks that an upload is a PDF the signer can sign: by its content, never its name.
    ///
    /// Errors: `E_UPLOAD_MISSING`, `E_UPLOAD_TOO_LARGE`, and the signer's refusals
    /// (`E_NOT_PDF`, `E_PDF_ENCRYPTED`, `E_PDF_BROKEN_XREF`, …).
    pub fn check_pdf(&self, upload: &Upload) -> Result<(), AppError> {
        if upload.bytes.is_empty() {
            return Err(AppError::bad_input("E_UPLOAD_MISSING", "no file uploaded"));
        }
        if upload.bytes.len() > self.config.upload_limit {
            return Err(AppError::TooLarge {
                limit: self.config.upload_limit,
            });
        }
        self.pdf_gate
            .run(|| sahih_signing::inspect(&upload.bytes))?;
        Ok(())
    }

    fn store_upload(&self, upload: &Upload) -> Result<NewAttachment, AppError> {
        self.check_pdf(upload)?;
        let sha256 = self.store.blobs().put(&upload.bytes)?;
        let filename: String = upload
            .filename
            .chars()
            .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
            .take(120)
            .collect();
        Ok(NewAttachment {
            sha256,
            filename: if filename.is_empty() {
                "berkas.pdf".into()
            } else {
                filename
            },
            size: i64::try_from(upload.bytes.len())
                .map_err(|e| AppError::Internal(e.to_string()))?,
        })
    }

    /// All services.
    pub fn services(&self) -> Result<Vec<Service>, AppError> {
        Ok(self.store.services()?)
    }

    /// The service with `code`.
    ///
    /// Errors: `E_NOT_FOUND`.
    pub fn service(&self, code: &str) -> Result<Service, AppError> {
        self.store.service_by_code(code)?.ok_or(AppError::NotFound)
    }

    /// A citizen applies for a service: validated form values plus one PDF.
    ///
    /// Errors: `E_WRONG_ROLE` for officers, form errors (`E_FORM_FIELD_*`), upload errors.
    pub fn submit(
        &self,
        citizen: &User,
        service_code: &str,
        values: impl Fn(&str) -> Option<String>,
        upload: &Upload,
    ) -> Result<Document, AppError> {
        if citizen.role != Role::Citizen {
            return Err(AppError::Forbidden("E_WRONG_ROLE"));
        }
        let service = self.service(service_code)?;
        let form = validate_form(&service.form, values)?;
        let attachment = self.store_upload(upload)?;
        let doc = NewDocument {
            public_id: random_hex(16)?,
            service_id: service.id,
            agency_id: service.agency_id,
            applicant_id: citizen.id,
            form,
            attachment,
        };
        let id = self.store.submit_document(&doc, &submit())?;
        self.store.document(id)?.ok_or(AppError::NotFound)
    }

    /// Loads a document that `user` may see: its applicant, or an officer of its agency.
    ///
    /// Errors: `E_NOT_FOUND` for citizens asking for another's document (its existence is not
    /// revealed), `E_NOT_YOUR_AGENCY` for officers of another agency.
    pub fn document_for(&self, user: &User, public_id: &str) -> Result<Document, AppError> {
        let doc = self
            .store
            .document_by_public_id(public_id)?
            .ok_or(AppError::NotFound)?;
        if doc.applicant_id == user.id {
            return Ok(doc);
        }
        match user.role {
            Role::Citizen => Err(AppError::NotFound),
            _ if user.agency_id == Some(doc.agency_id) => Ok(doc),
            _ => Err(AppError::Forbidden("E_NOT_YOUR_AGENCY")),
        }
    }

    /// Everything the document page shows.
    pub fn view(&self, user: &User, public_id: &str) -> Result<DocumentView, AppError> {
        let document = self.document_for(user, public_id)?;
        let service = self
            .store
            .service(document.service_id)?
            .ok_or(AppError::NotFound)?;
        let applicant_name = self
            .store
            .user(document.applicant_id)?
            .map(|u| u.name)
            .unwrap_or_default();
        Ok(DocumentView {
            attachments: self.store.attachments(document.id)?,
            events: self.store.events(document.id)?,
            document,
            service,
            applicant_name,
        })
    }

    /// The citizen's own applications, newest first.
    pub fn my_documents(&self, user: &User) -> Result<Vec<Document>, AppError> {
        Ok(self.store.documents_of_applicant(user.id)?)
    }

    /// The officer's queue: their agency's documents awaiting their role, oldest first.
    ///
    /// Errors: `E_WRONG_ROLE` for citizens.
    pub fn queue(&self, officer: &User) -> Result<Vec<Document>, AppError> {
        let agency = officer
            .agency_id
            .ok_or(AppError::Forbidden("E_WRONG_ROLE"))?;
        let template = sahih_workflow::RoutingTemplate::single_paraf();
        let docs = self.store.agency_open_documents(agency)?;
        // Every paraf step is a verifier's, so whose turn it is does not depend on the template.
        Ok(docs
            .into_iter()
            .filter(|d| d.state.awaiting(&template) == Some(officer.role))
            .collect())
    }

    /// Applies a workflow command (paraf, return, reject, withdraw; resubmit with `revision`).
    ///
    /// Errors: authorization errors of [`App::document_for`], workflow refusals, upload errors,
    /// `E_CONFLICT` when another officer acted first.
    pub fn act(
        &self,
        user: &User,
        public_id: &str,
        command: Command,
        revision: Option<&Revision>,
        seen: Option<&Seen>,
    ) -> Result<Document, AppError> {
        if matches!(command, Command::Sign) {
            return Err(AppError::bad_input(
                "E_BAD_INPUT",
                "signing needs the key passphrase",
            ));
        }
        let doc = self.document_for(user, public_id)?;
        check_seen(&doc, seen)?;
        let service = self
            .store
            .service(doc.service_id)?
            .ok_or(AppError::NotFound)?;
        let actor = Actor {
            id: user.id,
            role: user.role,
            is_applicant: doc.applicant_id == user.id,
        };
        let command = match command {
            Command::Return { comment } => Command::Return {
                comment: clean_comment(&comment),
            },
            Command::Reject { reason } => Command::Reject {
                reason: clean_comment(&reason),
            },
            other => other,
        };
        let transition = decide(doc.state, &service.template, &actor, &command)?;
        let change = match (&command, revision) {
            (Command::Resubmit, Some(r)) => self.revision_change(&doc, &service, r)?,
            (Command::Resubmit, None) => {
                return Err(AppError::bad_input(
                    "E_BAD_INPUT",
                    "a resubmission needs its form",
                ));
            }
            _ => Change::default(),
        };
        self.store
            .apply_transition(doc.id, user.id, &transition, doc.version, &change)?;
        self.store.document(doc.id)?.ok_or(AppError::NotFound)
    }

    /// The new version a resubmission makes: the corrected form values (validated like a new
    /// application) and the corrected PDF, or the previous PDF again when none was uploaded.
    fn revision_change(
        &self,
        doc: &Document,
        service: &Service,
        r: &Revision,
    ) -> Result<Change, AppError> {
        let form = validate_form(&service.form, |n| r.values.get(n).cloned())?;
        let attachment = match &r.upload {
            Some(u) => self.store_upload(u)?,
            None => {
                let last = self
                    .store
                    .attachments(doc.id)?
                    .into_iter()
                    .rfind(|a| a.version == doc.version)
                    .ok_or_else(|| AppError::Internal("document without attachment".into()))?;
                NewAttachment {
                    sha256: last.sha256,
                    filename: last.filename,
                    size: last.size,
                }
            }
        };
        Ok(Change {
            attachment: Some(attachment),
            form: Some(form),
            signed_sha256: None,
        })
    }

    /// The signing official signs the document's latest PDF with their own key, unlocked by
    /// `passphrase` for this one signature: PAdES B-B, invisible field, incremental update.
    ///
    /// Errors: authorization and workflow refusals (checked before the key is touched),
    /// `E_NO_SIGNING_KEY`, `E_WRONG_PASSPHRASE`, the signer's refusals, `E_CONFLICT`.
    pub fn sign(
        &self,
        user: &User,
        public_id: &str,
        passphrase: &[u8],
        seen: Option<&Seen>,
    ) -> Result<Document, AppError> {
        let doc = self.document_for(user, public_id)?;
        check_seen(&doc, seen)?;
        let service = self
            .store
            .service(doc.service_id)?
            .ok_or(AppError::NotFound)?;
        let actor = Actor {
            id: user.id,
            role: user.role,
            is_applicant: doc.applicant_id == user.id,
        };
        let transition = decide(doc.state, &service.template, &actor, &Command::Sign)?;
        let (cert_pem, key_pem) = self
            .store
            .officer_credentials(user.id)?
            .ok_or(AppError::Forbidden("E_NO_SIGNING_KEY"))?;
        let key = SignerKey::from_pem(&key_pem, Some(passphrase))?;
        let cert = load_certificates_pem(&cert_pem)?
            .into_iter()
            .next()
            .ok_or(AppError::Forbidden("E_NO_SIGNING_KEY"))?;
        // The version the paraf was given on, and that the signer saw: never a later one.
        let latest = self
            .store
            .attachments(doc.id)?
            .into_iter()
            .rfind(|a| a.version == doc.version)
            .ok_or_else(|| AppError::Internal("document without attachment".into()))?;
        let pdf = self.store.blobs().get(&latest.sha256)?;
        let agency = self
            .store
            .agency(doc.agency_id)?
            .map(|a| a.name)
            .unwrap_or_default();
        let position = user.position.clone().unwrap_or_default();
        let options = SignatureOptions {
            name: Some(user.name.clone()),
            reason: Some(format!(
                "{service} — {position}, {agency}",
                service = service.name
            )),
            location: Some(self.config.city.clone()),
            ..SignatureOptions::default()
        };
        let signed = self
            .pdf_gate
            .run(|| sign_pdf(&pdf, &key, &cert, &self.config.chain, &options))?;
        drop(key);
        let sha = self.store.blobs().put(&signed.bytes)?;
        let change = Change {
            signed_sha256: Some(sha),
            ..Change::default()
        };
        self.store
            .apply_transition(doc.id, user.id, &transition, doc.version, &change)?;
        self.store.document(doc.id)?.ok_or(AppError::NotFound)
    }

    /// An attachment's bytes, for its applicant or an officer of its agency.
    pub fn attachment(
        &self,
        user: &User,
        public_id: &str,
        attachment_id: i64,
    ) -> Result<(Attachment, Vec<u8>), AppError> {
        let doc = self.document_for(user, public_id)?;
        let att = self
            .store
            .attachments(doc.id)?
            .into_iter()
            .find(|a| a.id == attachment_id)
            .ok_or(AppError::NotFound)?;
        let bytes = self.store.blobs().get(&att.sha256)?;
        Ok((att, bytes))
    }

    /// The signed PDF, once signed.
    ///
    /// Errors: `E_NOT_FOUND` before signing, and the errors of [`App::document_for`].
    pub fn signed_pdf(&self, user: &User, public_id: &str) -> Result<Vec<u8>, AppError> {
        let doc = self.document_for(user, public_id)?;
        let sha = doc.signed_sha256.ok_or(AppError::NotFound)?;
        Ok(self.store.blobs().get(&sha)?)
    }
}
