//! Officers' TOTP second factors (RFC 6238) and the replacement of an officer's key and
//! certificate (a PKCS#12 import). The secret is stored sealed by the web layer; this module
//! never sees it in clear.

use diesel::prelude::*;
use sahih_workflow::UserId;

use crate::schema::{second_factors, users};
use crate::{Store, StoreError, now};

/// An officer's second factor as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondFactor {
    /// The TOTP secret, sealed (AES-256-GCM) by the web layer.
    pub sealed_secret: String,
    /// When the officer confirmed it with a code (Unix seconds); `None` while enrolling.
    pub confirmed_at: Option<i64>,
    /// The last TOTP step accepted (Unix time / 30 s).
    pub last_step: i64,
}

impl Store {
    /// `user`'s second factor, confirmed or being enrolled.
    ///
    /// Errors: [`StoreError`] on a database failure.
    pub fn second_factor(&self, user: UserId) -> Result<Option<SecondFactor>, StoreError> {
        let mut conn = self.conn()?;
        let row = second_factors::table
            .find(user.0)
            .select((
                second_factors::sealed_secret,
                second_factors::confirmed_at,
                second_factors::last_step,
            ))
            .first::<(String, Option<i64>, i64)>(&mut *conn)
            .optional()?;
        Ok(
            row.map(|(sealed_secret, confirmed_at, last_step)| SecondFactor {
                sealed_secret,
                confirmed_at,
                last_step,
            }),
        )
    }

    /// One confirmed second factor, its officer and sealed secret (the lowest officer id), if
    /// any: a node checks at start that its second-factor key opens it.
    ///
    /// Errors: [`StoreError`] on a database failure.
    pub fn any_confirmed_second_factor(&self) -> Result<Option<(UserId, String)>, StoreError> {
        let mut conn = self.conn()?;
        Ok(second_factors::table
            .filter(second_factors::confirmed_at.is_not_null())
            .order(second_factors::user_id.asc())
            .select((second_factors::user_id, second_factors::sealed_secret))
            .first::<(i64, String)>(&mut *conn)
            .optional()?
            .map(|(user, sealed)| (UserId(user), sealed)))
    }

    /// Starts enrolling `user` with `sealed_secret`, replacing an unconfirmed one; a confirmed
    /// second factor is left as it is (an admin resets it first).
    ///
    /// Errors: [`StoreError::Conflict`] when `user` already has a confirmed second factor.
    pub fn begin_second_factor(&self, user: UserId, sealed_secret: &str) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            let confirmed = second_factors::table
                .find(user.0)
                .select(second_factors::confirmed_at)
                .first::<Option<i64>>(c)
                .optional()?;
            if let Some(Some(_)) = confirmed {
                return Err(StoreError::Conflict {
                    actual: "second factor already enrolled".into(),
                });
            }
            diesel::delete(second_factors::table.find(user.0)).execute(c)?;
            diesel::insert_into(second_factors::table)
                .values((
                    second_factors::user_id.eq(user.0),
                    second_factors::sealed_secret.eq(sealed_secret),
                    second_factors::created_at.eq(now()),
                    second_factors::last_step.eq(0),
                ))
                .execute(c)?;
            Ok(())
        })
    }

    /// Confirms `user`'s second factor being enrolled, with the step of the code they gave as
    /// the first one used; `false` when there was nothing to confirm.
    ///
    /// Errors: [`StoreError`] on a database failure.
    pub fn confirm_second_factor(&self, user: UserId, step: i64) -> Result<bool, StoreError> {
        let mut conn = self.conn()?;
        let n = diesel::update(
            second_factors::table
                .find(user.0)
                .filter(second_factors::confirmed_at.is_null()),
        )
        .set((
            second_factors::confirmed_at.eq(now()),
            second_factors::last_step.eq(step),
        ))
        .execute(&mut *conn)?;
        Ok(n == 1)
    }

    /// Records that `user` used the code of `step`, if no code of this step or a later one was
    /// used before (one conditional UPDATE, so two nodes cannot both accept a code): `false`
    /// for a replayed code (RFC 6238 §5.2).
    ///
    /// Errors: [`StoreError`] on a database failure.
    pub fn use_second_factor_step(&self, user: UserId, step: i64) -> Result<bool, StoreError> {
        let mut conn = self.conn()?;
        let n = diesel::update(
            second_factors::table
                .find(user.0)
                .filter(second_factors::confirmed_at.is_not_null())
                .filter(second_factors::last_step.lt(step)),
        )
        .set(second_factors::last_step.eq(step))
        .execute(&mut *conn)?;
        Ok(n == 1)
    }

    /// Removes `user`'s second factor (an admin's reset): they enroll again; `false` when they
    /// had none.
    ///
    /// Errors: [`StoreError`] on a database failure.
    pub fn delete_second_factor(&self, user: UserId) -> Result<bool, StoreError> {
        let mut conn = self.conn()?;
        let n = diesel::delete(second_factors::table.find(user.0)).execute(&mut *conn)?;
        Ok(n == 1)
    }

    /// Replaces an officer's certificate chain and encrypted key (PEM), e.g. after a PKCS#12
    /// import.
    ///
    /// Errors: [`StoreError::NotFound`] for an unknown user.
    pub fn set_officer_credentials(
        &self,
        user: UserId,
        cert_pem: &str,
        key_pem: &str,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        let n = diesel::update(users::table.find(user.0))
            .set((users::cert_pem.eq(cert_pem), users::key_pem.eq(key_pem)))
            .execute(&mut *conn)?;
        if n != 1 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NewUser;

    /// A store on a fresh database with one officer; the directory and the database's guard
    /// must live as long as the store.
    fn store_with_officer() -> (
        (tempfile::TempDir, crate::testing::TestDatabase),
        Store,
        UserId,
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = crate::testing::TestDatabase::new(dir.path());
        let store = Store::open(&db.url, &dir.path().join("blobs")).expect("store");
        let id = store
            .create_user(&NewUser {
                login: "kadis".into(),
                name: "Kadis".into(),
                email: None,
                password_hash: "x".into(),
                role: sahih_workflow::Role::Signer,
                agency_id: None,
                position: None,
                cert_pem: None,
                key_pem: None,
            })
            .expect("user");
        ((dir, db), store, id)
    }

    #[test]
    fn a_step_is_used_once_and_only_after_confirmation() {
        let (_dir, store, id) = store_with_officer();
        store.begin_second_factor(id, "v1:aa").expect("begin");
        assert!(
            !store.use_second_factor_step(id, 10).expect("db"),
            "unconfirmed"
        );
        assert!(store.confirm_second_factor(id, 10).expect("confirm"));
        assert!(
            store.begin_second_factor(id, "v1:bb").is_err(),
            "a confirmed factor is not replaced"
        );
        assert!(!store.use_second_factor_step(id, 10).expect("db"), "replay");
        assert!(store.use_second_factor_step(id, 11).expect("db"));
        assert!(!store.use_second_factor_step(id, 11).expect("db"), "replay");
        assert!(!store.use_second_factor_step(id, 9).expect("db"), "older");
        assert!(store.delete_second_factor(id).expect("reset"));
        assert_eq!(store.second_factor(id).expect("db"), None);
    }
}
