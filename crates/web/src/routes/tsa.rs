//! `POST /tsa`: the built-in time-stamping authority over HTTP (RFC 3161 §3.4), for another
//! Sahih or pyHanko (`--tsa URL`): a DER `TimeStampReq` sent as `application/timestamp-query`
//! is answered with a DER `TimeStampResp` as `application/timestamp-reply`. No session.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use super::blocking;
use crate::{AppError, AppState};

/// Largest request taken, bytes (a request is about 60 bytes).
const MAX_REQUEST: usize = 8 * 1024;

/// Registers the route (before the session scope).
pub fn configure_public(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/tsa").route(web::post().to(stamp)));
}

/// Answers a request, or `E_NOT_FOUND` when the built-in TSA is not the one configured,
/// `E_UNSUPPORTED_MEDIA_TYPE` for another content type and `E_UPLOAD_TOO_LARGE` (413) for a
/// body over [`MAX_REQUEST`] bytes. A malformed request gets a rejection
/// response (RFC 3161 §2.4.2), not an HTTP error.
async fn stamp(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    if state.app.config().timestamping.builtin.is_none() {
        return Err(AppError::NotFound);
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !content_type.starts_with("application/timestamp-query") {
        return Err(AppError::UnsupportedMediaType(
            "send application/timestamp-query".into(),
        ));
    }
    // Read here rather than through `PayloadConfig`, whose refusal is a plain-text 413
    // without the error code the rest of the service answers with.
    let body = payload
        .to_bytes_limited(MAX_REQUEST)
        .await
        .map_err(|_| AppError::TooLarge { limit: MAX_REQUEST })?
        .map_err(|e| AppError::bad_input("E_BAD_INPUT", e.to_string()))?;
    let reply = blocking(&state, move |app| {
        let tsa = app
            .config()
            .timestamping
            .builtin
            .clone()
            .ok_or(AppError::NotFound)?;
        Ok(tsa.respond(&body)?)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/timestamp-reply")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(reply))
}
