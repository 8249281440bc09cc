//! An officer's key and certificate from a national CA, imported as a PKCS#12 file
//! (RFC 7292) on their key page: the key is checked against the certificate, the certificate
//! must be valid and allow signing, and the key is stored re-encrypted as PKCS#8 PBES2 (scrypt,
//! AES-256-CBC) under a new signing passphrase the officer chooses. The file and its password
//! are never stored.

use sahih_signing::{SignerKey, encrypt_pkcs8_pem};
use sahih_store::User;
use sahih_workflow::Role;

use super::{App, MIN_PASSWORD_CHARS};
use crate::AppError;

/// The largest PKCS#12 file taken, bytes (a key, a certificate and a chain are a few KiB).
pub const MAX_P12_BYTES: usize = 256 * 1024;

/// Refuses a new key passphrase (an imported key's, or the first one of a key Sahih's CA
/// issues) shorter than [`MIN_PASSWORD_CHARS`] characters once leading and trailing white
/// space is trimmed (ten spaces are no passphrase).
///
/// Errors: `E_PASSPHRASE_WEAK` (400).
pub(crate) fn check_new_passphrase(passphrase: &[u8]) -> Result<(), AppError> {
    let chars = std::str::from_utf8(passphrase).map_or(0, |p| p.trim().chars().count());
    if chars < MIN_PASSWORD_CHARS {
        return Err(AppError::bad_input(
            "E_PASSPHRASE_WEAK",
            format!("the key passphrase needs at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(())
}

impl App {
    /// Replaces `user`'s signing key and certificate with those of a PKCS#12 file, unlocked by
    /// `p12_password`; the key is stored encrypted under `new_passphrase` (at least
    /// [`MIN_PASSWORD_CHARS`] characters). Returns the certificate's subject.
    ///
    /// Errors: `E_WRONG_ROLE` (only verifiers and signers hold keys), `E_UPLOAD_TOO_LARGE`,
    /// `E_PASSPHRASE_WEAK`, and the import's refusals (422): `E_P12_WRONG_PASSWORD`,
    /// `E_P12_UNREADABLE`, `E_P12_NO_KEY`, `E_CERT_KEY_MISMATCH`, `E_CERT_EXPIRED`,
    /// `E_CERT_KEY_USAGE`, `E_KEY_UNUSABLE`.
    pub fn import_p12(
        &self,
        user: &User,
        p12: &[u8],
        p12_password: &[u8],
        new_passphrase: &[u8],
    ) -> Result<String, AppError> {
        if !matches!(user.role, Role::Verifier | Role::Signer) {
            return Err(AppError::Forbidden("E_WRONG_ROLE"));
        }
        if p12.len() > MAX_P12_BYTES {
            return Err(AppError::TooLarge {
                limit: MAX_P12_BYTES,
            });
        }
        check_new_passphrase(new_passphrase)?;
        let bundle = sahih_signing::p12::import(p12, p12_password, sahih_signing::p12::now())?;
        // The key must be one Sahih signs with (P-256, RSA, Ed25519).
        SignerKey::from_pkcs8_der(&bundle.key_pkcs8).map_err(|e| AppError::Unprocessable {
            code: "E_KEY_UNUSABLE",
            message: e.to_string(),
        })?;
        let key_pem = encrypt_pkcs8_pem(&bundle.key_pkcs8, new_passphrase)?;
        let cert_pem = bundle.certificates_pem()?;
        self.store
            .set_officer_credentials(user.id, &cert_pem, &key_pem)?;
        let subject = bundle.certificate.tbs_certificate().subject().to_string();
        tracing::info!(user = user.id.0, "signing key imported from PKCS#12");
        Ok(subject)
    }
}
