//! The register of Sahih's own CA: the officer certificates it issued (issue, renew), their
//! revocations, and the number of its CRLs (RFC 5280 §5.2.3). The certificates themselves are
//! made by `sahih_signing::ca`; this keeps what they are, whose, and whether they still count.

use diesel::prelude::*;
use sahih_workflow::UserId;

use crate::log::leaf::{CertificateLeaf, Leaf, LeafKind, Pseudonym};
use crate::schema::{certificates, crl_state, users};
use crate::{Store, StoreError};

/// A certificate the CA issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCertificate {
    /// Serial number's content octets, lowercase hex.
    pub serial: String,
    /// The officer it certifies.
    pub user_id: UserId,
    /// The certificate, PEM.
    pub cert_pem: String,
    /// Validity, Unix seconds.
    pub not_before: i64,
    /// Validity end, Unix seconds.
    pub not_after: i64,
    /// When it was recorded, Unix seconds.
    pub issued_at: i64,
    /// The admin who issued it; `None` for the command line.
    pub issued_by: Option<UserId>,
    /// When it was revoked, Unix seconds.
    pub revoked_at: Option<i64>,
    /// The RFC 5280 §5.3.1 CRLReason name, e.g. `keyCompromise`.
    pub reason: Option<String>,
    /// The admin who revoked it; `None` for the command line.
    pub revoked_by: Option<UserId>,
}

/// A certificate to record.
#[derive(Debug, Clone)]
pub struct NewCertificate<'a> {
    /// Serial, lowercase hex.
    pub serial: &'a str,
    /// The officer.
    pub user_id: UserId,
    /// The certificate, PEM.
    pub cert_pem: &'a str,
    /// Validity, Unix seconds.
    pub not_before: i64,
    /// Validity end, Unix seconds.
    pub not_after: i64,
    /// Who issued it; `None` for the command line.
    pub issued_by: Option<UserId>,
    /// A new key for the officer (`ENCRYPTED PRIVATE KEY` PEM) when one was made; `None`
    /// keeps their key (renewal re-certifies it).
    pub key_pem: Option<&'a str>,
    /// The certificate (PEM) the officer held when the CA decided to issue, `None` for none
    /// (no certificate or no key):
    /// recorded only if it is still theirs (a compare-and-set), so of concurrent issues for
    /// one officer exactly one is recorded.
    pub replaces: Option<&'a str>,
}

/// [`StoreError::Conflict`]'s `actual` when the officer's certificate changed since the CA
/// decided ([`NewCertificate::replaces`]).
pub const CREDENTIALS_CHANGED: &str = "credentials changed";

/// Writes the log leaf of a certificate event (`sahih-log-leaf/1`, [`CertificateLeaf`]).
fn log_certificate(
    c: &mut crate::DbConnection,
    kind: LeafKind,
    cert: (&str, UserId),
    actor: Option<UserId>,
    reason: Option<&str>,
    at: i64,
) -> Result<(), StoreError> {
    let salt = crate::log::salt(c)?;
    let leaf = Leaf::Certificate(CertificateLeaf {
        kind,
        time: at,
        officer: Pseudonym::actor(&salt, cert.1.0),
        actor: actor.map(|a| Pseudonym::actor(&salt, a.0)),
        serial: cert.0.to_string(),
        reason: reason.map(str::to_string),
    });
    crate::log::insert_leaf(c, None, &leaf, at)
}

type Row = (
    String,
    i64,
    String,
    i64,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
);

const COLUMNS: (
    certificates::serial,
    certificates::user_id,
    certificates::cert_pem,
    certificates::not_before,
    certificates::not_after,
    certificates::issued_at,
    certificates::issued_by,
    certificates::revoked_at,
    certificates::reason,
    certificates::revoked_by,
) = (
    certificates::serial,
    certificates::user_id,
    certificates::cert_pem,
    certificates::not_before,
    certificates::not_after,
    certificates::issued_at,
    certificates::issued_by,
    certificates::revoked_at,
    certificates::reason,
    certificates::revoked_by,
);

impl From<Row> for IssuedCertificate {
    fn from(r: Row) -> IssuedCertificate {
        IssuedCertificate {
            serial: r.0,
            user_id: UserId(r.1),
            cert_pem: r.2,
            not_before: r.3,
            not_after: r.4,
            issued_at: r.5,
            issued_by: r.6.map(UserId),
            revoked_at: r.7,
            reason: r.8,
            revoked_by: r.9.map(UserId),
        }
    }
}

impl Store {
    /// Records a certificate issued or renewed for an officer at `at`, makes it (and the new
    /// key, if any) the officer's signing credentials, and writes its log leaf
    /// (`certificate_issued` with a new key, else `certificate_renewed`), in one transaction.
    ///
    /// Errors: [`StoreError::NotFound`] for an unknown officer; [`StoreError::Conflict`]
    /// with [`CREDENTIALS_CHANGED`] when their certificate is no longer
    /// [`NewCertificate::replaces`]; [`StoreError::Db`] (a serial used twice is a unique
    /// violation).
    pub fn record_certificate(&self, new: &NewCertificate<'_>, at: i64) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            // One statement compares and sets: a concurrent issue that got there first changed
            // cert_pem, so this one updates nothing.
            let user = users::table.find(new.user_id.0);
            let no_credentials = users::cert_pem.is_null().or(users::key_pem.is_null());
            let updated = match (new.replaces, new.key_pem) {
                (Some(old), Some(key)) => diesel::update(user.filter(users::cert_pem.eq(old)))
                    .set((users::cert_pem.eq(new.cert_pem), users::key_pem.eq(key)))
                    .execute(c)?,
                (Some(old), None) => diesel::update(user.filter(users::cert_pem.eq(old)))
                    .set(users::cert_pem.eq(new.cert_pem))
                    .execute(c)?,
                (None, Some(key)) => diesel::update(user.filter(no_credentials))
                    .set((users::cert_pem.eq(new.cert_pem), users::key_pem.eq(key)))
                    .execute(c)?,
                (None, None) => diesel::update(user.filter(no_credentials))
                    .set(users::cert_pem.eq(new.cert_pem))
                    .execute(c)?,
            };
            if updated == 0 {
                let exists = users::table
                    .find(new.user_id.0)
                    .select(users::id)
                    .first::<i64>(c)
                    .optional()?;
                return Err(match exists {
                    None => StoreError::NotFound,
                    Some(_) => StoreError::Conflict {
                        actual: CREDENTIALS_CHANGED.into(),
                    },
                });
            }
            diesel::insert_into(certificates::table)
                .values((
                    certificates::serial.eq(new.serial),
                    certificates::user_id.eq(new.user_id.0),
                    certificates::cert_pem.eq(new.cert_pem),
                    certificates::not_before.eq(new.not_before),
                    certificates::not_after.eq(new.not_after),
                    certificates::issued_at.eq(at),
                    certificates::issued_by.eq(new.issued_by.map(|u| u.0)),
                ))
                .execute(c)?;
            let kind = match new.key_pem {
                Some(_) => LeafKind::CertificateIssued,
                None => LeafKind::CertificateRenewed,
            };
            log_certificate(c, kind, (new.serial, new.user_id), new.issued_by, None, at)
        })
        .inspect(|_| self.log_signal.notify())
    }

    /// The certificates issued, newest first; only `user`'s when given.
    pub fn certificates(&self, user: Option<UserId>) -> Result<Vec<IssuedCertificate>, StoreError> {
        let mut conn = self.conn()?;
        let mut query = certificates::table
            .select(COLUMNS)
            .order(certificates::id.desc())
            .into_boxed();
        if let Some(u) = user {
            query = query.filter(certificates::user_id.eq(u.0));
        }
        Ok(query
            .load::<Row>(&mut *conn)?
            .into_iter()
            .map(IssuedCertificate::from)
            .collect())
    }

    /// The certificate the CA issued last (the highest id), if any: a node checks at start
    /// that its certs directory holds the CA that issued it.
    ///
    /// Errors: [`StoreError`] on a database failure.
    pub fn newest_certificate(&self) -> Result<Option<IssuedCertificate>, StoreError> {
        let mut conn = self.conn()?;
        Ok(certificates::table
            .select(COLUMNS)
            .order(certificates::id.desc())
            .first::<Row>(&mut *conn)
            .optional()?
            .map(IssuedCertificate::from))
    }

    /// The certificate with serial `serial` (lowercase hex), if the CA issued it.
    pub fn certificate(&self, serial: &str) -> Result<Option<IssuedCertificate>, StoreError> {
        let mut conn = self.conn()?;
        Ok(certificates::table
            .filter(certificates::serial.eq(serial))
            .select(COLUMNS)
            .first::<Row>(&mut *conn)
            .optional()?
            .map(IssuedCertificate::from))
    }

    /// Revokes certificate `serial` at `at` (Unix seconds) for `reason` (a CRLReason name), by
    /// `by`, with its `certificate_revoked` log leaf, in one transaction; a compare-and-set: a
    /// revocation is final. `siblings` (serials of certificates of the same key, after a
    /// keyCompromise) are revoked in the same transaction with the same reason, each with its
    /// leaf; those revoked already are left as they are.
    ///
    /// Errors: [`StoreError::NotFound`] for a serial the CA did not issue,
    /// [`StoreError::Conflict`] (`actual` "revoked") when it was revoked already.
    pub fn revoke_certificate(
        &self,
        serial: &str,
        siblings: &[&str],
        reason: &str,
        by: Option<UserId>,
        at: i64,
    ) -> Result<IssuedCertificate, StoreError> {
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            let row = revoke_one(c, serial, reason, by, at)?;
            for sibling in siblings.iter().filter(|s| **s != serial) {
                match revoke_one(c, sibling, reason, by, at) {
                    Ok(_) | Err(StoreError::Conflict { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(row)
        })
        .inspect(|_| self.log_signal.notify())
    }

    /// The revoked certificates, oldest revocation first: what the CRL lists.
    pub fn revoked_certificates(&self) -> Result<Vec<IssuedCertificate>, StoreError> {
        let mut conn = self.conn()?;
        Ok(certificates::table
            .filter(certificates::revoked_at.is_not_null())
            .select(COLUMNS)
            .order((certificates::revoked_at.asc(), certificates::id.asc()))
            .load::<Row>(&mut *conn)?
            .into_iter()
            .map(IssuedCertificate::from)
            .collect())
    }

    /// The next CRL number (RFC 5280 §5.2.3): 1, 2, …, never given twice.
    pub fn next_crl_number(&self) -> Result<u64, StoreError> {
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            diesel::update(crl_state::table.find(1))
                .set(crl_state::crl_number.eq(crl_state::crl_number + 1))
                .execute(c)?;
            let n = crl_state::table
                .find(1)
                .select(crl_state::crl_number)
                .first::<i64>(c)?;
            u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("CRL number {n}")))
        })
    }
}

/// Revokes one certificate inside a transaction (see [`Store::revoke_certificate`]).
fn revoke_one(
    c: &mut crate::DbConnection,
    serial: &str,
    reason: &str,
    by: Option<UserId>,
    at: i64,
) -> Result<IssuedCertificate, StoreError> {
    let updated = diesel::update(
        certificates::table
            .filter(certificates::serial.eq(serial))
            .filter(certificates::revoked_at.is_null()),
    )
    .set((
        certificates::revoked_at.eq(at),
        certificates::reason.eq(reason),
        certificates::revoked_by.eq(by.map(|u| u.0)),
    ))
    .execute(c)?;
    let row: IssuedCertificate = certificates::table
        .filter(certificates::serial.eq(serial))
        .select(COLUMNS)
        .first::<Row>(c)
        .optional()?
        .ok_or(StoreError::NotFound)?
        .into();
    if updated == 0 {
        return Err(StoreError::Conflict {
            actual: "revoked".into(),
        });
    }
    log_certificate(
        c,
        LeafKind::CertificateRevoked,
        (serial, row.user_id),
        by,
        Some(reason),
        at,
    )?;
    Ok(row)
}

#[cfg(test)]
mod tests;
