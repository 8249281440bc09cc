//! `sahih-web`: Sahih's web application. Citizens apply for services and follow their
//! applications; officers work their agency's queue, give paraf, return, reject and sign. The
//! [`app::App`] application services hold the logic and are shared with `sahih demo`; the
//! routes are thin: parse → authorize → call a service → render.
//!
//! ```no_run
//! use actix_web::{App, HttpServer, web};
//! # async fn run(state: sahih_web::AppState) -> std::io::Result<()> {
//! let data = web::Data::new(state);
//! HttpServer::new(move || App::new().app_data(data.clone()).configure(sahih_web::configure))
//!     .bind(("127.0.0.1", 8080))?
//!     .run()
//!     .await
//! # }
//! ```
#![forbid(unsafe_code)]

pub mod app;
mod error;
pub mod head;
pub mod i18n;
pub mod mail;
mod nul;
pub mod rate_limit;
pub mod request_log;
mod routes;
pub mod seed;
pub mod session;
#[cfg(test)]
mod test_support;
pub mod timestamping;
pub mod totp;
mod upload;
pub mod views;
pub mod webhook;

pub use app::{App, AppConfig};
pub use error::{AppError, ErrorInfo};
pub use routes::configure;

/// What every request handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The application services.
    pub app: App,
    /// Whether cookies carry `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
    /// The service's public address, scheme and host without a trailing `/`
    /// (`https://sahih.kota.go.id`), for the links citizens share; when none, the address each
    /// request came in on.
    pub public_url: Option<String>,
}
