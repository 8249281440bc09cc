//! The integration API's application services: agency applications and their keys, key
//! authentication with scopes, idempotent submission, and the documents an application may see.
//!
//! An application is the applicant (pemohon) of what it submits: it sees those documents and
//! nothing else, so a key of one agency never sees another agency's documents.

use sahih_store::{
    ApiApplication, ApiKey, Document, DocumentFilter, Idempotency, NewApiApplication, NewApiKey,
    NewDocument, Submitted, User,
};
use sahih_workflow::{AgencyId, UserId, submit, submit_direct, validate_form};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{App, Upload, random_hex};
use crate::AppError;

/// An operation a key may be allowed (its scope).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// `documents:submit`: submit documents along their service's route, withdraw them.
    Submit,
    /// `documents:submit-direct`: submit documents straight to the service's signing official,
    /// without paraf (the application's own system approved them).
    SubmitDirect,
    /// `documents:read`: list documents, read status, history, signed PDF and receipt.
    Read,
    /// `verify`: verify PDFs (also allowed without a key).
    Verify,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 4] = [
        Scope::Submit,
        Scope::SubmitDirect,
        Scope::Read,
        Scope::Verify,
    ];

    /// What a new key gets unless told otherwise: everything but direct submission.
    pub const DEFAULT: [Scope; 3] = [Scope::Submit, Scope::Read, Scope::Verify];

    /// The scope's stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Submit => "documents:submit",
            Scope::SubmitDirect => "documents:submit-direct",
            Scope::Read => "documents:read",
            Scope::Verify => "verify",
        }
    }

    /// Parses a name of [`Scope::as_str`]. Errors: `E_BAD_SCOPE`.
    pub fn parse(name: &str) -> Result<Scope, AppError> {
        Scope::ALL
            .into_iter()
            .find(|s| s.as_str() == name.trim())
            .ok_or_else(|| {
                AppError::bad_input(
                    "E_BAD_SCOPE",
                    format!(
                        "unknown scope {name:?}: use {}",
                        Scope::ALL.map(Scope::as_str).join(", ")
                    ),
                )
            })
    }
}

/// An authenticated API caller: the key and the application it acts for.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    /// The key used.
    pub key: ApiKey,
    /// The application.
    pub application: ApiApplication,
    /// The application's applicant account.
    pub user: User,
}

impl ApiCaller {
    /// Whether the key allows `scope`. Errors: `E_SCOPE_MISSING` (403).
    pub fn require(&self, scope: Scope) -> Result<(), AppError> {
        if self.key.scopes.iter().any(|s| s == scope.as_str()) {
            Ok(())
        } else {
            Err(AppError::ScopeMissing(scope.as_str()))
        }
    }
}

/// A key as shown once, at creation: `sahih_<key_id>_<secret>`.
pub struct IssuedKey {
    /// The key's public id.
    pub key_id: String,
    /// The whole key, to give to the application (never stored).
    pub token: Zeroizing<String>,
}

impl std::fmt::Debug for IssuedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedKey")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// What a submission over the API asks for.
#[derive(Debug, Clone)]
pub struct ApiSubmission {
    /// The service's code.
    pub service: String,
    /// The form values by field name.
    pub form: std::collections::BTreeMap<String, String>,
    /// Straight to the signing official (needs [`Scope::SubmitDirect`]).
    pub direct: bool,
    /// The PDF.
    pub upload: Upload,
}

impl ApiSubmission {
    /// SHA-256 of what the request asks for (service, route, form, the PDF's hash), hex: the
    /// same submission retried hashes the same, however its multipart body was framed.
    pub fn request_sha256(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"POST /api/v1/documents\n");
        h.update(self.service.as_bytes());
        h.update([0, u8::from(self.direct), 0]);
        hash_form(&mut h, &self.form);
        h.update(Sha256::digest(&self.upload.bytes));
        hex::encode(h.finalize())
    }
}

/// What a resubmission over the API carries: corrected form values and, optionally, a
/// corrected PDF (without one, the previous PDF is kept).
#[derive(Debug, Clone)]
pub struct ApiResubmission {
    /// The corrected form values by field name.
    pub form: std::collections::BTreeMap<String, String>,
    /// The corrected PDF, if any.
    pub upload: Option<Upload>,
    /// Straight back to the signing official (needs [`Scope::SubmitDirect`]); otherwise the
    /// document starts the service's route again.
    pub direct: bool,
}

impl ApiResubmission {
    /// SHA-256 of what the request asks for (document, form, the PDF's hash), hex.
    pub fn request_sha256(&self, public_id: &str) -> String {
        let mut h = Sha256::new();
        h.update(b"POST /api/v1/documents/");
        h.update(public_id.as_bytes());
        h.update(b"/resubmit\n");
        h.update([u8::from(self.direct), 0]);
        hash_form(&mut h, &self.form);
        if let Some(u) = &self.upload {
            h.update(Sha256::digest(&u.bytes));
        }
        hex::encode(h.finalize())
    }
}

/// Hashes form values as they will be stored: trimmed, and a blank value the same as none, so
/// a retry that spells an omitted field as `""` is the same request.
fn hash_form(h: &mut Sha256, form: &std::collections::BTreeMap<String, String>) {
    for (k, v) in form
        .iter()
        .map(|(k, v)| (k, v.trim()))
        .filter(|(_, v)| !sahih_workflow::is_blank(v))
    {
        h.update((k.len() as u64).to_be_bytes());
        h.update(k.as_bytes());
        h.update((v.len() as u64).to_be_bytes());
        h.update(v.as_bytes());
    }
}

/// Key ids: 12 hex digits; secrets: 32 random bytes, hex.
const KEY_ID_BYTES: usize = 6;
const SECRET_BYTES: usize = 32;

/// Splits `sahih_<key_id>_<secret>`.
fn split_token(token: &str) -> Option<(&str, &str)> {
    let rest = token.strip_prefix("sahih_")?;
    let (id, secret) = rest.split_once('_')?;
    let hexlen = |s: &str, n: usize| s.len() == n * 2 && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hexlen(id, KEY_ID_BYTES) && hexlen(secret, SECRET_BYTES)).then_some((id, secret))
}

/// Equal hex strings, compared in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// An application code: 3–40 of `a-z 0-9 -`, starting with a letter. Errors: `E_BAD_INPUT`.
fn checked_code(code: &str) -> Result<String, AppError> {
    let code = code.trim().to_lowercase();
    let ok = (3..=40).contains(&code.len())
        && code.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(code)
    } else {
        Err(AppError::bad_input(
            "E_BAD_INPUT",
            "application code: 3 to 40 of a-z, 0-9 and dash, starting with a letter",
        ))
    }
}

/// Refuses form values for fields the service does not have: over the API a misspelt field
/// name would otherwise lose its value without a word. Errors: `E_FORM_FIELD_UNKNOWN`.
fn check_known_fields(
    fields: &[sahih_workflow::FormField],
    values: &std::collections::BTreeMap<String, String>,
) -> Result<(), AppError> {
    match values
        .keys()
        .find(|k| !fields.iter().any(|f| &f.name == *k))
    {
        Some(unknown) => Err(AppError::bad_input(
            "E_FORM_FIELD_UNKNOWN",
            format!(
                "the service has no form field {unknown:?}; its fields: {}",
                fields
                    .iter()
                    .map(|f| f.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
        None => Ok(()),
    }
}

/// The prefix of every application's applicant login (`app.<code>`); citizens cannot register it.
pub const APPLICATION_LOGIN_PREFIX: &str = "app.";

impl App {
    /// Registers an agency application, or returns the one with this code in the same agency.
    ///
    /// Errors: `E_BAD_INPUT` for a bad code or name, `E_NOT_YOUR_AGENCY` when the code belongs
    /// to another agency's application, `E_LOGIN_TAKEN`.
    pub fn ensure_api_application(
        &self,
        agency: AgencyId,
        code: &str,
        name: &str,
    ) -> Result<ApiApplication, AppError> {
        let code = checked_code(code)?;
        if let Some(existing) = self.store.api_application_by_code(&code)? {
            return if existing.agency == agency {
                Ok(existing)
            } else {
                Err(AppError::Forbidden("E_NOT_YOUR_AGENCY"))
            };
        }
        let name = super::input::check_text(name, "E_BAD_INPUT", 120)?;
        let password = Zeroizing::new(random_hex(32)?);
        let user = self.store.create_api_application(&NewApiApplication {
            agency,
            login: format!("{APPLICATION_LOGIN_PREFIX}{code}"),
            code,
            name,
            password_hash: super::hash_password(&password)?,
            webhook_secret: crate::webhook::new_secret()
                .map_err(|e| AppError::Internal(e.to_string()))?,
        })?;
        self.store.api_application(user)?.ok_or(AppError::NotFound)
    }

    /// Makes a key for `application` with `scopes`; the token is shown once.
    ///
    /// Errors: `E_BAD_SCOPE` for no scope.
    pub fn create_api_key(
        &self,
        application: UserId,
        scopes: &[Scope],
        created_by: Option<UserId>,
    ) -> Result<IssuedKey, AppError> {
        if scopes.is_empty() {
            return Err(AppError::bad_input("E_BAD_SCOPE", "a key needs a scope"));
        }
        let key_id = random_hex(KEY_ID_BYTES)?;
        let secret = Zeroizing::new(random_hex(SECRET_BYTES)?);
        let mut names: Vec<String> = scopes.iter().map(|s| s.as_str().to_owned()).collect();
        names.sort();
        names.dedup();
        self.store.create_api_key(&NewApiKey {
            key_id: key_id.clone(),
            application,
            secret_sha256: hex::encode(Sha256::digest(secret.as_bytes())),
            scopes: names,
            created_by,
        })?;
        Ok(IssuedKey {
            token: Zeroizing::new(format!("sahih_{key_id}_{}", secret.as_str())),
            key_id,
        })
    }

    /// Authenticates a bearer token.
    ///
    /// Errors: `E_API_KEY_INVALID` for a malformed or unknown token or a wrong secret,
    /// `E_API_KEY_REVOKED` (401 both).
    pub fn authenticate_api_key(&self, token: &str) -> Result<ApiCaller, AppError> {
        let (key_id, secret) =
            split_token(token.trim()).ok_or(AppError::Unauthorized("E_API_KEY_INVALID"))?;
        let presented = hex::encode(Sha256::digest(secret.as_bytes()));
        let (key, application) = self
            .store
            .api_key_for_auth(key_id, |stored| same(&presented, stored))?
            .ok_or(AppError::Unauthorized("E_API_KEY_INVALID"))?;
        if key.revoked_at.is_some() {
            return Err(AppError::Unauthorized("E_API_KEY_REVOKED"));
        }
        let user = self
            .store
            .user(application.user)?
            .ok_or(AppError::Unauthorized("E_API_KEY_INVALID"))?;
        Ok(ApiCaller {
            key,
            application,
            user,
        })
    }

    /// Submits a document for an application, once per Idempotency-Key.
    ///
    /// Errors: `E_SCOPE_MISSING` (direct without [`Scope::SubmitDirect`]),
    /// `E_NOT_YOUR_AGENCY` for another agency's service, `E_NOT_FOUND` for an unknown
    /// service, form and upload errors, `E_IDEMPOTENCY_KEY_REUSED`.
    pub fn submit_api(
        &self,
        caller: &ApiCaller,
        submission: &ApiSubmission,
        idempotency: Option<&str>,
    ) -> Result<(Document, bool), AppError> {
        caller.require(Scope::Submit)?;
        if submission.direct {
            caller.require(Scope::SubmitDirect)?;
        }
        let idem = idempotency.map(|key| Idempotency {
            key: key.to_owned(),
            request_sha256: submission.request_sha256(),
        });
        // A retry finds what the first request made, whatever changed since (the service's
        // form, say).
        if let Some(found) = self.replayed(caller, idem.as_ref())? {
            return Ok((found, true));
        }
        let service = self.service(&submission.service).map_err(|e| match e {
            AppError::NotFound => AppError::bad_input(
                "E_SERVICE_UNKNOWN",
                format!(
                    "no service {:?}: GET /api/v1/services lists those of this key's agency",
                    submission.service
                ),
            ),
            other => other,
        })?;
        if service.agency_id != caller.application.agency {
            return Err(AppError::Forbidden("E_NOT_YOUR_AGENCY"));
        }
        check_known_fields(&service.form, &submission.form)?;
        let form = validate_form(&service.form, |name| submission.form.get(name).cloned())?;
        let attachment = self.store_upload(&submission.upload)?;
        let transition = if submission.direct {
            submit_direct()
        } else {
            submit()
        };
        let doc = NewDocument {
            public_id: random_hex(16)?,
            service_id: service.id,
            agency_id: service.agency_id,
            applicant_id: caller.user.id,
            form,
            attachment,
        };
        let (id, replayed) =
            match self
                .store
                .submit_document_once(&doc, &transition, idem.as_ref())?
            {
                Submitted::Created(id) => {
                    if let Err(e) = self.notify_committed(id, &transition) {
                        tracing::warn!(code = e.code(), "notices of a submission not sent");
                    }
                    (id, false)
                }
                Submitted::Replayed(id) => (id, true),
            };
        Ok((
            self.store.document(id)?.ok_or(AppError::NotFound)?,
            replayed,
        ))
    }

    /// Resubmits a document the officers returned to the application, once per
    /// Idempotency-Key: the key is recorded in the transition's own transaction, so a retry
    /// answers with the document as it is (`true`: replayed) instead of acting twice.
    ///
    /// Errors: `E_SCOPE_MISSING`, `E_NOT_FOUND`, workflow refusals (`E_TRANSITION_NOT_ALLOWED` when the
    /// document is not returned), form and upload errors, `E_IDEMPOTENCY_KEY_REUSED`,
    /// `E_CONFLICT`.
    pub fn resubmit_api(
        &self,
        caller: &ApiCaller,
        public_id: &str,
        resubmission: &ApiResubmission,
        idempotency: Option<&str>,
    ) -> Result<(Document, bool), AppError> {
        caller.require(Scope::Submit)?;
        if resubmission.direct {
            caller.require(Scope::SubmitDirect)?;
        }
        let doc = self.api_document_for_write(caller, public_id)?;
        let idem = idempotency.map(|key| Idempotency {
            key: key.to_owned(),
            request_sha256: resubmission.request_sha256(public_id),
        });
        if let Some(found) = self.replayed(caller, idem.as_ref())? {
            return Ok((found, true));
        }
        match self.resubmit_now(caller, &doc, resubmission, idem.clone()) {
            Ok(doc) => Ok((doc, false)),
            // A retry racing the first request loses the compare-and-set (or finds the
            // document no longer returned); the first one's key tells it what happened.
            Err(e) => match self.replayed(caller, idem.as_ref())? {
                Some(found) => Ok((found, true)),
                None => Err(e),
            },
        }
    }

    fn resubmit_now(
        &self,
        caller: &ApiCaller,
        doc: &Document,
        resubmission: &ApiResubmission,
        idem: Option<Idempotency>,
    ) -> Result<Document, AppError> {
        let public_id = doc.public_id.as_str();
        let service = self
            .store
            .service(doc.service_id)?
            .ok_or(AppError::NotFound)?;
        check_known_fields(&service.form, &resubmission.form)?;
        let mut decided = self.decide_on(
            &caller.user,
            public_id,
            None,
            &sahih_workflow::Command::Resubmit,
        )?;
        if resubmission.direct {
            decided.transition.to = sahih_workflow::DocumentState::Approved;
        }
        let revision = super::Revision {
            values: resubmission.form.clone().into_iter().collect(),
            upload: resubmission.upload.clone(),
        };
        let change = sahih_store::Change {
            round: Some(decided.round),
            idempotency: idem,
            ..self.revision_change(&decided.doc, &decided.service, &revision)?
        };
        self.store.apply_transition(
            decided.doc.id,
            caller.user.id,
            &decided.transition,
            decided.doc.version,
            &change,
        )?;
        if let Err(e) = self.notify_committed(decided.doc.id, &decided.transition) {
            tracing::warn!(code = e.code(), "notices of a resubmission not sent");
        }
        self.store
            .document(decided.doc.id)?
            .ok_or(AppError::NotFound)
    }

    /// The document an earlier request with this Idempotency-Key created, checked before the
    /// upload is stored (the store checks again inside its transaction).
    fn replayed(
        &self,
        caller: &ApiCaller,
        idem: Option<&Idempotency>,
    ) -> Result<Option<Document>, AppError> {
        let Some(idem) = idem else { return Ok(None) };
        match self.store.idempotent_document(caller.user.id, idem)? {
            Some(id) => Ok(self.store.document(id)?),
            None => Ok(None),
        }
    }

    /// The caller's document `public_id`. Errors: `E_SCOPE_MISSING`, `E_NOT_FOUND` for a
    /// document of anyone else (its existence is not revealed).
    pub fn api_document(&self, caller: &ApiCaller, public_id: &str) -> Result<Document, AppError> {
        caller.require(Scope::Read)?;
        self.api_document_for_write(caller, public_id)
    }

    /// The caller's document `public_id`, whatever the key's scopes (the caller checks the
    /// scope of what it does). Errors: `E_NOT_FOUND` for a document of anyone else.
    pub fn api_document_for_write(
        &self,
        caller: &ApiCaller,
        public_id: &str,
    ) -> Result<Document, AppError> {
        let doc = self
            .store
            .document_by_public_id(public_id)?
            .ok_or(AppError::NotFound)?;
        if doc.applicant_id != caller.user.id {
            return Err(AppError::NotFound);
        }
        Ok(doc)
    }

    /// The caller's documents, newest first, one page. Errors: `E_SCOPE_MISSING`.
    pub fn api_documents(
        &self,
        caller: &ApiCaller,
        filter: &DocumentFilter,
    ) -> Result<Vec<Document>, AppError> {
        caller.require(Scope::Read)?;
        Ok(self
            .store
            .documents_of_applicant_page(caller.user.id, filter)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_split_only_in_their_exact_shape() {
        let id = "0123456789ab";
        let secret = "ab".repeat(32);
        let token = format!("sahih_{id}_{secret}");
        assert_eq!(split_token(&token), Some((id, secret.as_str())));
        assert_eq!(split_token(&format!("sahih_{id}_{}", &secret[1..])), None);
        assert_eq!(split_token(&format!("sahih_{id}x_{secret}")), None);
        assert_eq!(split_token(&format!("bearer_{id}_{secret}")), None);
        assert_eq!(split_token(""), None);
    }

    #[test]
    fn scopes_round_trip_and_unknown_ones_are_refused() {
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()).ok(), Some(s));
        }
        let e = Scope::parse("documents:sign").expect_err("unknown");
        assert_eq!(e.code(), "E_BAD_SCOPE");
    }
}
