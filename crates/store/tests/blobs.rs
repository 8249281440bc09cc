//! Blobs in the PostgreSQL `blobs` table (where every node finds them): stored once, read back
//! byte for byte, and a row whose bytes were changed behind the store's back is refused as
//! corrupt, not served. Always on PostgreSQL (`TestDatabase::postgres()`): blob files, the
//! SQLite deployment's, have their tests in src/blobs.rs.

use diesel::RunQueryDsl;
use sahih_store::testing::TestDatabase;
use sahih_store::{Store, StoreError, sha256_hex};

#[test]
fn blobs_in_postgresql_round_trip_and_a_tampered_row_is_corrupt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = TestDatabase::postgres();
    let store = Store::open(&db.url, &dir.path().join("blobs")).expect("open");
    assert_eq!(store.blobs().dir(), None, "blobs live in the database");

    let pdf = b"%PDF-1.7 \x00\xff binary bytes\n%%EOF".to_vec();
    let key = store.blobs().put(&pdf).expect("put");
    assert_eq!(key, sha256_hex(&pdf));
    assert_eq!(
        store.blobs().put(&pdf).expect("again"),
        key,
        "the same blob"
    );
    assert_eq!(store.blobs().get(&key).expect("get"), pdf);
    // A second node on the same database reads what the first stored.
    let other_dir = tempfile::tempdir().expect("tempdir");
    let second = Store::connect(&db.url, other_dir.path()).expect("second node");
    assert_eq!(second.blobs().get(&key).expect("second node's get"), pdf);
    assert!(!dir.path().join("blobs").exists(), "no blob directory made");

    let missing = sha256_hex(b"never stored");
    assert!(matches!(
        store.blobs().get(&missing),
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.blobs().get("../../etc/passwd"),
        Err(StoreError::NotFound)
    ));

    let mut raw = sahih_store::dialect::connect(&db.url).expect("raw");
    let changed = diesel::sql_query(format!(
        "UPDATE blobs SET data = convert_to('tampered', 'UTF8') WHERE sha256 = '{key}'"
    ))
    .execute(&mut raw)
    .expect("tamper");
    assert_eq!(changed, 1);
    let err = store
        .blobs()
        .get(&key)
        .expect_err("a tampered blob is not served");
    assert_eq!(err.code(), "E_STORAGE_CORRUPT", "{err}");
    drop((store, second, raw));
}
