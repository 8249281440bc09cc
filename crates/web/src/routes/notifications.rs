//! The notifications page: the logged-in user's notices, and marking them read.

use actix_web::{HttpResponse, web};

use super::{CsrfForm, blocking, html, see_other};
use crate::session::Visitor;
use crate::views::NotificationsPage;
use crate::{AppError, AppState};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/notifikasi", web::get().to(page))
        .route("/notifikasi/baca", web::post().to(mark_all_read));
}

async fn page(state: web::Data<AppState>, v: Visitor) -> Result<HttpResponse, AppError> {
    let user = v.user()?.clone();
    let lang = v.lang;
    let items = blocking(&state, move |app| app.notices_for(&user, lang)).await?;
    html(NotificationsPage { p: v.page(), items })
}

async fn mark_all_read(
    state: web::Data<AppState>,
    v: Visitor,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    v.check_csrf(&form.csrf)?;
    let user = v.user()?.clone();
    blocking(&state, move |app| app.mark_notices_read(&user)).await?;
    Ok(see_other("/notifikasi"))
}

#[cfg(test)]
mod tests;
