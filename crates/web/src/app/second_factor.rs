//! The signing key's second factor (issue 6, key custody): an officer enrolls a TOTP
//! authenticator (RFC 6238) by QR code on their account page and confirms it with a code; from
//! then on every unlock of their key (one signature, a batch, an approval-signature paraf) asks
//! for the key passphrase and a current code. Wrong codes count toward the same lockout as
//! wrong passphrases (`passphrase_guard`); a code is accepted once (RFC 6238 §5.2). With
//! `[signing] require_totp = true` an officer who has not enrolled cannot sign
//! (`E_TOTP_NOT_ENROLLED`). An agency admin can reset an officer's second factor.

use std::fmt;

use sahih_store::User;
use sahih_workflow::{Role, UserId};
use zeroize::Zeroizing;

use super::App;
use crate::AppError;
use crate::totp::{SealKey, TotpSecret, qr_svg, unix_now};

/// How the second factor is set up on this instance.
#[derive(Debug, Clone)]
pub struct SecondFactorSettings {
    /// Whether an officer without a confirmed second factor is refused signing
    /// (`E_TOTP_NOT_ENROLLED`). `sahih serve`'s `[signing] require_totp`: true by default, false
    /// by default when serving the demo data; false in [`App::new`].
    pub require_totp: bool,
    /// The key that seals TOTP secrets at rest; `None`: enrollment is refused.
    pub seal_key: Option<SealKey>,
}

impl Default for SecondFactorSettings {
    /// Not required; sealed with a key that lasts as long as the process.
    fn default() -> Self {
        SecondFactorSettings {
            require_totp: false,
            seal_key: SealKey::ephemeral().ok(),
        }
    }
}

/// What unlocks an officer's signing key: the key passphrase and, for an officer who enrolled a
/// second factor, the current TOTP code. `Debug` shows neither.
#[derive(Clone, Copy)]
pub struct KeyUnlock<'a> {
    /// The key passphrase (PBES2, RFC 8018), or the PKCS#11 token's PIN.
    pub passphrase: &'a [u8],
    /// The 6-digit code of the officer's authenticator app, if given.
    pub totp: Option<&'a str>,
}

impl fmt::Debug for KeyUnlock<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyUnlock(redacted, totp: {})", self.totp.is_some())
    }
}

impl<'a> KeyUnlock<'a> {
    /// The passphrase alone (an officer without a second factor).
    pub fn passphrase(passphrase: &'a [u8]) -> KeyUnlock<'a> {
        KeyUnlock {
            passphrase,
            totp: None,
        }
    }

    /// The passphrase and a TOTP code; an empty code counts as none.
    pub fn with_totp(passphrase: &'a [u8], totp: &'a str) -> KeyUnlock<'a> {
        KeyUnlock {
            passphrase,
            totp: Some(totp).filter(|c| !c.trim().is_empty()),
        }
    }
}

/// What the enrollment page shows.
#[derive(Debug)]
pub enum Enrollment {
    /// The second factor is confirmed (since, Unix seconds).
    Enrolled {
        /// When it was confirmed.
        since: i64,
    },
    /// Enrolling: scan the QR code (or type the secret), then confirm with a code.
    Pending {
        /// The secret in base32 (RFC 4648), to type into an app that cannot scan.
        secret_base32: Zeroizing<String>,
        /// The QR code of the `otpauth://` URI, an inline `<svg>`.
        qr_svg: String,
    },
}

impl App {
    /// Sets how the second factor is set up (default: [`SecondFactorSettings::default`]).
    pub fn with_second_factor(mut self, settings: SecondFactorSettings) -> App {
        self.second_factor = std::sync::Arc::new(settings);
        self
    }

    /// Sets the PKCS#11 module (e.g. `/usr/lib/softhsm/libsofthsm2.so`) that opens officers'
    /// keys stored as a PKCS#11 URI (RFC 7512) instead of an encrypted PEM; their passphrase is
    /// the token's PIN.
    pub fn with_pkcs11_module(mut self, module: Option<std::path::PathBuf>) -> App {
        self.pkcs11_module = module.map(std::sync::Arc::from);
        self
    }

    /// The second-factor settings.
    pub fn second_factor_settings(&self) -> &SecondFactorSettings {
        &self.second_factor
    }

    fn seal_key(&self) -> Result<&SealKey, AppError> {
        self.second_factor
            .seal_key
            .as_ref()
            .ok_or_else(|| AppError::Internal("no second-factor key configured".into()))
    }

    /// The officer's enrollment: confirmed, or pending with a secret (a new one is made and
    /// stored sealed when none is pending).
    ///
    /// Errors: `E_WRONG_ROLE` for a citizen or an admin (they hold no signing key).
    pub fn second_factor_enrollment(&self, user: &User) -> Result<Enrollment, AppError> {
        if !matches!(user.role, Role::Verifier | Role::Signer) {
            return Err(AppError::Forbidden("E_WRONG_ROLE"));
        }
        let key = self.seal_key()?;
        let secret = match self.store.second_factor(user.id)? {
            Some(f) => match f.confirmed_at {
                Some(since) => return Ok(Enrollment::Enrolled { since }),
                None => key.open(user.id, &f.sealed_secret)?,
            },
            None => {
                let secret = TotpSecret::generate()?;
                self.store
                    .begin_second_factor(user.id, &key.seal(user.id, &secret)?)?;
                secret
            }
        };
        let issuer = format!("Sahih {}", self.config.city);
        let uri = secret.otpauth_uri(&issuer, &user.login);
        Ok(Enrollment::Pending {
            secret_base32: secret.to_base32(),
            qr_svg: qr_svg(&uri)?,
        })
    }

    /// Confirms the officer's pending second factor with a current code from their app.
    ///
    /// Errors: `E_WRONG_ROLE` for a citizen or an admin (they hold no signing key),
    /// `E_TOTP_NOT_PENDING` (409) when nothing is being enrolled (already confirmed, or the
    /// page was not opened), `E_WRONG_TOTP` for a wrong code.
    pub fn confirm_second_factor(&self, user: &User, code: &str) -> Result<(), AppError> {
        if !matches!(user.role, Role::Verifier | Role::Signer) {
            return Err(AppError::Forbidden("E_WRONG_ROLE"));
        }
        let not_pending = || AppError::Refused {
            code: "E_TOTP_NOT_PENDING",
            message: "no second factor is being enrolled: open the enrollment page".into(),
        };
        let factor = self.store.second_factor(user.id)?.ok_or_else(not_pending)?;
        if factor.confirmed_at.is_some() {
            return Err(not_pending());
        }
        let secret = self.seal_key()?.open(user.id, &factor.sealed_secret)?;
        let step = secret
            .matching_step(code, unix_now())
            .ok_or_else(wrong_totp)?;
        if !self.store.confirm_second_factor(user.id, step_i64(step)?)? {
            return Err(not_pending());
        }
        tracing::info!(user = user.id.0, "second factor enrolled");
        Ok(())
    }

    /// An agency admin removes an officer's second factor (a lost phone): the officer enrolls
    /// again before signing.
    ///
    /// Errors: those of [`App::admin_officers`]; `E_NOT_FOUND` for an officer of another
    /// agency.
    pub fn admin_reset_second_factor(&self, admin: &User, officer: UserId) -> Result<(), AppError> {
        if !self
            .admin_officers(admin)?
            .iter()
            .any(|o| o.user.id == officer)
        {
            return Err(AppError::NotFound);
        }
        self.store.delete_second_factor(officer)?;
        tracing::info!(
            admin = admin.id.0,
            officer = officer.0,
            "second factor reset"
        );
        Ok(())
    }

    /// Checks the second factor of an unlock: nothing to check for an officer without one
    /// (unless the instance requires it), else `code` must be a current code of theirs not used
    /// before. A wrong code is counted with the wrong passphrases.
    ///
    /// Errors: `E_TOTP_NOT_ENROLLED` (403), `E_TOTP_REQUIRED` (400), `E_WRONG_TOTP` (403),
    /// `E_PASSPHRASE_LOCKED` (429) when this wrong code locked the key, `E_TOTP_REPLAYED` (403).
    pub(super) fn check_second_factor(
        &self,
        user: &User,
        code: Option<&str>,
        now: i64,
    ) -> Result<(), AppError> {
        let factor = self
            .store
            .second_factor(user.id)?
            .filter(|f| f.confirmed_at.is_some());
        let Some(factor) = factor else {
            return if self.second_factor.require_totp {
                Err(AppError::Forbidden("E_TOTP_NOT_ENROLLED"))
            } else {
                Ok(())
            };
        };
        let code = code.ok_or_else(|| {
            AppError::bad_input(
                "E_TOTP_REQUIRED",
                "enter the 6-digit code of your authenticator app",
            )
        })?;
        let secret = self.seal_key()?.open(user.id, &factor.sealed_secret)?;
        let Some(step) = secret.matching_step(code, unix_now()) else {
            return Err(self.count_failure(user, now, wrong_totp(), "wrong TOTP code"));
        };
        if !self
            .store
            .use_second_factor_step(user.id, step_i64(step)?)?
        {
            tracing::warn!(user = user.id.0, "TOTP code replayed");
            return Err(AppError::Forbidden("E_TOTP_REPLAYED"));
        }
        Ok(())
    }

    /// Counts a wrong passphrase or code of `user` at `now` (Unix seconds): `error`, or
    /// `E_PASSPHRASE_LOCKED` when the key is locked after this one; `E_INTERNAL` when it could
    /// not be counted (the attempt is refused all the same).
    pub(super) fn count_failure(
        &self,
        user: &User,
        now: i64,
        error: AppError,
        what: &'static str,
    ) -> AppError {
        let locked = match self.passphrases.failed(user.id, now) {
            Ok(locked) => locked,
            Err(e) => {
                tracing::error!(user = user.id.0, error = %e, "{what}: not counted");
                return e.into();
            }
        };
        tracing::warn!(user = user.id.0, locked = locked.is_some(), "{what}");
        match locked {
            Some(retry_after) => AppError::PassphraseLocked { retry_after },
            None => error,
        }
    }
}

fn wrong_totp() -> AppError {
    AppError::Forbidden("E_WRONG_TOTP")
}

fn step_i64(step: u64) -> Result<i64, AppError> {
    i64::try_from(step).map_err(|e| AppError::Internal(e.to_string()))
}
