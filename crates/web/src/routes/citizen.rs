//! The citizen's side: apply for a service, follow the application, answer a return for
//! revision, withdraw, download files, the signed result and the application's
//! transparency-log receipt.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, web};
use sahih_workflow::Command;

use super::{ActionForm, blocking, html, pdf_response, see_other};
use crate::app::Revision;
use crate::session::Visitor;
use crate::views::{ApplyPage, DocumentPage, MyDocumentsPage, state_key};
use crate::{AppError, AppState, upload};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/layanan/{code}", web::get().to(apply_page))
        .route("/layanan/{code}", web::post().to(apply))
        .route("/permohonan", web::get().to(my_documents))
        .route("/permohonan/{id}", web::get().to(tracking))
        .route("/permohonan/{id}/perbaikan", web::post().to(resubmit))
        .route("/permohonan/{id}/tarik", web::post().to(withdraw))
        .route("/permohonan/{id}/bukti-log", web::get().to(receipt))
        .route(
            "/dokumen/{id}/berkas/{attachment}",
            web::get().to(attachment),
        )
        .route("/dokumen/{id}/unduh", web::get().to(signed));
}

async fn apply_page(
    state: web::Data<AppState>,
    v: Visitor,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    v.user()?;
    let service = blocking(&state, move |app| app.service(&code)).await?;
    let limit_mb = state.app.config().upload_limit / (1024 * 1024);
    html(ApplyPage {
        p: v.page(),
        service,
        limit_mb,
    })
}

async fn apply(
    state: web::Data<AppState>,
    v: Visitor,
    code: web::Path<String>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let user = v.user()?.clone();
    let form = checked_form(&state, &v, payload).await?;
    let file = form
        .file
        .ok_or_else(|| AppError::bad_input("E_UPLOAD_MISSING", "no PDF file uploaded"))?;
    let fields = form.fields;
    let doc = blocking(&state, move |app| {
        app.submit(&user, &code, |name| fields.get(name).cloned(), &file)
    })
    .await?;
    Ok(see_other(&format!("/permohonan/{}", doc.public_id)))
}

async fn my_documents(state: web::Data<AppState>, v: Visitor) -> Result<HttpResponse, AppError> {
    let user = v.user()?.clone();
    let rows = blocking(&state, move |app| {
        super::document_rows(app, app.my_documents(&user)?)
    })
    .await?;
    html(MyDocumentsPage { p: v.page(), rows })
}

/// The address the service is reached at, for links to share: the configured `public_url`,
/// else the scheme and host the request came in on (its `Host` header).
pub(crate) fn public_base(state: &AppState, req: &HttpRequest) -> String {
    state.public_url.clone().unwrap_or_else(|| {
        let info = req.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    })
}

/// Renders the document page for any visitor allowed to see it, with the actions the workflow
/// would allow them (each offered action is one `decide` that succeeds).
pub(super) async fn document_page(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    v: &Visitor,
    id: String,
) -> Result<HttpResponse, AppError> {
    let public_base = public_base(state, req);
    let user = v.user()?.clone();
    let lang = v.lang;
    let (view, actions, pending) = blocking(state, move |app| {
        let view = app.view(&user, &id)?;
        let (actions, pending) = app.offered(&user, &view.document, &view.service)?;
        let pending = pending.map(|p| app.pending_view(&p)).transpose()?;
        Ok((view, actions, pending))
    })
    .await?;
    let form_rows = view
        .service
        .form
        .iter()
        .map(|f| {
            let label = match lang {
                crate::i18n::Lang::Id => f.label_id.clone(),
                crate::i18n::Lang::En => f.label_en.clone(),
            };
            let value = view
                .document
                .form
                .iter()
                .find(|(k, _)| *k == f.name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            (label, value)
        })
        .collect();
    let (viewer, document) = (v.user()?.clone(), view.document.clone());
    let disposition = blocking(state, move |app| app.disposition_panel(&viewer, &document)).await?;
    html(DocumentPage {
        p: v.page(),
        state_class: state_key(view.document.state),
        state_code: view.document.state.as_code(),
        round: view.events.iter().filter(|e| e.kind == "returned").count(),
        last_comment: view
            .events
            .iter()
            .rev()
            .find(|e| e.kind == "returned")
            .and_then(|e| e.comment.clone()),
        form_rows,
        public_base,
        v: view,
        actions,
        pending,
        disposition,
    })
}

async fn tracking(
    state: web::Data<AppState>,
    req: HttpRequest,
    v: Visitor,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    document_page(&state, &req, &v, id.into_inner()).await
}

async fn resubmit(
    state: web::Data<AppState>,
    v: Visitor,
    id: web::Path<String>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let user = v.user()?.clone();
    let form = checked_form(&state, &v, payload).await?;
    let seen = super::seen(
        form.fields.get("state"),
        form.fields.get("version"),
        form.fields.get("round"),
    );
    let revision = Revision {
        values: form.fields,
        upload: form.file,
    };
    let id = id.into_inner();
    let doc = blocking(&state, move |app| {
        app.act(
            &user,
            &id,
            Command::Resubmit,
            Some(&revision),
            seen.as_ref(),
        )
    })
    .await?;
    Ok(see_other(&format!("/permohonan/{}", doc.public_id)))
}

async fn withdraw(
    state: web::Data<AppState>,
    v: Visitor,
    id: web::Path<String>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, AppError> {
    v.check_csrf(&form.csrf)?;
    let seen = form.seen();
    let user = v.user()?.clone();
    let id = id.into_inner();
    let doc = blocking(&state, move |app| {
        app.act(&user, &id, Command::Withdraw, None, seen.as_ref())
    })
    .await?;
    Ok(see_other(&format!("/permohonan/{}", doc.public_id)))
}

/// The document's transparency-log receipt (JSON), for its applicant only.
async fn receipt(
    state: web::Data<AppState>,
    v: Visitor,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let user = v.user()?.clone();
    let id = id.into_inner();
    let name = format!("sahih-{}", id.get(..8).unwrap_or(&id));
    let receipt = blocking(&state, move |app| app.receipt_for(&user, &id)).await?;
    super::log::receipt_response(&receipt, &name)
}

async fn attachment(
    state: web::Data<AppState>,
    v: Visitor,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, AppError> {
    let user = v.user()?.clone();
    let (id, attachment_id) = path.into_inner();
    let (att, bytes) =
        blocking(&state, move |app| app.attachment(&user, &id, attachment_id)).await?;
    Ok(pdf_response(bytes, &att.filename, true))
}

async fn signed(
    state: web::Data<AppState>,
    v: Visitor,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let user = v.user()?.clone();
    let id = id.into_inner();
    let name = format!("{}-ttd.pdf", id.get(..8).unwrap_or(&id));
    let bytes = blocking(&state, move |app| app.signed_pdf(&user, &id)).await?;
    Ok(pdf_response(bytes, &name, false))
}

/// Reads a multipart form within the upload limit and checks its CSRF token.
async fn checked_form(
    state: &AppState,
    v: &Visitor,
    payload: Multipart,
) -> Result<upload::MultipartForm, AppError> {
    let form = upload::read(payload, state.app.config().upload_limit).await?;
    v.check_csrf(form.fields.get("csrf").map_or("", String::as_str))?;
    Ok(form)
}
