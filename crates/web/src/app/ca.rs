//! Sahih's own CA in the service: officer certificates issued, renewed and revoked by the
//! agency admin (or `sahih keys`), the CRL published at `/pki/crl` (RFC 5280 §5), and signing
//! refused with a revoked or expired certificate.
//!
//! Issue makes a new key, encrypted under a first key passphrase the admin hands to the
//! officer (as with a first password), and certifies it. Renew certifies the officer's current
//! public key again under a new serial: the admin never knows the officer's passphrase, so the
//! key stays where it is. After a keyCompromise revocation only issue (a new key) is allowed.

use std::sync::Mutex;

use sahih_signing::ca::{
    Ca, CaUrls, DEFAULT_VALIDITY_DAYS, OfficerPublicKey, OfficerSubject, RevocationReason, Revoked,
    Validity, new_officer_key, serial_of_pem, spki_of_pem, validity_of_pem,
};
use sahih_store::{CREDENTIALS_CHANGED, IssuedCertificate, NewCertificate, StoreError, User, now};
use sahih_workflow::UserId;
use time::OffsetDateTime;

use super::App;
use crate::AppError;

/// A CRL is issued again at least this often, seconds, even when nothing was revoked.
const CRL_REISSUE_SECS: i64 = 3600;

/// The CA, the URLs it writes into certificates, and the latest CRL it issued.
pub(crate) struct CaService {
    ca: Ca,
    urls: CaUrls,
    crl: Mutex<Option<CachedCrl>>,
}

impl std::fmt::Debug for CaService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaService")
            .field("urls", &self.urls)
            .finish()
    }
}

/// A CRL as issued, and the revocations it lists (to know when it is out of date).
struct CachedCrl {
    der: Vec<u8>,
    issued_at: i64,
    lists: Vec<(String, i64)>,
}

impl CaService {
    pub(crate) fn new(ca: Ca, urls: CaUrls) -> CaService {
        CaService {
            ca,
            urls,
            crl: Mutex::new(None),
        }
    }
}

fn certificate_active() -> AppError {
    AppError::Refused {
        code: "E_CERTIFICATE_ACTIVE",
        message: "the officer's certificate is still valid: renew or revoke it first".into(),
    }
}

/// Where a certificate stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateStatus {
    /// Within its validity and not revoked.
    Valid,
    /// Revoked.
    Revoked,
    /// Past its notAfter (or before its notBefore).
    Expired,
}

impl CertificateStatus {
    /// `valid`, `revoked` or `expired`: the i18n key's suffix.
    pub fn as_str(self) -> &'static str {
        match self {
            CertificateStatus::Valid => "valid",
            CertificateStatus::Revoked => "revoked",
            CertificateStatus::Expired => "expired",
        }
    }
}

/// One certificate of an officer, as the admin page lists it.
#[derive(Debug, Clone)]
pub struct CertificateRow {
    /// The register's record.
    pub cert: IssuedCertificate,
    /// Where it stands now.
    pub status: CertificateStatus,
    /// Whether it is the one the officer signs with.
    pub current: bool,
}

/// Unix seconds as RFC 3339 UTC.
fn when(secs: i64) -> String {
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| secs.to_string())
}

fn status_of(c: &IssuedCertificate, at: i64) -> CertificateStatus {
    if c.revoked_at.is_some() {
        CertificateStatus::Revoked
    } else if at < c.not_before || at > c.not_after {
        CertificateStatus::Expired
    } else {
        CertificateStatus::Valid
    }
}

/// Revocation data for a B-LT DSS (ETSI EN 319 142-1 §5.4.2): for the certificates Sahih's own
/// CA issued, its current CRL straight from the register (no HTTP round trip to itself, and
/// right even before `public_url` resolves); for the others, the configured source
/// (`Timestamping::revocation`, by default each certificate's CRL distribution point).
///
/// The own CRL is taken when the source is made, before the signing transaction opens: issuing
/// it writes the CRL number, which SQLite's single writer could not do inside that transaction.
pub(crate) struct OwnCrlFirst<'a> {
    app: &'a App,
    own: Option<(sahih_signing::Certificate, Vec<u8>)>,
}

impl sahih_signing::RevocationSource for OwnCrlFirst<'_> {
    fn crls(
        &self,
        certs: &[sahih_signing::Certificate],
    ) -> Result<Vec<Vec<u8>>, sahih_signing::SigningError> {
        let others = &*self.app.config.timestamping.revocation;
        let Some((ca, own)) = &self.own else {
            return others.crls(certs);
        };
        let (ours, theirs): (Vec<_>, Vec<_>) = certs
            .iter()
            .cloned()
            .partition(|c| c.tbs_certificate().issuer() == ca.tbs_certificate().subject());
        let mut crls = if theirs.is_empty() {
            Vec::new()
        } else {
            others.crls(&theirs)?
        };
        if !ours.is_empty() {
            crls.push(own.clone());
        }
        Ok(crls)
    }
}

impl App {
    /// Where the CRLs of a B-LT DSS come from: [`OwnCrlFirst`]. Call it outside any store
    /// transaction.
    ///
    /// `needs_crls`: whether a DSS will be written (B-LT and up, re-timestamping); without one
    /// no CRL is issued.
    ///
    /// Errors: those of [`App::current_crl`] when CRLs are needed and a CA is configured.
    pub(crate) fn revocation_source(&self, needs_crls: bool) -> Result<OwnCrlFirst<'_>, AppError> {
        let own = match self.own_ca_certificate() {
            Some(ca) if needs_crls => Some((ca, self.current_crl()?)),
            _ => None,
        };
        Ok(OwnCrlFirst { app: self, own })
    }

    /// The certificate of Sahih's own CA, when one is configured.
    fn own_ca_certificate(&self) -> Option<sahih_signing::Certificate> {
        let pem = self.ca_certificate_pem()?;
        sahih_signing::load_certificates_pem(&pem)
            .ok()?
            .into_iter()
            .next()
    }

    fn ca_service(&self) -> Result<&CaService, AppError> {
        self.ca.as_deref().ok_or(AppError::Forbidden("E_NO_CA"))
    }

    /// The CA certificate, PEM, when a CA is configured.
    pub fn ca_certificate_pem(&self) -> Option<String> {
        self.ca.as_ref().map(|s| s.ca.certificate_pem().to_string())
    }

    /// The CA's current CRL, DER (RFC 5280 §5.1): issued again, with the next CRL number, when
    /// the revocations changed or the last one is an hour old; otherwise the last one.
    ///
    /// Errors: `E_NO_CA`; store and signing failures.
    pub fn current_crl(&self) -> Result<Vec<u8>, AppError> {
        let service = self.ca_service()?;
        let revoked = self.store.revoked_certificates()?;
        let lists: Vec<(String, i64)> = revoked
            .iter()
            .map(|c| (c.serial.clone(), c.revoked_at.unwrap_or_default()))
            .collect();
        let at = now();
        let mut cache = service
            .crl
            .lock()
            .map_err(|_| AppError::Internal("CRL cache poisoned".into()))?;
        if let Some(c) = cache.as_ref()
            && c.lists == lists
            && at - c.issued_at < CRL_REISSUE_SECS
        {
            return Ok(c.der.clone());
        }
        let entries: Vec<Revoked> = revoked
            .iter()
            .map(|c| Revoked {
                serial_hex: c.serial.clone(),
                revoked_at: c.revoked_at.unwrap_or_default(),
                reason: c
                    .reason
                    .as_deref()
                    .and_then(RevocationReason::parse)
                    .unwrap_or(RevocationReason::Unspecified),
            })
            .collect();
        let number = self.store.next_crl_number()?;
        let this_update = OffsetDateTime::from_unix_timestamp(at)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let der = service.ca.crl(&entries, number, this_update)?;
        *cache = Some(CachedCrl {
            der: der.clone(),
            issued_at: at,
            lists,
        });
        Ok(der)
    }

    /// Refuses a certificate the CA revoked, or one outside its validity now.
    ///
    /// Errors: `E_CERTIFICATE_REVOKED`, `E_CERTIFICATE_EXPIRED` (409).
    pub(crate) fn check_certificate_usable(&self, cert_pem: &str) -> Result<(), AppError> {
        let serial = serial_of_pem(cert_pem)?;
        if let Some(c) = self.store.certificate(&serial)?
            && let Some(at) = c.revoked_at
        {
            let reason = c.reason.unwrap_or_else(|| "unspecified".into());
            return Err(AppError::Refused {
                code: "E_CERTIFICATE_REVOKED",
                message: format!(
                    "your certificate {serial} was revoked ({reason}) at {}: it cannot sign",
                    when(at)
                ),
            });
        }
        let (from, to) = validity_of_pem(cert_pem)?;
        let at = now();
        if at < from || at > to {
            return Err(AppError::Refused {
                code: "E_CERTIFICATE_EXPIRED",
                message: format!(
                    "your certificate {serial} is valid from {} to {}, not now",
                    when(from),
                    when(to)
                ),
            });
        }
        Ok(())
    }

    /// The certificates the CA issued to `officer`, newest first.
    pub fn certificate_rows(&self, officer: UserId) -> Result<Vec<CertificateRow>, AppError> {
        let current = self
            .store
            .officer_credentials(officer)?
            .map(|(cert, _)| cert);
        let at = now();
        Ok(self
            .store
            .certificates(Some(officer))?
            .into_iter()
            .map(|c| CertificateRow {
                status: status_of(&c, at),
                current: current.as_deref() == Some(c.cert_pem.as_str()),
                cert: c,
            })
            .collect())
    }

    fn subject_of(&self, officer: &User) -> Result<OfficerSubject, AppError> {
        let agency = match officer.agency_id {
            Some(id) => self.store.agency(id)?.map(|a| a.name).unwrap_or_default(),
            None => String::new(),
        };
        Ok(OfficerSubject {
            name: officer.name.clone(),
            position: officer.position.clone().unwrap_or_default(),
            agency,
        })
    }

    /// Issues `officer` a new P-256 key, encrypted under `passphrase` (at least
    /// [`super::MIN_PASSWORD_CHARS`] characters besides leading and trailing spaces), and a
    /// certificate for it, made their signing credentials; `by` is the admin (`None`: the
    /// command line). Returns the serial.
    ///
    /// Errors: `E_NO_CA`, `E_PASSPHRASE_WEAK`, `E_CERTIFICATE_ACTIVE` when the certificate
    /// they sign with now is valid, whoever issued it (Sahih's CA, a national CA whose
    /// PKCS#12 they imported, `keys dev-init`): renew or revoke it first, or wait until it
    /// expires. Of concurrent issues for one officer exactly one is recorded; the others are
    /// `E_CERTIFICATE_ACTIVE` too.
    pub fn issue_certificate(
        &self,
        officer: &User,
        passphrase: &str,
        by: Option<UserId>,
    ) -> Result<String, AppError> {
        let service = self.ca_service()?;
        super::key_import::check_new_passphrase(passphrase.as_bytes())?;
        let current = self
            .store
            .officer_credentials(officer.id)?
            .map(|(cert, _)| cert);
        if let Some(cert) = &current
            && self.check_certificate_usable(cert).is_ok()
        {
            return Err(certificate_active());
        }
        let (public, key_pem) = new_officer_key(passphrase.as_bytes())?;
        let key_pem = Some(key_pem.as_str());
        self.certify(service, officer, &public, (key_pem, current.as_deref()), by)
            .map_err(|e| match e {
                AppError::Store(StoreError::Conflict { actual })
                    if actual == CREDENTIALS_CHANGED =>
                {
                    certificate_active()
                }
                e => e,
            })
    }

    /// Renews `officer`'s certificate: their current public key certified again under a new
    /// serial, valid [`DEFAULT_VALIDITY_DAYS`] days from now. Returns the new serial.
    ///
    /// Errors: `E_NO_CA`, `E_NO_SIGNING_KEY`, `E_CERTIFICATE_NOT_OURS` when the current
    /// certificate is not one Sahih's CA issued them (an imported national certificate is
    /// renewed by its own CA), `E_KEY_COMPROMISED` when any certificate of the key was revoked
    /// for keyCompromise (issue a new key instead), `E_CONFLICT` when the certificate changed
    /// meanwhile.
    pub fn renew_certificate(
        &self,
        officer: &User,
        by: Option<UserId>,
    ) -> Result<String, AppError> {
        let service = self.ca_service()?;
        let (cert_pem, _) = self
            .store
            .officer_credentials(officer.id)?
            .ok_or(AppError::Forbidden("E_NO_SIGNING_KEY"))?;
        let ours = self
            .store
            .certificate(&serial_of_pem(&cert_pem)?)?
            .is_some_and(|c| c.user_id == officer.id && c.cert_pem == cert_pem);
        if !ours {
            return Err(AppError::Refused {
                code: "E_CERTIFICATE_NOT_OURS",
                message: "the officer's certificate was not issued by Sahih's CA (an imported \
                          certificate): its own CA renews it"
                    .into(),
            });
        }
        let spki = spki_of_pem(&cert_pem)?;
        let compromised = self
            .certificates_of_key(&spki)?
            .iter()
            .any(|c| c.reason.as_deref() == Some(RevocationReason::KeyCompromise.as_str()));
        if compromised {
            return Err(AppError::Refused {
                code: "E_KEY_COMPROMISED",
                message: "the key was revoked as compromised: issue a new key".into(),
            });
        }
        let public = OfficerPublicKey::of_certificate_pem(&cert_pem)?;
        self.certify(service, officer, &public, (None, Some(&cert_pem)), by)
    }

    /// The certificates in the register whose public key (SubjectPublicKeyInfo DER) is `spki`.
    fn certificates_of_key(&self, spki: &[u8]) -> Result<Vec<IssuedCertificate>, AppError> {
        Ok(self
            .store
            .certificates(None)?
            .into_iter()
            .filter(|c| spki_of_pem(&c.cert_pem).is_ok_and(|k| k == spki))
            .collect())
    }

    /// Certifies `public` for `officer`; `key` is the new key's PEM (issue) or `None`
    /// (renewal), and the certificate it replaces (the compare-and-set of the record).
    fn certify(
        &self,
        service: &CaService,
        officer: &User,
        public: &OfficerPublicKey,
        (key_pem, replaces): (Option<&str>, Option<&str>),
        by: Option<UserId>,
    ) -> Result<String, AppError> {
        let subject = self.subject_of(officer)?;
        let issued = service.ca.issue(
            &subject,
            public,
            &Validity::days_from_now(DEFAULT_VALIDITY_DAYS),
            &service.urls,
        )?;
        self.store.record_certificate(
            &NewCertificate {
                serial: &issued.serial_hex,
                user_id: officer.id,
                cert_pem: &issued.pem,
                not_before: issued.not_before,
                not_after: issued.not_after,
                issued_by: by,
                key_pem,
                replaces,
            },
            now(),
        )?;
        tracing::info!(user = officer.id.0, serial = %issued.serial_hex, "certificate issued");
        Ok(issued.serial_hex)
    }

    /// Revokes certificate `serial` of `officer` now for `reason`; the next CRL lists it. For
    /// keyCompromise every certificate of the same key (renewals re-certify it) is revoked
    /// with it, in one transaction.
    ///
    /// Errors: `E_NOT_FOUND` for a serial that is not theirs, `E_ALREADY_REVOKED` when it was
    /// revoked already.
    pub fn revoke_certificate(
        &self,
        officer: &User,
        serial: &str,
        reason: RevocationReason,
        by: Option<UserId>,
    ) -> Result<(), AppError> {
        let serial = serial.trim().to_ascii_lowercase();
        let theirs = self
            .store
            .certificate(&serial)?
            .filter(|c| c.user_id == officer.id);
        let Some(cert) = theirs else {
            return Err(AppError::NotFound);
        };
        let siblings = if reason == RevocationReason::KeyCompromise {
            self.certificates_of_key(&spki_of_pem(&cert.cert_pem)?)?
                .into_iter()
                .map(|c| c.serial)
                .collect()
        } else {
            Vec::new()
        };
        let siblings: Vec<&str> = siblings.iter().map(String::as_str).collect();
        self.store
            .revoke_certificate(&serial, &siblings, reason.as_str(), by, now())
            .map_err(|e| match e {
                StoreError::Conflict { .. } => AppError::Refused {
                    code: "E_ALREADY_REVOKED",
                    message: format!("certificate {serial} was revoked already"),
                },
                e => e.into(),
            })?;
        tracing::info!(user = officer.id.0, serial = %serial, reason = reason.as_str(), "certificate revoked");
        Ok(())
    }

    /// An officer of the admin's agency. Errors: as [`App::admin_officers`], `E_NOT_FOUND`.
    fn admin_officer(&self, admin: &User, officer: UserId) -> Result<User, AppError> {
        self.admin_officers(admin)?
            .into_iter()
            .find(|o| o.user.id == officer)
            .map(|o| o.user)
            .ok_or(AppError::NotFound)
    }

    /// [`App::issue_certificate`] by an agency admin for an officer of their agency.
    ///
    /// Errors: `E_WRONG_ROLE`, `E_NOT_FOUND`, and those of [`App::issue_certificate`].
    pub fn admin_issue_certificate(
        &self,
        admin: &User,
        officer: UserId,
        passphrase: &str,
    ) -> Result<String, AppError> {
        let officer = self.admin_officer(admin, officer)?;
        self.issue_certificate(&officer, passphrase, Some(admin.id))
    }

    /// [`App::renew_certificate`] by an agency admin. Errors: as [`App::admin_issue_certificate`].
    pub fn admin_renew_certificate(
        &self,
        admin: &User,
        officer: UserId,
    ) -> Result<String, AppError> {
        let officer = self.admin_officer(admin, officer)?;
        self.renew_certificate(&officer, Some(admin.id))
    }

    /// [`App::revoke_certificate`] by an agency admin. Errors: as [`App::admin_issue_certificate`].
    pub fn admin_revoke_certificate(
        &self,
        admin: &User,
        officer: UserId,
        serial: &str,
        reason: RevocationReason,
    ) -> Result<(), AppError> {
        let officer = self.admin_officer(admin, officer)?;
        self.revoke_certificate(&officer, serial, reason, Some(admin.id))
    }
}

#[cfg(test)]
mod tests {
    use sahih_signing::ca::{Ca, CaUrls, OfficerSubject, Validity, new_officer_key};
    use time::{Duration, OffsetDateTime};

    use crate::test_support::state;

    #[test]
    fn an_expired_certificate_is_refused_and_a_valid_one_is_not() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ca = Ca::load_or_create(&dir.path().join("ca")).expect("ca");
        let (public, _) = new_officer_key(b"frasa-sandi-pertama").expect("key");
        let subject = OfficerSubject {
            name: "Rina".into(),
            position: "Kepala Dinas".into(),
            agency: "DPMPTSP".into(),
        };
        let urls = CaUrls::under("https://sahih.kota.example");
        let now = OffsetDateTime::now_utc();
        let expired = ca
            .issue(
                &subject,
                &public,
                &Validity {
                    not_before: now - Duration::days(30),
                    not_after: now - Duration::days(1),
                },
                &urls,
            )
            .expect("issue");
        let valid = ca
            .issue(&subject, &public, &Validity::days_from_now(30), &urls)
            .expect("issue");
        let (_db, state) = state(dir.path());
        let app = state.app.clone().with_ca(ca, urls);
        let e = app
            .check_certificate_usable(&expired.pem)
            .expect_err("expired");
        assert_eq!(e.code(), "E_CERTIFICATE_EXPIRED");
        assert!(app.check_certificate_usable(&valid.pem).is_ok());
    }
}
