//! The officers' side: the queue, the review page, paraf, return, reject and sign.

use actix_web::{HttpRequest, HttpResponse, web};
use sahih_workflow::{Command, Role};
use zeroize::Zeroizing;

use super::citizen::document_page;
use super::{ActionForm, blocking, html, see_other};
use crate::session::Visitor;
use crate::views::QueuePage;
use crate::{AppError, AppState};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/petugas", web::get().to(queue))
        .route("/petugas/dokumen/{id}", web::get().to(review))
        .route("/petugas/dokumen/{id}/paraf", web::post().to(paraf))
        .route(
            "/petugas/dokumen/{id}/kembalikan",
            web::post().to(return_for_revision),
        )
        .route("/petugas/dokumen/{id}/tolak", web::post().to(reject))
        .route("/petugas/dokumen/{id}/tandatangani", web::post().to(sign));
}

fn officer(v: &Visitor) -> Result<sahih_store::User, AppError> {
    let user = v.user()?;
    if user.role == Role::Citizen {
        return Err(AppError::Forbidden("E_WRONG_ROLE"));
    }
    Ok(user.clone())
}

async fn queue(state: web::Data<AppState>, v: Visitor) -> Result<HttpResponse, AppError> {
    let user = officer(&v)?;
    let rows = blocking(&state, move |app| {
        super::document_rows(app, app.queue(&user)?)
    })
    .await?;
    html(QueuePage { p: v.page(), rows })
}

async fn review(
    state: web::Data<AppState>,
    req: HttpRequest,
    v: Visitor,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    officer(&v)?;
    document_page(&state, &req, &v, id.into_inner()).await
}

async fn act(
    state: web::Data<AppState>,
    v: Visitor,
    id: String,
    form: ActionForm,
    command: Command,
) -> Result<HttpResponse, AppError> {
    v.check_csrf(&form.csrf)?;
    let user = officer(&v)?;
    let seen = form.seen();
    let doc = blocking(&state, move |app| {
        app.act(&user, &id, command, None, seen.as_ref())
    })
    .await?;
    Ok(see_other(&format!("/petugas/dokumen/{}", doc.public_id)))
}

async fn paraf(
    state: web::Data<AppState>,
    v: Visitor,
    id: web::Path<String>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, AppError> {
    act(state, v, id.into_inner(), form.into_inner(), Command::Paraf).await
}

async fn return_for_revision(
    state: web::Data<AppState>,
    v: Visitor,
    id: web::Path<String>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let comment = form.comment.clone();
    act(state, v, id.into_inner(), form, Command::Return { comment }).await
}

async fn reject(
    state: web::Data<AppState>,
    v: Visitor,
    id: web::Path<String>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let reason = form.reason.clone();
    act(state, v, id.into_inner(), form, Command::Reject { reason }).await
}

async fn sign(
    state: web::Data<AppState>,
    v: Visitor,
    id: web::Path<String>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, AppError> {
    v.check_csrf(&form.csrf)?;
    let user = officer(&v)?;
    let form = form.into_inner();
    let seen = form.seen();
    let passphrase = Zeroizing::new(form.passphrase);
    let id = id.into_inner();
    let doc = blocking(&state, move |app| {
        app.sign(&user, &id, passphrase.as_bytes(), seen.as_ref())
    })
    .await?;
    Ok(see_other(&format!("/petugas/dokumen/{}", doc.public_id)))
}
