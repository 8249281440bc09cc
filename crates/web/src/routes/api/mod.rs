//! The integration REST API, version 1, for agency applications, banks and scripts: no
//! session, no cookie, no CSRF token (these routes sit outside the session middleware). Every
//! answer is JSON, errors as RFC 9457 problem details ([`problem`]). An application
//! authenticates with `Authorization: Bearer sahih_…` (RFC 6750); its key's scopes say what it
//! may call ([`crate::app::Scope`]). The OpenAPI 3.1 document is served at
//! `/api/v1/openapi.json` ([`openapi`]); docs/api.md is the guide.

mod documents;
mod model;
mod openapi;
pub(crate) mod problem;
mod services;
mod verify;

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};

use crate::app::ApiCaller;
use crate::{AppError, AppState};
pub(crate) use problem::Problem;

/// Registers the API's routes (under `/api/v1`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PathConfig::default().error_handler(|_, _| {
        actix_web::error::InternalError::from_response(
            "not found",
            problem::respond(&AppError::NotFound),
        )
        .into()
    }))
    .app_data(web::QueryConfig::default().error_handler(|e, _| {
        let e = AppError::bad_input("E_BAD_QUERY", e.to_string());
        actix_web::error::InternalError::from_response("bad query", problem::respond(&e)).into()
    }))
    .configure(verify::configure)
    .configure(documents::configure)
    .configure(services::configure)
    .configure(openapi::configure);
}

/// 404 for any other path under `/api/v1`.
pub fn not_found() -> HttpResponse {
    Problem::new(StatusCode::NOT_FOUND, "E_NOT_FOUND", "no such API endpoint").response()
}

/// 405 with `Allow: {allow}`.
pub(crate) fn method_not_allowed(allow: &'static str) -> HttpResponse {
    method_not_allowed_problem(
        allow,
        Problem::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "E_METHOD_NOT_ALLOWED",
            format!("this endpoint answers {allow}"),
        ),
    )
}

/// 405 with `Allow: {allow}` and `problem` as the body.
pub(crate) fn method_not_allowed_problem(allow: &'static str, problem: Problem) -> HttpResponse {
    let mut res = problem.response();
    res.headers_mut()
        .insert(header::ALLOW, header::HeaderValue::from_static(allow));
    res
}

/// The bearer token of a request, if it sent an `Authorization` header.
///
/// Errors: `E_API_KEY_INVALID` for another scheme or a header that is not text.
fn bearer(req: &HttpRequest) -> Result<Option<String>, AppError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| AppError::Unauthorized("E_API_KEY_INVALID"))?;
    let (scheme, token) = value
        .trim()
        .split_once(' ')
        .ok_or(AppError::Unauthorized("E_API_KEY_INVALID"))?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AppError::Unauthorized("E_API_KEY_INVALID"));
    }
    Ok(Some(token.trim().to_owned()))
}

/// Authenticates the request's key (if any) and takes one request from its rate.
///
/// Errors: `E_API_KEY_INVALID` / `E_API_KEY_REVOKED` (401), `E_RATE_LIMITED` (429).
async fn caller(req: &HttpRequest) -> Result<Option<ApiCaller>, AppError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::Internal("no application state".into()))?
        .clone();
    let Some(token) = bearer(req)? else {
        return Ok(None);
    };
    let app = state.app.clone();
    let caller = web::block(move || app.authenticate_api_key(&token)).await??;
    state
        .app
        .api_limiter()
        .take(&caller.key.key_id, std::time::Instant::now())
        .map_err(|retry_after| AppError::RateLimited { retry_after })?;
    Ok(Some(caller))
}

/// An authenticated application: the handler's argument for endpoints that need a key.
/// Without one the request gets 401 `E_API_KEY_MISSING`.
pub struct Caller(pub ApiCaller);

impl FromRequest for Caller {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match caller(&req).await {
                Ok(Some(c)) => Ok(Caller(c)),
                Ok(None) => Err(rejection(&AppError::Unauthorized("E_API_KEY_MISSING"))),
                Err(e) => Err(rejection(&e)),
            }
        })
    }
}

/// A caller who may or may not send a key (the verify endpoint, open to the public); one
/// without a key is rate-limited by address.
pub struct MaybeCaller(pub Option<ApiCaller>);

impl FromRequest for MaybeCaller {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match caller(&req).await {
                Ok(Some(c)) => Ok(MaybeCaller(Some(c))),
                Ok(None) => {
                    let addr = req
                        .peer_addr()
                        .map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string());
                    let limited = req
                        .app_data::<web::Data<AppState>>()
                        .map(|s| s.app.api_limiter().take(&addr, std::time::Instant::now()));
                    match limited {
                        Some(Err(retry_after)) => {
                            Err(unusable_rejection(&AppError::RateLimited { retry_after }))
                        }
                        _ => Ok(MaybeCaller(None)),
                    }
                }
                Err(e) => Err(unusable_rejection(&e)),
            }
        })
    }
}

fn rejection(e: &AppError) -> actix_web::Error {
    actix_web::error::InternalError::from_response(e.code(), problem::respond(e)).into()
}

/// The verify endpoint's rejections keep its earlier members ([`Problem::unusable`]).
fn unusable_rejection(e: &AppError) -> actix_web::Error {
    let res = Problem::of(e).unusable().response();
    actix_web::error::InternalError::from_response(e.code(), res).into()
}

/// Runs application-service work off the async executor, answering a problem on failure.
pub(crate) async fn blocking<T, F>(state: &web::Data<AppState>, f: F) -> Result<T, HttpResponse>
where
    F: FnOnce(&crate::app::App) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    super::blocking(state, f)
        .await
        .map_err(|e| problem::respond(&e))
}
