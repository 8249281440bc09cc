//! What the store's integration tests share: a fresh SQLite store per test, and users.
#![allow(dead_code)] // each test crate uses its own part

use sahih_store::{NewUser, Store};
use sahih_workflow::{AgencyId, Role, UserId};

/// A store on a new SQLite file and blob directory in a temporary directory (kept alive by the
/// returned guard).
pub fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("sahih.db").display());
    let store = Store::open(&url, &dir.path().join("blobs")).expect("open");
    (dir, store)
}

/// A user named after their login (in capitals), without a position.
pub fn user(store: &Store, login: &str, role: Role, agency: Option<AgencyId>) -> UserId {
    store
        .create_user(&NewUser {
            login: login.into(),
            name: login.to_uppercase(),
            email: None,
            password_hash: "$argon2id$fake".into(),
            role,
            agency_id: agency,
            position: None,
            cert_pem: None,
            key_pem: None,
        })
        .expect("user")
}
