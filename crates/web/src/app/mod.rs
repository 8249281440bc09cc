//! The application services: what citizens and officers can do, as plain synchronous calls.
//! The HTTP handlers call them (in `web::block`), and so does `sahih demo`, so both take the
//! same path: authorize → load → decide (workflow) → act on bytes (signing) → commit (store).

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sahih_signing::Certificate;
use sahih_store::{Attachment, Document, EventRecord, NewUser, Service, Store, User};
use sahih_workflow::Role;

use crate::AppError;

mod actions;
mod api;
mod archive;
pub use archive::{ARCHIVE_TICK, ArchiveReport, ArchiveWorker};
pub mod api_admin;
mod ca;
pub use api::{
    APPLICATION_LOGIN_PREFIX, ApiCaller, ApiResubmission, ApiSubmission, IssuedKey, Scope,
};
mod batch;
pub use batch::{BatchItem, BatchOutcome, MAX_BATCH};
mod cache;
mod dashboard;
mod deadlines;
mod disposition;
mod gate;
mod input;
mod key_import;
pub use key_import::MAX_P12_BYTES;
mod log;
mod notify;
mod passphrase_guard;
pub use passphrase_guard::{LOCKOUT, MAX_FAILURES, WINDOW as PASSPHRASE_WINDOW};
mod officers_admin;
mod read;
mod second_factor;
pub use second_factor::{Enrollment, KeyUnlock, SecondFactorSettings};
mod routing;
mod services_admin;
mod specimen;
pub use specimen::{DEFAULT_PLACEMENT, SpecimenSettings, parse_placement};
mod verification;
mod webhooks;

pub use ca::{CertificateRow, CertificateStatus};
use cache::VerificationCache;
pub use dashboard::{
    DEFAULT_WINDOW_DAYS, Dashboard, MAX_WINDOW_DAYS, ServiceFigures, StateTotal, StepFigures,
};
pub use deadlines::{
    DEFAULT_ESCALATE_AFTER_DAYS, Deadline, DeadlineSettings, ESCALATION_TICK, EscalationWorker,
    MAX_ESCALATE_AFTER_DAYS,
};
pub use disposition::{
    DelegationOverview, DispositionInbox, DispositionPanel, GrantRequest, day_wib,
    disposition_state_label,
};
use gate::Gate;
use input::{check_email, check_text};
pub use log::{LOG_PAGE_ROWS, LogPageData, LogRow};
pub use notify::{NOTICES_SHOWN, Notice, NoticeDocument, NoticeItem, NoticeKind, NotifySettings};
pub use officers_admin::{MAX_POSITION_CHARS, NewOfficer, OfficerSettings};
pub use routing::{Offered, PendingStep};
pub use services_admin::{Accepted, AdminAction, Refusal, new_service_skeleton};
pub use verification::{Checked, VERIFICATION_CODE_BYTES, is_verification_code};
pub use webhooks::{
    ATTEMPT_TIMEOUT, CONNECT_TIMEOUT, DeliveryRound, WEBHOOK_LOG_ROWS, WEBHOOK_TICK, WebhookClient,
    WebhookWorker,
};

/// Settings the application services need.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Largest accepted upload, bytes.
    pub upload_limit: usize,
    /// The city, written as the signatures' `/Location`.
    pub city: String,
    /// Issuer certificates embedded with every signature (the CA chain of officers' certificates).
    pub chain: Vec<Certificate>,
    /// What public verification trusts: Sahih's own CA and the operator's national roots.
    pub trust_anchors: Vec<Certificate>,
    /// Directory of the verification page's upload cache (emptied when first used); see
    /// [`App::verify_upload`].
    pub verification_cache: std::path::PathBuf,
    /// The transparency log's checkpoint signing key (its name is the log's origin, e.g.
    /// `sahih.local/log`); see docs/transparency-log.md.
    pub log_key: std::sync::Arc<sahih_tlog::SignerKey>,
    /// Working days, holidays and when overdue work escalates; see [`App::escalate_overdue`].
    pub deadlines: DeadlineSettings,
    /// The PAdES level of officers' signatures, the TSA and where CRLs come from (`[signing]`).
    /// Paraf (approval) signatures stay B-B: the signature's own timestamps, DSS and document
    /// timestamp cover them.
    pub timestamping: crate::timestamping::Timestamping,
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
    /// How many times the document had been returned (to the applicant or to an earlier
    /// step) when shown, if the form says: a return to an earlier step leaves state and version
    /// as they were, so a form from before it would otherwise still be taken.
    pub round: Option<i64>,
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
    verification_cache: std::sync::Arc<VerificationCache>,
    notifier: std::sync::Arc<notify::Notifier>,
    api_limiter: std::sync::Arc<crate::rate_limit::RateLimiter>,
    /// Wakes the webhook worker (`webhooks::WebhookWorker`) after a commit.
    webhooks: std::sync::Arc<sahih_store::Wakeup>,
    /// Wrong key passphrases per officer, counted in the store (`passphrase_guard`).
    passphrases: passphrase_guard::PassphraseGuard,
    /// Sahih's own CA and its CRL, when configured ([`App::with_ca`]).
    ca: Option<std::sync::Arc<ca::CaService>>,
    /// TOTP second factor of the signing keys (`second_factor`).
    second_factor: std::sync::Arc<SecondFactorSettings>,
    /// The PKCS#11 module of officers' keys kept in a token (`users.key_pem` a `pkcs11:` URI).
    pkcs11_module: Option<std::sync::Arc<std::path::Path>>,
    /// Where the official's visible signature goes (`specimen`).
    specimen: std::sync::Arc<SpecimenSettings>,
}

/// Minimum password length, characters (NIST SP 800-63B §3.1.1.2 asks for at least 8).
pub const MIN_PASSWORD_CHARS: usize = 10;

fn random_hex(bytes: usize) -> Result<String, AppError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(hex::encode(buf))
}

/// A login as stored: trimmed, lowercase, 3–40 of `a-z 0-9 . _ -`, starting with a letter or
/// digit. Errors: `E_BAD_INPUT`.
fn checked_login(login: &str) -> Result<String, AppError> {
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
    // Reserved for agency applications' applicant accounts (`App::ensure_api_application`).
    if login.starts_with(APPLICATION_LOGIN_PREFIX) {
        return Err(AppError::Store(sahih_store::StoreError::LoginTaken));
    }
    Ok(login)
}

/// Hashes a password with argon2id (RFC 9106) into a PHC string.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// Refuses to act on a document that changed since the user saw it. Errors: `E_CONFLICT`.
fn check_seen(doc: &Document, round: i64, seen: Option<&Seen>) -> Result<(), AppError> {
    match seen {
        Some(s)
            if s.state != doc.state.as_code()
                || s.version != doc.version
                || s.round.is_some_and(|r| r != round) =>
        {
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
        let passphrases = passphrase_guard::PassphraseGuard::new(store.clone());
        App {
            store,
            verification_cache: std::sync::Arc::new(VerificationCache::new(
                config.verification_cache.clone(),
            )),
            config,
            pdf_gate: std::sync::Arc::new(Gate::new(cores)),
            notifier: std::sync::Arc::default(),
            api_limiter: std::sync::Arc::new(crate::rate_limit::RateLimiter::new(
                crate::rate_limit::RateSettings::default(),
            )),
            webhooks: std::sync::Arc::default(),
            passphrases,
            ca: None,
            second_factor: std::sync::Arc::default(),
            pkcs11_module: None,
            specimen: std::sync::Arc::default(),
        }
    }

    /// Makes `ca` the CA whose certificates the admin issues, renews and revokes, and whose
    /// CRL `/pki/crl` publishes; `urls` go into its certificates.
    pub fn with_ca(mut self, ca: sahih_signing::ca::Ca, urls: sahih_signing::ca::CaUrls) -> App {
        self.ca = Some(std::sync::Arc::new(ca::CaService::new(ca, urls)));
        self
    }

    /// Sets the API's request rate per key (and per address for calls without a key).
    pub fn with_api_rate(mut self, settings: crate::rate_limit::RateSettings) -> App {
        self.api_limiter = std::sync::Arc::new(crate::rate_limit::RateLimiter::new(settings));
        self
    }

    /// The API's rate limiter.
    pub fn api_limiter(&self) -> &crate::rate_limit::RateLimiter {
        &self.api_limiter
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
        let login = checked_login(login)?;
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
}
