//! Acting: applying, paraf, return, reject, withdraw, resubmit and sign.

use sahih_signing::{SignatureOptions, SignerKey, load_certificates_pem, sign_pdf};
use sahih_store::{Change, Document, NewAttachment, NewDocument, Service, User};
use sahih_workflow::{Actor, Command, Role, Transition, decide, submit, validate_form};

use super::input::clean_comment;
use super::{App, Revision, Seen, Upload, check_seen, random_hex};
use crate::AppError;

impl App {
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
            .run(|| sahih_signing::inspect(&upload.bytes))
            .map_err(|_| AppError::Busy)??;
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

    /// Loads the document `user` may act on, checks it is what they saw, and asks the workflow
    /// whether `command` may happen: the common first half of every action.
    fn decide_on(
        &self,
        user: &User,
        public_id: &str,
        seen: Option<&Seen>,
        command: &Command,
    ) -> Result<(Document, Service, Transition), AppError> {
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
        let transition = decide(doc.state, &service.template, &actor, command)?;
        Ok((doc, service, transition))
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
        let command = match command {
            Command::Return { comment } => Command::Return {
                comment: clean_comment(&comment),
            },
            Command::Reject { reason } => Command::Reject {
                reason: clean_comment(&reason),
            },
            other => other,
        };
        let (doc, service, transition) = self.decide_on(user, public_id, seen, &command)?;
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
            ..Change::default()
        })
    }

    /// The signing official signs the document's latest PDF with their own key, unlocked by
    /// `passphrase` for this one signature: PAdES B-B, invisible field, incremental update. The
    /// signed PDF gets its public verification code (`/v/{code}`) in the same transaction.
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
        let (doc, service, transition) = self.decide_on(user, public_id, seen, &Command::Sign)?;
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
            .run(|| sign_pdf(&pdf, &key, &cert, &self.config.chain, &options))
            .map_err(|_| AppError::Busy)??;
        drop(key);
        let sha = self.store.blobs().put(&signed.bytes)?;
        let change = Change {
            signed_sha256: Some(sha),
            verification_code: Some(random_hex(super::VERIFICATION_CODE_BYTES)?),
            ..Change::default()
        };
        self.store
            .apply_transition(doc.id, user.id, &transition, doc.version, &change)?;
        self.store.document(doc.id)?.ok_or(AppError::NotFound)
    }
}
