//! The routes. One `configure` is shared by `sahih serve` and the tests.

mod account;
mod citizen;
mod officer;

use actix_web::http::header;
use actix_web::{HttpResponse, middleware, web};
use askama::Template;

use crate::app::App;
use crate::{AppError, AppState};

/// Registers every browser route, under the session middleware, with security headers.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/healthz",
        web::get().to(|| async { HttpResponse::Ok().body("ok") }),
    )
    .service(
        web::scope("")
            .wrap(middleware::from_fn(crate::session::middleware))
            .wrap(
                middleware::DefaultHeaders::new()
                    .add((header::X_FRAME_OPTIONS, "DENY"))
                    .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                    .add((header::REFERRER_POLICY, "same-origin")),
            )
            .app_data(
                web::FormConfig::default()
                    .limit(64 * 1024)
                    .error_handler(|e, _| AppError::bad_input("E_BAD_INPUT", e.to_string()).into()),
            )
            .app_data(web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
            .configure(account::configure)
            .configure(citizen::configure)
            .configure(officer::configure)
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(AppError::NotFound)
            })),
    );
}

/// Runs application-service work off the async executor.
pub(crate) async fn blocking<T, F>(state: &web::Data<AppState>, f: F) -> Result<T, AppError>
where
    F: FnOnce(&App) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let app = state.app.clone();
    web::block(move || f(&app)).await?
}

/// Renders a page.
pub(crate) fn html(page: impl Template) -> Result<HttpResponse, AppError> {
    let body = page
        .render()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body))
}

/// 303 See Other to `to` (POST/redirect/GET).
pub(crate) fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish()
}

/// The hidden CSRF field every form carries.
#[derive(serde::Deserialize)]
pub(crate) struct CsrfForm {
    pub csrf: String,
}
