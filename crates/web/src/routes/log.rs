//! The transparency log's public endpoints, for anyone and without login or cookie
//! (c2sp.org/tlog-tiles under the prefix `/log/`): the checkpoint, hash tiles, entry bundles
//! and the verifier key; the human page `/log`; and the receipts of documents.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use sahih_tlog::TilePath;

use super::{blocking, html};
use crate::session::Visitor;
use crate::views::LogPage;
use crate::{AppError, AppState};

/// Full tiles and bundles never change: a year, immutable.
const CACHE_FULL: &str = "public, max-age=31536000, immutable";
/// Partial tiles are superseded as the tree grows.
const CACHE_PARTIAL: &str = "public, max-age=5";
/// The checkpoint changes with every batch.
const CACHE_CHECKPOINT: &str = "no-cache";

/// The raw endpoints: registered before the session scope, so they set no cookie.
pub fn configure_public(cfg: &mut web::ServiceConfig) {
    cfg.route("/log/checkpoint", web::get().to(checkpoint))
        .route("/log/key", web::get().to(key))
        .route("/log/tile/{tail:.*}", web::get().to(tile));
}

/// The human page, under the session middleware (for the visitor's language).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/log", web::get().to(page));
}

fn public(mut res: actix_web::HttpResponseBuilder, cache: &str) -> actix_web::HttpResponseBuilder {
    res.insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    res
}

async fn checkpoint(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let note = blocking(&state, |app| app.log_checkpoint()).await?;
    Ok(public(HttpResponse::Ok(), CACHE_CHECKPOINT)
        .content_type("text/plain; charset=utf-8")
        .body(note))
}

async fn key(state: web::Data<AppState>) -> HttpResponse {
    public(HttpResponse::Ok(), "public, max-age=300")
        .content_type("text/plain; charset=utf-8")
        .body(format!("{}\n", state.app.log_verifier_key()))
}

async fn tile(
    state: web::Data<AppState>,
    tail: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let path = format!("tile/{}", tail.into_inner());
    let (parsed, data) = blocking(&state, move |app| app.log_tile(&path)).await?;
    let partial = match parsed {
        TilePath::Hashes(t) => t.is_partial(),
        TilePath::Entries(b) => b.is_partial(),
    };
    let cache = if partial { CACHE_PARTIAL } else { CACHE_FULL };
    Ok(public(HttpResponse::Ok(), cache)
        .content_type("application/octet-stream")
        .body(data))
}

async fn page(state: web::Data<AppState>, v: Visitor) -> Result<HttpResponse, AppError> {
    let log = blocking(&state, |app| app.log_page()).await?;
    html(LogPage { p: v.page(), log })
}

/// A receipt as a JSON download.
pub(super) fn receipt_response(
    receipt: &sahih_store::log::receipt::Receipt,
    stem: &str,
) -> Result<HttpResponse, AppError> {
    let body = serde_json::to_vec_pretty(receipt).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{stem}-bukti-log.json\""),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(body))
}
