//! The routes. One `configure` is shared by `sahih serve` and the tests.

mod account;
mod admin;
mod admin_api;
mod admin_officers;
mod admin_webhooks;
mod api;
mod citizen;
mod custody;
mod dashboard;
mod disposition;
mod log;
mod notifications;
mod officer;
mod pki;
mod tsa;
mod verification;

use actix_web::http::header;
use actix_web::{HttpResponse, middleware, web};
use askama::Template;

use crate::app::App;
use crate::{AppError, AppState};

/// An error as the API answers it: a problem detail (RFC 9457).
pub(crate) use api::problem::respond as problem_response;

/// Registers the API (JSON, no session), the transparency log's public resources (no
/// session), and every browser route (under the session middleware), with security headers;
/// every GET route also answers HEAD (`crate::head`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("")
            .wrap(middleware::from_fn(crate::head::middleware))
            .configure(routes),
    );
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/healthz",
        web::get().to(|| async { HttpResponse::Ok().body("ok") }),
    )
    .configure(log::configure_public)
    .configure(pki::configure_public)
    .configure(tsa::configure_public)
    .service(
        web::scope("/api/v1")
            .wrap(middleware::from_fn(crate::nul::api))
            .wrap(
                middleware::DefaultHeaders::new()
                    .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                    .add((header::CACHE_CONTROL, "no-store")),
            )
            .configure(api::configure)
            .default_service(web::to(|| async { api::not_found() })),
    )
    .service(
        web::scope("")
            // Inside the session middleware, which renders its refusals as pages.
            .wrap(middleware::from_fn(crate::nul::browser))
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
            .configure(admin::configure)
            .configure(admin_api::configure)
            .configure(admin_officers::configure)
            .configure(admin_webhooks::configure)
            .configure(citizen::configure)
            .configure(officer::configure)
            .configure(custody::configure)
            .configure(dashboard::configure)
            .configure(disposition::configure)
            .configure(verification::configure)
            .configure(log::configure)
            .configure(notifications::configure)
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

/// A PDF download (`attachment`) or view (`inline`), sandboxed and never cached by others.
pub(crate) fn pdf_response(bytes: Vec<u8>, filename: &str, inline: bool) -> HttpResponse {
    let safe: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = if inline { "inline" } else { "attachment" };
    HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("{disposition}; filename=\"{safe}\""),
        ))
        .insert_header((header::CONTENT_SECURITY_POLICY, "sandbox"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes)
}

/// 303 See Other to `to` (POST/redirect/GET).
pub(crate) fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish()
}

/// The hidden CSRF field every form carries (missing counts as wrong: `E_CSRF`).
#[derive(serde::Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

/// A document action's form: CSRF, and the state and version the user saw.
#[derive(serde::Deserialize)]
pub(crate) struct ActionForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub passphrase: String,
    /// The TOTP code of the officer's authenticator app (RFC 6238), for an officer who
    /// enrolled a second factor.
    #[serde(default)]
    pub totp: String,
    /// Where a return goes: `pemohon` (the applicant, the default) or `langkah-sebelumnya`.
    #[serde(default)]
    pub to: String,
    /// How many returns the document had when shown (see `crate::app::Seen::round`).
    #[serde(default)]
    pub round: String,
}

impl ActionForm {
    /// What the user saw, when the form says it.
    pub fn seen(&self) -> Option<crate::app::Seen> {
        seen(Some(&self.state), Some(&self.version), Some(&self.round))
    }
}

/// Reads the `state`, `version` and `round` fields that a document page's forms carry. A client that
/// sends neither acts on the document as it is (no staleness check), like `sahih demo`.
pub(crate) fn seen(
    state: Option<&String>,
    version: Option<&String>,
    round: Option<&String>,
) -> Option<crate::app::Seen> {
    let state = state.filter(|s| !s.is_empty())?.clone();
    let version = version.and_then(|v| v.parse::<i64>().ok())?;
    let round = round.and_then(|r| r.parse::<i64>().ok());
    Some(crate::app::Seen {
        state,
        version,
        round,
    })
}

/// List rows for documents: each with its service's and its applicant's name.
pub(crate) fn document_rows(
    app: &App,
    docs: Vec<sahih_store::Document>,
) -> Result<Vec<crate::views::DocumentRow>, AppError> {
    let services = app.services()?;
    let deadlines = app.deadlines(&docs, sahih_store::now())?;
    docs.into_iter()
        .map(|document| {
            let deadline = deadlines.get(&document.id);
            let applicant_name = app
                .store()
                .user(document.applicant_id)?
                .map(|u| u.name)
                .unwrap_or_default();
            let service = services.iter().find(|s| s.id == document.service_id);
            let service_name = service.map(|s| s.name.clone()).unwrap_or_default();
            let service_name_en = service.map(|s| s.name_en.clone()).unwrap_or_default();
            Ok(crate::views::DocumentRow {
                document,
                service_name,
                service_name_en,
                applicant_name,
                step: None,
                signable: false,
                round: 0,
                due_at: deadline.map(|d| d.due_at),
                days_late: deadline.map_or(0, |d| d.days_late),
            })
        })
        .collect()
}
