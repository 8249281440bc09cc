//! The agency dashboard, `GET /dinas/dasbor[?hari=N]`: for the officers and admins of an
//! agency, their own agency's figures over the last N days (default 90).

use actix_web::{HttpRequest, HttpResponse, web};
use sahih_workflow::Role;

use super::{blocking, html};
use crate::app::{DEFAULT_WINDOW_DAYS, MAX_WINDOW_DAYS};
use crate::session::Visitor;
use crate::views::DashboardPage;
use crate::{AppError, AppState};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/dinas/dasbor", web::get().to(dashboard));
}

/// Reads `hari` from a query string: absent or empty for the default, else 1 to
/// [`MAX_WINDOW_DAYS`]; other parameters are ignored.
/// Errors: `E_BAD_INPUT`.
fn window_days(query: &str) -> Result<u32, AppError> {
    let bad = || {
        AppError::bad_input(
            "E_BAD_INPUT",
            format!("hari: a number of days from 1 to {MAX_WINDOW_DAYS}"),
        )
    };
    let pairs = web::Query::<Vec<(String, String)>>::from_query(query).map_err(|_| bad())?;
    let hari = pairs
        .iter()
        .rev()
        .find(|(k, _)| k == "hari")
        .map(|(_, v)| v.trim())
        .filter(|h| !h.is_empty());
    match hari {
        None => Ok(DEFAULT_WINDOW_DAYS),
        Some(h) => h
            .parse::<u32>()
            .ok()
            .filter(|d| (1..=MAX_WINDOW_DAYS).contains(d))
            .ok_or_else(bad),
    }
}

async fn dashboard(
    state: web::Data<AppState>,
    req: HttpRequest,
    v: Visitor,
) -> Result<HttpResponse, AppError> {
    let user = v.user()?.clone();
    if user.role == Role::Citizen {
        return Err(AppError::Forbidden("E_WRONG_ROLE"));
    }
    let days = window_days(req.query_string())?;
    let d = blocking(&state, move |app| {
        app.dashboard(&user, days, sahih_store::now())
    })
    .await?;
    html(DashboardPage::new(v.page(), d))
}

#[cfg(test)]
mod tests;
