//! The officers' side: the queue, the review page, paraf, return, reject and sign.

use actix_web::{HttpRequest, HttpResponse, web};
use sahih_workflow::{Command, ReturnTo, Role, StepAction};
use zeroize::Zeroizing;

use super::citizen::document_page;
use super::{ActionForm, blocking, html, see_other};
use crate::session::Visitor;
use crate::views::{BatchLine, BatchResultPage, QueuePage};
use crate::{AppError, AppState};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/petugas", web::get().to(queue))
        .route("/petugas/dokumen/{id}", web::get().to(review))
        .route("/petugas/dokumen/{id}/paraf", web::post().to(paraf))
        .route(
            "/petugas/dokumen/{id}/mengetahui",
            web::post().to(acknowledge),
        )
        .route(
            "/petugas/dokumen/{id}/kembalikan",
            web::post().to(return_for_revision),
        )
        .route("/petugas/dokumen/{id}/tolak", web::post().to(reject))
        .route("/petugas/dokumen/{id}/tandatangani", web::post().to(sign))
        .route("/petugas/tandatangani-massal", web::post().to(sign_batch));
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
        let queue = app.queue(&user)?;
        let steps: Vec<_> = queue
            .iter()
            .map(|(_, p)| (queue_step(p), p.step.action == StepAction::Sign))
            .collect();
        let docs = queue.into_iter().map(|(d, _)| d).collect();
        let mut rows = super::document_rows(app, docs)?;
        for (row, (step, sign)) in rows.iter_mut().zip(steps) {
            row.step = Some(step);
            row.signable = sign;
        }
        Ok(rows)
    })
    .await?;
    html(QueuePage { p: v.page(), rows })
}

/// A queue row's step: its name, and how far a parallel group has come (`Kepala Bidang 1/2`).
fn queue_step(p: &crate::app::PendingStep) -> String {
    if p.required > 1 {
        format!("{} {}/{}", p.step.name, p.given.len(), p.required)
    } else {
        p.step.name.clone()
    }
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
    v.check_csrf(&form.csrf)?;
    let user = officer(&v)?;
    let form = form.into_inner();
    let seen = form.seen();
    // Where the step asks for an approval signature, the paraf form carries the passphrase.
    let passphrase = Zeroizing::new(form.passphrase);
    let id = id.into_inner();
    let doc = blocking(&state, move |app| {
        let key = (!passphrase.is_empty()).then(|| passphrase.as_bytes());
        app.paraf(&user, &id, key, seen.as_ref())
    })
    .await?;
    Ok(see_other(&format!("/petugas/dokumen/{}", doc.public_id)))
}

async fn acknowledge(
    state: web::Data<AppState>,
    v: Visitor,
    id: web::Path<String>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    act(state, v, id.into_inner(), form, Command::Acknowledge).await
}

/// Returns for revision: to the applicant (`to` absent or `pemohon`), or to the previous step
/// (`to=langkah-sebelumnya`).
async fn return_for_revision(
    state: web::Data<AppState>,
    v: Visitor,
    id: web::Path<String>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let comment = form.comment.clone();
    let to = match form.to.as_str() {
        "" | "pemohon" => ReturnTo::Applicant,
        "langkah-sebelumnya" => ReturnTo::PreviousStep,
        _ => {
            return Err(AppError::bad_input(
                "E_BAD_INPUT",
                "to: pemohon or langkah-sebelumnya",
            ));
        }
    };
    act(
        state,
        v,
        id.into_inner(),
        form,
        Command::Return { comment, to },
    )
    .await
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

/// Batch signing: `csrf`, `passphrase`, and one `dokumen` field per selected document (its
/// public id), as `application/x-www-form-urlencoded`.
async fn sign_batch(
    state: web::Data<AppState>,
    v: Visitor,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let mut csrf = String::new();
    let mut passphrase = Zeroizing::new(String::new());
    let mut ids = Vec::new();
    for (key, value) in form_urlencoded::parse(&body) {
        match key.as_ref() {
            "csrf" => csrf = value.into_owned(),
            "passphrase" => passphrase = Zeroizing::new(value.into_owned()),
            "dokumen" => ids.push(value.into_owned()),
            _ => {}
        }
    }
    v.check_csrf(&csrf)?;
    let user = officer(&v)?;
    let outcomes = blocking(&state, move |app| {
        let outcomes = app.sign_batch(&user, &ids, passphrase.as_bytes())?;
        outcomes
            .into_iter()
            .map(|o| {
                let (signed, error) = match &o.result {
                    Ok(doc) => (
                        Some(app.store().document_number(doc.id)?.unwrap_or_default()),
                        None,
                    ),
                    Err(e) => (None, Some(e.code())),
                };
                Ok(BatchLine {
                    public_id: o.public_id,
                    signed,
                    error,
                })
            })
            .collect::<Result<Vec<_>, AppError>>()
    })
    .await?;
    html(BatchResultPage {
        p: v.page(),
        lines: outcomes,
    })
}
