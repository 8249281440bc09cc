//! Public verification (DESIGN.md decision 4): any visitor checks a PDF's signatures against
//! the trust anchors Sahih is configured with (its own CA and national roots), by upload, by a
//! signed document's verification code, or over the API. No login: nothing here reads anyone's
//! documents except through the unguessable code Sahih printed for that document.

use sahih_signing::verify::{Policy, Report, Unusable, signed_revision, verify};
use sahih_store::Document;
use sahih_store::log::leaf::VerificationSource;

use super::App;
use crate::AppError;

/// Random bytes in a verification code (160 bits), written as 40 lowercase hex digits.
pub const VERIFICATION_CODE_BYTES: usize = 20;

/// Whether `code` has the shape of a verification code (before any database lookup).
pub fn is_verification_code(code: &str) -> bool {
    code.len() == 2 * VERIFICATION_CODE_BYTES
        && code
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A checked upload: the report (or why the file cannot be checked at all), and whether its
/// signed revisions can be downloaded by the session that uploaded it.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The validation report, or why there is none.
    pub outcome: Result<Report, Unusable>,
    /// Whether the upload is in the cache (see [`App::cached_revision`]).
    pub cached: bool,
}

/// (revision number, signed length) of each signature that covers a revision end.
fn signed_revisions(report: &Report) -> Vec<(usize, u64)> {
    report
        .signatures
        .iter()
        .filter_map(|s| Some((s.revision?, s.signed_length?)))
        .collect()
}

/// The signed revision numbered `revision` (1-based, as in the report): the file prefix
/// `[0, b+c)` of the signature covering it.
fn signed_prefix<'a>(pdf: &'a [u8], report: &Report, revision: usize) -> Option<&'a [u8]> {
    let sig = report
        .signatures
        .iter()
        .find(|s| s.revision == Some(revision))?;
    signed_revision(pdf, report, &sig.field)
}

impl App {
    /// The validation policy: the configured trust anchors, validated now, with the verifier's
    /// default time budget.
    pub fn verification_policy(&self) -> Policy {
        Policy {
            trust_anchors: self.config.trust_anchors.clone(),
            // Sahih's own current CRL, so that its revocations count on the public page.
            crls: self
                .current_crl()
                .inspect_err(|e| {
                    if self.ca.is_some() {
                        tracing::warn!(error = %e, "the CRL could not be issued for verification");
                    }
                })
                .map(|crl| vec![crl])
                .unwrap_or_default(),
            // A public request may not hold a PDF place for long (the gate has two or so).
            time_limit: std::time::Duration::from_secs(20),
            ..Policy::default()
        }
    }

    /// Validates `pdf` behind the PDF gate (CPU- and memory-heavy: call it off the executor).
    /// Returns the report whatever its verdict, or why the file cannot be validated at all.
    pub fn verify_pdf(&self, pdf: &[u8]) -> Result<Report, Unusable> {
        let policy = self.verification_policy();
        self.pdf_gate
            .run(|| verify(pdf, &policy))
            .unwrap_or_else(|_| {
                Err(Unusable {
                    schema: sahih_signing::verify::REPORT_SCHEMA,
                    indication: "UNUSABLE",
                    code: "E_BUSY".into(),
                    reason: "the server is busy checking other documents; try again in a moment"
                        .into(),
                })
            })
    }

    /// Validates an upload of the verification page, records the request in the transparency
    /// log, and keeps the upload in the bounded cache for the session `owner` (SHA-256 of its
    /// token), so its signed revisions can be downloaded. A cache failure is logged and only
    /// costs the download links.
    ///
    /// Errors: `E_INTERNAL` when the log record cannot be committed.
    pub fn verify_upload(&self, pdf: &[u8], owner: &str) -> Result<Checked, AppError> {
        let outcome = self.verify_logged(pdf, VerificationSource::Page)?;
        let revisions = outcome.as_ref().map(signed_revisions).unwrap_or_default();
        let cached = match &outcome {
            Ok(report) if !revisions.is_empty() => self
                .verification_cache
                .put(&report.sha256, pdf, owner, revisions)
                .unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "verification cache: upload not kept");
                    false
                }),
            _ => false,
        };
        Ok(Checked { outcome, cached })
    }

    /// The signed revision `revision` of the upload whose SHA-256 is `sha256`, for the session
    /// `owner` that uploaded it.
    ///
    /// Errors: `E_VERIFICATION_EXPIRED` when the upload is no longer kept, was uploaded by
    /// another session, or has no signature covering that revision.
    pub fn cached_revision(
        &self,
        sha256: &str,
        revision: usize,
        owner: &str,
    ) -> Result<Vec<u8>, AppError> {
        self.verification_cache
            .revision(sha256, revision, owner)
            .map_err(|e| AppError::Internal(format!("verification cache: {e}")))?
            .ok_or(AppError::VerificationExpired)
    }

    /// The signed document with verification code `code`, and its signed PDF.
    ///
    /// Errors: `E_NOT_FOUND` for a code that is malformed or names no signed document.
    pub fn signed_by_code(&self, code: &str) -> Result<(Document, Vec<u8>), AppError> {
        if !is_verification_code(code) {
            return Err(AppError::NotFound);
        }
        let doc = self
            .store
            .document_by_verification_code(code)?
            .ok_or(AppError::NotFound)?;
        let sha = doc.signed_sha256.clone().ok_or(AppError::NotFound)?;
        let pdf = self.store.blobs().get(&sha)?;
        Ok((doc, pdf))
    }

    /// The report of the signed PDF with verification code `code`.
    ///
    /// Errors: those of [`App::signed_by_code`].
    pub fn verify_by_code(&self, code: &str) -> Result<Result<Report, Unusable>, AppError> {
        let (_, pdf) = self.signed_by_code(code)?;
        Ok(self.verify_pdf(&pdf))
    }

    /// The signed revision `revision` of the signed PDF with verification code `code`.
    ///
    /// Errors: those of [`App::signed_by_code`]; `E_NOT_FOUND` when no signature covers that
    /// revision.
    pub fn revision_by_code(&self, code: &str, revision: usize) -> Result<Vec<u8>, AppError> {
        let (_, pdf) = self.signed_by_code(code)?;
        let report = self.verify_pdf(&pdf).map_err(|_| AppError::NotFound)?;
        signed_prefix(&pdf, &report, revision)
            .map(<[u8]>::to_vec)
            .ok_or(AppError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verification_codes_are_40_lowercase_hex_digits() {
        assert!(is_verification_code(&"a1".repeat(20)));
        for bad in [
            "",
            "../etc",
            &"A1".repeat(20),
            &"a1".repeat(21),
            &"g1".repeat(20),
        ] {
            assert!(!is_verification_code(bad), "{bad}");
        }
    }
}
