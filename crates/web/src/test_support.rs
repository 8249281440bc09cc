//! What the crate's unit tests share: an application state on a fresh SQLite file.

use actix_web::web;

use crate::{AppConfig, AppState};

/// An [`AppState`] over a new database and blob store in `dir`, with a 1 KiB upload limit, no
/// trust anchors and a fixed log key.
pub(crate) fn state(dir: &std::path::Path) -> web::Data<AppState> {
    let store = sahih_store::Store::open(
        &format!("sqlite://{}", dir.join("sahih.db").display()),
        &dir.join("blobs"),
    )
    .expect("store");
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
    web::Data::new(AppState {
        app: crate::App::new(store, config),
        secure_cookies: false,
        public_url: None,
    })
}
