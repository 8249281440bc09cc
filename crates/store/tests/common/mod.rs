//! What the store's integration tests share: a fresh database per test (a SQLite file, or a
//! PostgreSQL database when `TEST_DATABASE_URL` is set), and users.
#![allow(dead_code)] // each test crate uses its own part

use sahih_store::testing::TestDatabase;
use sahih_store::{NewUser, Store};
use sahih_workflow::{AgencyId, Role, UserId};

/// What keeps a test's database alive: its temporary directory (the SQLite file, the blob
/// files) and, on PostgreSQL, the database, dropped with the guard. Keep it as long as any
/// `Store` on it (declare it after the store in a struct, so that the store closes first).
pub struct Guard {
    /// The temporary directory.
    pub dir: tempfile::TempDir,
    /// The database; `db.url` opens another `Store` on it (a second node).
    pub db: TestDatabase,
}

impl Guard {
    /// A fresh database, its SQLite file (if any) in a new temporary directory.
    pub fn new() -> Guard {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = TestDatabase::new(dir.path());
        Guard { dir, db }
    }

    /// Opens (and migrates) a `Store` on this guard's database, blob files under `blobs/`.
    pub fn open(&self) -> Store {
        Store::open(&self.db.url, &self.dir.path().join("blobs")).expect("open")
    }
}

/// A store on a fresh database (see [`Guard`]).
pub fn store() -> (Guard, Store) {
    let guard = Guard::new();
    let store = guard.open();
    (guard, store)
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
