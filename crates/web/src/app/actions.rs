//! Acting: applying, paraf, return, reject, withdraw, resubmit and sign.

use sahih_signing::{
    SignatureOptions, SignerKey, SigningError, load_certificates_pem, sign_at_level, sign_pdf,
};
use sahih_store::{Change, Document, NewAttachment, NewDocument, Service, User};
use sahih_workflow::{Command, Role, Transition, submit, validate_form};

use super::input::clean_comment;
use super::routing::PendingStep;
use super::{App, KeyUnlock, Revision, Seen, Upload, check_seen, random_hex};
use crate::AppError;

/// An unlocked signing key, its certificate, and the issuer certificates its signatures embed.
pub(crate) type UnlockedKey = (
    SignerKey,
    sahih_signing::Certificate,
    Vec<sahih_signing::Certificate>,
);

/// The timeline's note for an action by delegation: `Plh. Kepala Dinas, a.n. Dr. Rina …`.
fn acting_note(grant: Option<&sahih_store::StoredDelegation>) -> Option<String> {
    let grant = grant?;
    let title = grant
        .delegation
        .reason_prefix(grant.delegator_position.as_deref().unwrap_or_default());
    Some(format!("{title}, a.n. {}", grant.delegator_name))
}

/// Revisions kept free at upload for the approval signatures and the signature a document's
/// route adds (at most 20 steps, some groups of several officers).
const UPDATE_HEADROOM: usize = 32;

/// Refuses a file whose existing signatures fail validation. Errors:
/// `E_PDF_SIGNATURE_INVALID`, `E_PDF_SIGNATURE_UNCHECKED`, `E_BUSY`.
fn check_signatures(
    verdict: Result<sahih_signing::verify::Report, sahih_signing::verify::Unusable>,
) -> Result<(), AppError> {
    match verdict {
        Ok(r) if r.indication == sahih_signing::verify::Indication::TotalFailed => {
            Err(AppError::Unprocessable {
                code: "E_PDF_SIGNATURE_INVALID",
                message: format!(
                    "the PDF carries a signature that fails validation ({}): signing it would \
                     issue a document that fails verification; submit the original signed file",
                    r.reason
                ),
            })
        }
        Err(u) if u.code == "E_BUSY" => Err(AppError::Busy),
        // Signatures that cannot be checked at all (too many revisions, say) could hide a
        // failed one: refused too.
        Err(u) => Err(AppError::Unprocessable {
            code: "E_PDF_SIGNATURE_UNCHECKED",
            message: format!(
                "the PDF carries signatures that cannot be validated ({}: {}): submit the \
                 original signed file",
                u.code, u.reason
            ),
        }),
        Ok(_) => Ok(()),
    }
}

/// A decided command: the document, its service, the transition, and its pending step.
pub(super) struct Decided {
    pub(super) doc: Document,
    pub(super) service: Service,
    pub(super) transition: Transition,
    pending: Option<PendingStep>,
    /// How many returns the document had when decided on: the commit checks it again.
    pub(super) round: i64,
}

/// A decided signature whose file is read and hashed ([`App::hash_decided`]).
pub(super) struct ReadyToSign {
    decided: Decided,
    pdf: Vec<u8>,
    hashed: sahih_signing::Prehash,
}

impl App {
    /// Checks that an upload is a PDF the signer can sign: by its content, never its name.
    ///
    /// A PDF that already carries signatures must have none that fails validation (ETSI TS
    /// 119 102-1 TOTAL-FAILED, e.g. bytes changed after signing): signing it would issue a
    /// document that fails verification. Signatures that are only INDETERMINATE (a CA this
    /// instance does not trust, say) are accepted.
    ///
    /// Errors: `E_UPLOAD_MISSING`, `E_UPLOAD_TOO_LARGE`, the signer's refusals (`E_NOT_PDF`,
    /// `E_PDF_ENCRYPTED`, `E_PDF_BROKEN_XREF`, …), `E_PDF_SIGNATURE_INVALID`, `E_PDF_SIGNATURE_UNCHECKED`.
    pub fn check_pdf(&self, upload: &Upload) -> Result<(), AppError> {
        if upload.bytes.is_empty() {
            return Err(AppError::bad_input("E_UPLOAD_MISSING", "no file uploaded"));
        }
        if upload.bytes.len() > self.config.upload_limit {
            return Err(AppError::TooLarge {
                limit: self.config.upload_limit,
            });
        }
        let summary = self
            .pdf_gate
            .run(|| sahih_signing::inspect(&upload.bytes))
            .map_err(|_| AppError::Busy)??;
        // Room for what the route adds (an approval signature per paraf, then the signature):
        // what the city signs must stay within what the validator analyses.
        if summary.revisions + UPDATE_HEADROOM > sahih_signing::verify::MAX_REVISIONS {
            return Err(AppError::Unprocessable {
                code: "E_PDF_TOO_LARGE",
                message: format!(
                    "the PDF has {} revisions (incremental updates): with the approvals and the \
                     signature it would pass the {} the validator analyses; save it again as \
                     one revision (e.g. print to PDF) and submit that",
                    summary.revisions,
                    sahih_signing::verify::MAX_REVISIONS
                ),
            });
        }
        // The validator decides what is a signature: also where the signer counts none but
        // the bytes carry a /ByteRange (a field of an odd shape, say).
        if summary.signatures > 0 || upload.bytes.windows(10).any(|w| w == b"/ByteRange") {
            check_signatures(self.verify_pdf(&upload.bytes))?;
        }
        Ok(())
    }

    pub(super) fn store_upload(&self, upload: &Upload) -> Result<NewAttachment, AppError> {
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
        if let Err(e) = self.notify_committed(id, &submit()) {
            tracing::warn!(code = e.code(), "notices of a submission not sent");
        }
        self.store.document(id)?.ok_or(AppError::NotFound)
    }

    /// Loads the document `user` may act on, checks it is what they saw, resolves who may act
    /// at its pending step, and asks the workflow whether `command` may happen: the common
    /// first half of every action.
    pub(super) fn decide_on(
        &self,
        user: &User,
        public_id: &str,
        seen: Option<&Seen>,
        command: &Command,
    ) -> Result<Decided, AppError> {
        let doc = self.document_for(user, public_id)?;
        let round = self.store.document_round(doc.id)?;
        check_seen(&doc, round, seen)?;
        let service = self
            .store
            .service(doc.service_id)?
            .ok_or(AppError::NotFound)?;
        let pending = self.pending_step_for(user, &doc, &service)?;
        let transition =
            super::routing::decide_as(user, &doc, &service, pending.as_ref(), command)?;
        Ok(Decided {
            doc,
            service,
            transition,
            pending,
            round,
        })
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
        self.act_with_key(user, public_id, command, revision, seen, None)
    }

    /// Paraf at a step that may carry an approval signature: with `passphrase` the officer's
    /// key signs the current PDF too (required where the step says `approval_signature`).
    ///
    /// Errors: those of [`App::act`], `E_PASSPHRASE_REQUIRED`, `E_NO_SIGNING_KEY`,
    /// `E_WRONG_PASSPHRASE`, the signer's refusals.
    pub fn paraf(
        &self,
        user: &User,
        public_id: &str,
        passphrase: Option<&[u8]>,
        seen: Option<&Seen>,
    ) -> Result<Document, AppError> {
        let unlock = passphrase.map(KeyUnlock::passphrase);
        self.paraf_with(user, public_id, unlock.as_ref(), seen)
    }

    /// [`App::paraf`] with the key unlocked by `unlock` (passphrase and, for an officer who
    /// enrolled a second factor, a current TOTP code).
    ///
    /// Errors: those of [`App::paraf`] and of the second factor.
    pub fn paraf_with(
        &self,
        user: &User,
        public_id: &str,
        unlock: Option<&KeyUnlock<'_>>,
        seen: Option<&Seen>,
    ) -> Result<Document, AppError> {
        self.act_with_key(user, public_id, Command::Paraf, None, seen, unlock)
    }

    fn act_with_key(
        &self,
        user: &User,
        public_id: &str,
        command: Command,
        revision: Option<&Revision>,
        seen: Option<&Seen>,
        unlock: Option<&KeyUnlock<'_>>,
    ) -> Result<Document, AppError> {
        if matches!(command, Command::Sign) {
            return Err(AppError::bad_input(
                "E_BAD_INPUT",
                "signing needs the key passphrase",
            ));
        }
        let command = match command {
            Command::Return { comment, to } => Command::Return {
                comment: clean_comment(&comment),
                to,
            },
            Command::Reject { reason } => Command::Reject {
                reason: clean_comment(&reason),
            },
            other => other,
        };
        let Decided {
            doc,
            service,
            transition,
            pending,
            round,
        } = self.decide_on(user, public_id, seen, &command)?;
        let change = match (&command, revision) {
            (Command::Resubmit, Some(r)) => self.revision_change(&doc, &service, r)?,
            (Command::Resubmit, None) => {
                return Err(AppError::bad_input(
                    "E_BAD_INPUT",
                    "a resubmission needs its form",
                ));
            }
            (Command::Paraf | Command::Acknowledge, _) => Change {
                approval: match &pending {
                    Some(p) if p.step.approval_signature => {
                        let unlock = unlock.ok_or_else(|| {
                            AppError::bad_input(
                                "E_PASSPHRASE_REQUIRED",
                                "this step's paraf is an approval signature: the key passphrase is needed",
                            )
                        })?;
                        Some(self.approval_signature(user, &doc, &service, p, unlock)?)
                    }
                    _ => None,
                },
                note: pending
                    .as_ref()
                    .and_then(|p| acting_note(p.acting_for.as_ref())),
                given: pending.map(|p| (p.index, p.given.len())),
                ..Change::default()
            },
            _ => Change::default(),
        };
        let change = Change {
            round: Some(round),
            ..change
        };
        self.store
            .apply_transition(doc.id, user.id, &transition, doc.version, &change)?;
        if let Err(e) = self.notify_committed(doc.id, &transition) {
            tracing::warn!(code = e.code(), "notices of an action not sent");
        }
        self.store.document(doc.id)?.ok_or(AppError::NotFound)
    }

    /// The new version a resubmission makes: the corrected form values (validated like a new
    /// application) and the corrected PDF, or the previous PDF again when none was uploaded.
    pub(super) fn revision_change(
        &self,
        doc: &Document,
        service: &Service,
        r: &Revision,
    ) -> Result<Change, AppError> {
        let form = validate_form(&service.form, |n| r.values.get(n).cloned())?;
        let attachment = match &r.upload {
            Some(u) => self.store_upload(u)?,
            None => {
                // The file the applicant gave for this version, without the approval
                // signatures of the round that was just voided.
                let last = self
                    .store
                    .attachments(doc.id)?
                    .into_iter()
                    .find(|a| a.version == doc.version)
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

    /// The signing official (or an acting official by a current delegation) signs the
    /// document's latest PDF with their own key, unlocked by `passphrase` for this one
    /// signature: PAdES B-B, invisible field, incremental update. In one transaction the nomor
    /// surat is allocated (when the service numbers its documents), written into the
    /// signature's `/Reason`, the PDF signed, and the signed PDF recorded with its public
    /// verification code (`/v/{code}`): a failed signature uses up no number.
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
        self.sign_with(user, public_id, &KeyUnlock::passphrase(passphrase), seen)
    }

    /// [`App::sign`] with the key unlocked by `unlock`: the passphrase and, for an officer who
    /// enrolled a second factor, a current TOTP code.
    ///
    /// Errors: those of [`App::sign`] and of the second factor (`E_TOTP_NOT_ENROLLED`,
    /// `E_TOTP_REQUIRED`, `E_WRONG_TOTP`, `E_TOTP_REPLAYED`).
    pub fn sign_with(
        &self,
        user: &User,
        public_id: &str,
        unlock: &KeyUnlock<'_>,
        seen: Option<&Seen>,
    ) -> Result<Document, AppError> {
        let decided = self.decide_on(user, public_id, seen, &Command::Sign)?;
        let key = self.unlock_key(user, unlock)?;
        self.sign_decided(user, &key, decided)
    }

    /// The officer's paraf as an invisible approval signature (PAdES B-B, their own key) on
    /// the document's current PDF, appended as an incremental update; stored in the blob store
    /// and returned as the same version's next file. Earlier signatures stay intact.
    fn approval_signature(
        &self,
        user: &User,
        doc: &Document,
        service: &Service,
        pending: &PendingStep,
        unlock: &KeyUnlock<'_>,
    ) -> Result<NewAttachment, AppError> {
        let (key, cert, chain) = self.unlock_key(user, unlock)?;
        let current = self.current_file(doc)?;
        let pdf = self.store.blobs().get(&current.sha256)?;
        let agency = self
            .store
            .agency(doc.agency_id)?
            .map(|a| a.name)
            .unwrap_or_default();
        let position = user.position.clone().unwrap_or_default();
        let options = SignatureOptions {
            name: Some(user.name.clone()),
            reason: Some(format!(
                "Paraf {step} — {service}, {position}, {agency}",
                step = pending.step.name,
                service = service.name
            )),
            location: Some(self.config.city.clone()),
            field_prefix: "Paraf".into(),
            ..SignatureOptions::default()
        };
        let signed = self
            .pdf_gate
            .run(|| sign_pdf(&pdf, &key, &cert, &chain, &options))
            .map_err(|_| AppError::Busy)??;
        drop(key);
        let sha256 = self.store.blobs().put(&signed.bytes)?;
        let stem = current
            .filename
            .strip_suffix(".pdf")
            .unwrap_or(&current.filename)
            .to_string();
        Ok(NewAttachment {
            sha256,
            filename: format!("{stem}-paraf.pdf"),
            size: i64::try_from(signed.bytes.len())
                .map_err(|e| AppError::Internal(e.to_string()))?,
        })
    }

    /// The file `doc` is at: its version's latest attachment (with any approval signatures).
    fn current_file(&self, doc: &Document) -> Result<sahih_store::Attachment, AppError> {
        self.store
            .attachments(doc.id)?
            .into_iter()
            .rfind(|a| a.version == doc.version)
            .ok_or_else(|| AppError::Internal("document without attachment".into()))
    }

    /// The officer's signing key, certificate and the issuers a signature embeds (the
    /// configured chain and those stored with the certificate, each once), the key unlocked by `unlock`: the passphrase,
    /// and a current TOTP code for an officer who enrolled a second factor
    /// (`second_factor`). Wrong passphrases and codes are counted together: after
    /// [`super::MAX_FAILURES`] within 15 minutes the key is not tried for [`super::LOCKOUT`]
    /// (`passphrase_guard`; counted in the database, shared by every node). The code is checked
    /// first, so a wrong one tells nothing about the passphrase.
    ///
    /// Errors: `E_NO_SIGNING_KEY`, `E_CERTIFICATE_REVOKED`, `E_CERTIFICATE_EXPIRED`,
    /// `E_PASSPHRASE_LOCKED`, those of the second factor (`E_TOTP_NOT_ENROLLED`,
    /// `E_TOTP_REQUIRED`, `E_WRONG_TOTP`, `E_TOTP_REPLAYED`), `E_WRONG_PASSPHRASE`.
    pub(crate) fn unlock_key(
        &self,
        user: &User,
        unlock: &KeyUnlock<'_>,
    ) -> Result<UnlockedKey, AppError> {
        let now = sahih_store::now();
        self.passphrases.check(user.id, now)?;
        let (cert_pem, key_pem) = self
            .store
            .officer_credentials(user.id)?
            .ok_or(AppError::Forbidden("E_NO_SIGNING_KEY"))?;
        // Before the passphrase is tried: a revoked or expired certificate signs nothing.
        self.check_certificate_usable(&cert_pem)?;
        self.check_second_factor(user, unlock.totp, now)?;
        let opened = if key_pem.starts_with("pkcs11:") {
            // A key in a PKCS#11 token (RFC 7512 URI): the passphrase is the token's PIN.
            let module = self
                .pkcs11_module
                .as_deref()
                .ok_or(AppError::Forbidden("E_PKCS11_NOT_CONFIGURED"))?;
            SignerKey::from_pkcs11_uri(module, &key_pem, unlock.passphrase)
        } else {
            SignerKey::from_pem(&key_pem, Some(unlock.passphrase))
        };
        let key = match opened {
            Ok(key) => key,
            Err(sahih_signing::SigningError::WrongPassphrase) => {
                return Err(self.count_failure(
                    user,
                    now,
                    sahih_signing::SigningError::WrongPassphrase.into(),
                    "wrong key passphrase",
                ));
            }
            Err(e) => return Err(e.into()),
        };
        self.passphrases.succeeded(user.id)?;
        let mut stored = load_certificates_pem(&cert_pem)?.into_iter();
        let cert = stored
            .next()
            .ok_or(AppError::Forbidden("E_NO_SIGNING_KEY"))?;
        // The issuers stored with the certificate (an imported national CA's intermediate)
        // go into the signature with the configured chain, each once.
        let mut chain = self.config.chain.clone();
        for issuer in stored {
            if !chain.contains(&issuer) {
                chain.push(issuer);
            }
        }
        Ok((key, cert, chain))
    }

    /// Signs a document whose `Sign` command was decided, with an unlocked key.
    pub(super) fn sign_decided(
        &self,
        user: &User,
        key: &UnlockedKey,
        decided: Decided,
    ) -> Result<Document, AppError> {
        let ready = self.hash_decided(&key.0, decided)?;
        self.sign_ready(user, key, ready)
    }

    /// Reads the file a decided signature signs and hashes it (the ByteRange of the new
    /// signature begins with all of it): the part of signing that needs no transaction, so a
    /// batch runs it on every core.
    pub(super) fn hash_decided(
        &self,
        key: &SignerKey,
        decided: Decided,
    ) -> Result<ReadyToSign, AppError> {
        // The version the paraf was given on, and that the signer saw: never a later one.
        let latest = self.current_file(&decided.doc)?;
        let pdf = self.store.blobs().get(&latest.sha256)?;
        let hashed = self
            .pdf_gate
            .run(|| sahih_signing::prehash(&pdf, key))
            .map_err(|_| AppError::Busy)??;
        Ok(ReadyToSign {
            decided,
            pdf,
            hashed,
        })
    }

    /// Signs a document [`App::hash_decided`] prepared: in one transaction, the nomor surat,
    /// the signature (hashing only the update) and the record.
    pub(super) fn sign_ready(
        &self,
        user: &User,
        (key, cert, chain): &UnlockedKey,
        ready: ReadyToSign,
    ) -> Result<Document, AppError> {
        let ReadyToSign {
            decided:
                Decided {
                    doc,
                    service,
                    transition,
                    pending,
                    round,
                },
            pdf,
            hashed,
        } = ready;
        let agency = self.store.agency(doc.agency_id)?;
        let (agency_code, agency_name) = agency.map(|a| (a.code, a.name)).unwrap_or_default();
        let position = user.position.clone().unwrap_or_default();
        let acting = pending
            .as_ref()
            .and_then(|p| acting_note(p.acting_for.as_ref()));
        let office = match pending.and_then(|p| p.acting_for) {
            Some(grant) => grant.delegation.signature_reason(
                &service.name,
                grant.delegator_position.as_deref().unwrap_or_default(),
                &agency_name,
                &grant.delegator_name,
            ),
            None => format!("{} — {position}, {agency_name}", service.name),
        };
        let numbering = service.numbering.clone().map(|n| {
            sahih_store::NumberRequest::at(n, agency_code, service.code.clone(), sahih_store::now())
        });
        let verification_code = random_hex(super::VERIFICATION_CODE_BYTES)?;
        let signing_time = time::OffsetDateTime::now_utc();
        let specimen = self.specimen_draft(super::specimen::Signing {
            document: doc.id,
            pdf: &pdf,
            cert,
            name: &user.name,
            position: acting.as_deref().unwrap_or(&position),
            agency: &agency_name,
            verification_code: &verification_code,
            time: signing_time,
        })?;
        let revocation = self.revocation_source(matches!(
            self.config.timestamping.level,
            sahih_signing::Level::BLT | sahih_signing::Level::BLTA
        ))?;
        self.store.apply_signature(
            doc.id,
            user.id,
            &transition,
            doc.version,
            numbering,
            |number, blobs| {
                let reason = match number {
                    Some(n) => format!("Nomor {} — {office}", n.number),
                    None => office.clone(),
                };
                let visible = specimen
                    .as_ref()
                    .map(|s| s.finish(self, number.map(|n| n.number.as_str())))
                    .transpose()?;
                let mut options = SignatureOptions {
                    name: Some(user.name.clone()),
                    reason: Some(reason),
                    location: Some(self.config.city.clone()),
                    signing_time,
                    visible,
                    ..SignatureOptions::default()
                };
                let mut signed = Vec::with_capacity(pdf.len() + 64 * 1024);
                let mut long_term = self.config.timestamping.long_term();
                long_term.revocation = Some(&revocation);
                let sign = |options: &SignatureOptions, signed: &mut Vec<u8>| {
                    self.pdf_gate
                        .run(|| {
                            // The level's TSA (and for B-LT the CRLs) is asked here, inside
                            // the transaction: the signature value it stamps depends on the
                            // nomor surat allocated by it. A TSA that fails rolls it back.
                            sign_at_level(
                                &pdf,
                                Some(&hashed),
                                signed,
                                key,
                                cert,
                                chain,
                                options,
                                &long_term,
                            )
                        })
                        .map_err(|_| AppError::Busy)
                };
                match sign(&options, &mut signed)? {
                    // A page smaller than the configured position expects: the specimen moves
                    // inside it, keeping its size.
                    Err(SigningError::SpecimenOutsidePage { page_box, .. }) => {
                        options.visible = options
                            .visible
                            .as_ref()
                            .and_then(|v| super::specimen::moved_inside(v, page_box));
                        if options.visible.is_none() {
                            tracing::warn!(
                                "the page is smaller than the specimen: signed invisibly"
                            );
                        }
                        signed.clear();
                        sign(&options, &mut signed)??;
                    }
                    result => {
                        result?;
                    }
                }
                // Through the transaction's own connection: the pool's may all be taken by
                // signers waiting for this transaction's number.
                let sha = blobs.put(&signed)?;
                Ok::<_, AppError>(Change {
                    signed_sha256: Some(sha),
                    verification_code: Some(verification_code.clone()),
                    note: acting.clone(),
                    round: Some(round),
                    ..Change::default()
                })
            },
        )?;
        if let Err(e) = self.notify_committed(doc.id, &transition) {
            tracing::warn!(code = e.code(), "notices of a signature not sent");
        }
        self.store.document(doc.id)?.ok_or(AppError::NotFound)
    }
}
