//! Reading: services, documents and their files, for the users allowed to see them.

use sahih_store::{Attachment, Document, Service, User};
use sahih_workflow::Role;

use super::{App, DocumentView};
use crate::AppError;

impl App {
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

    /// Loads a document that `user` may see: its applicant, an officer of its agency, or an
    /// officer of an agency that a step of its route names (e.g. the finance agency's head on
    /// a budget document), or an officer who received a disposisi of it.
    ///
    /// Errors: `E_NOT_FOUND` for citizens asking for another's document (its existence is not
    /// revealed), `E_NOT_YOUR_AGENCY` for officers of other agencies.
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
            _ => {
                let service = self.store.service(doc.service_id)?;
                if service.is_some_and(|s| self.takes_part(user, doc.agency_id, &s))
                    || self.store.is_disposition_recipient(doc.id, user.id)?
                {
                    Ok(doc)
                } else {
                    Err(AppError::Forbidden("E_NOT_YOUR_AGENCY"))
                }
            }
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
