//! What the crate's unit tests share: an application state on a fresh database (a SQLite file,
//! or a PostgreSQL database when `TEST_DATABASE_URL` is set).

use actix_web::web;
use sahih_store::testing::TestDatabase;

use crate::{AppConfig, AppState};

/// An [`AppState`] over a new database (its SQLite file in `dir`) and blob store in `dir`, with a
/// 1 KiB upload limit, no trust anchors and a fixed log key; and the database's guard, which
/// drops a PostgreSQL database: keep it (and `dir`) as long as the state.
pub(crate) fn state(dir: &std::path::Path) -> (TestDatabase, web::Data<AppState>) {
    let db = TestDatabase::new(dir);
    let store = sahih_store::Store::open(&db.url, &dir.join("blobs")).expect("store");
    let config = AppConfig {
        upload_limit: 1024,
        city: "Kota Uji".into(),
        chain: Vec::new(),
        trust_anchors: Vec::new(),
        verification_cache: dir.join("cache"),
        log_key: std::sync::Arc::new(
            sahih_tlog::SignerKey::from_seed("sahih.test/log", &[3; 32]).expect("key"),
        ),
        deadlines: crate::app::DeadlineSettings::default(),
        timestamping: Default::default(),
    };
    let state = web::Data::new(AppState {
        app: crate::App::new(store, config),
        secure_cookies: false,
        public_url: None,
    });
    (db, state)
}
