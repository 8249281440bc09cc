//! `/api/v1/documents`: an application submits documents, follows them, downloads the signed
//! PDF and the log receipt, and withdraws what it no longer wants signed.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use sahih_store::{Document, DocumentFilter};
use sahih_workflow::{Command, DocumentState};

pub use super::model::{
    DocumentLinks, DocumentPage, DocumentStatus, HistoryEntry, ListQuery, ResubmissionForm,
    ResubmissionMetadata, Route, SubmissionForm, SubmissionMetadata,
};
use super::problem::{PROBLEM_JSON, Problem};
use super::{Caller, blocking};
use crate::app::{ApiResubmission, ApiSubmission, Scope};
use crate::{AppError, AppState, upload};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/documents", web::post().to(submit))
        .route("/documents", web::get().to(list))
        .route(
            "/documents",
            web::route().to(|| async { super::method_not_allowed("GET, POST") }),
        )
        .route("/documents/{id}", web::get().to(status))
        .route("/documents/{id}/signed.pdf", web::get().to(signed_pdf))
        .route("/documents/{id}/receipt", web::get().to(receipt))
        .route("/documents/{id}/withdraw", web::post().to(withdraw))
        .route("/documents/{id}/resubmit", web::post().to(resubmit));
}

use crate::webhook::rfc3339;

fn status_of(doc: &Document, service: &str, number: Option<String>, base: &str) -> DocumentStatus {
    let self_ = format!("/api/v1/documents/{}", doc.public_id);
    let signed = doc.signed_sha256.is_some();
    DocumentStatus {
        id: doc.public_id.clone(),
        service: service.to_owned(),
        state: doc.state.as_code(),
        done: doc.state.is_terminal(),
        version: doc.version,
        nomor_surat: number,
        form: doc.form.iter().cloned().collect(),
        created_at: rfc3339(doc.created_at),
        updated_at: rfc3339(doc.updated_at),
        links: DocumentLinks {
            signed_pdf: signed.then(|| format!("{self_}/signed.pdf")),
            receipt: format!("{self_}/receipt"),
            verification: doc
                .verification_code
                .as_ref()
                .map(|c| format!("{base}/v/{c}")),
            self_,
        },
        history: None,
    }
}

/// A document's status for its application, with its history when `history`.
fn full_status(
    app: &crate::app::App,
    doc: &Document,
    base: &str,
    history: bool,
) -> Result<DocumentStatus, AppError> {
    let service = app
        .store()
        .service(doc.service_id)?
        .map(|s| s.code)
        .unwrap_or_default();
    let number = app.store().document_number(doc.id)?;
    let mut status = status_of(doc, &service, number, base);
    if history {
        status.history = Some(
            app.store()
                .events(doc.id)?
                .into_iter()
                .map(|e| HistoryEntry {
                    // A submission has no state before it.
                    from_state: Some(e.from_state).filter(|_| e.kind != "submitted"),
                    event: e.kind,
                    actor: e.actor_name,
                    actor_position: e.actor_position,
                    comment: e.comment,
                    to_state: e.to_state,
                    at: rfc3339(e.at),
                })
                .collect(),
        );
    }
    Ok(status)
}

/// The multipart body of a request, with its `metadata` part parsed.
///
/// Errors: `E_UNSUPPORTED_MEDIA_TYPE`, `E_METADATA_MISSING`, `E_METADATA_INVALID` (also for a
/// NUL in a string), and the multipart reader's.
async fn read_multipart<M: serde::de::DeserializeOwned>(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<(M, upload::MultipartForm), AppError> {
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    if !is_multipart {
        return Err(AppError::UnsupportedMediaType(format!(
            "{}: send multipart/form-data with the parts metadata and berkas",
            req.headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("none")
        )));
    }
    let limit = state.app.config().upload_limit;
    let form = upload::read(Multipart::new(req.headers(), payload), limit).await?;
    let metadata = form.fields.get("metadata").ok_or_else(|| {
        let message = if form.other_files.iter().any(|f| f == "metadata") {
            "metadata came as a file part: send it as a text part \
             (curl: -F 'metadata=<file.json;type=application/json', with <, not @)"
        } else {
            "no part metadata: send the request's JSON as the text part metadata"
        };
        AppError::bad_input("E_METADATA_MISSING", message)
    })?;
    let invalid =
        |e: serde_json::Error| AppError::bad_input("E_METADATA_INVALID", format!("metadata: {e}"));
    let typed: M = serde_json::from_str(metadata).map_err(invalid)?;
    // A `\u0000` escape decodes to NUL (`crate::nul`). The form's values are left to their
    // fields' rules (`E_FORM_FIELD_INVALID`, naming the field); every other string is refused.
    let mut json: serde_json::Value = serde_json::from_str(metadata).map_err(invalid)?;
    if let Some(serde_json::Value::Object(values)) = json.get_mut("form") {
        values
            .values_mut()
            .for_each(|v| *v = serde_json::Value::Null);
    }
    crate::nul::refuse_json(&json, "metadata")
        .map_err(|e| AppError::bad_input("E_METADATA_INVALID", e.to_string()))?;
    Ok((typed, form))
}

/// The submission in a multipart body: `metadata` (JSON) and `berkas` (the PDF).
async fn read_submission(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<ApiSubmission, AppError> {
    let (metadata, mut form) = read_multipart::<SubmissionMetadata>(state, req, payload).await?;
    Ok(ApiSubmission {
        service: metadata.service,
        form: metadata.form,
        direct: metadata.route == Route::Direct,
        upload: form.take_file()?,
    })
}

/// The Idempotency-Key header: 1–255 visible ASCII characters.
///
/// Errors: `E_IDEMPOTENCY_KEY_INVALID`.
fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, AppError> {
    let Some(value) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .map(|k| k.trim().trim_matches('"'))
        .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()));
    key.map(|k| Some(k.to_owned())).ok_or_else(|| {
        AppError::bad_input(
            "E_IDEMPOTENCY_KEY_INVALID",
            "Idempotency-Key: 1 to 255 visible ASCII characters",
        )
    })
}

/// `POST /api/v1/documents`: submits a PDF with its form values to a service.
#[utoipa::path(
    post,
    path = "/api/v1/documents",
    tag = "documents",
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key with the same request answers with the document the first one created (header `Idempotent-Replayed: true`); with another request, 422."),
    ),
    request_body(content = SubmissionForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Created (or, on a replay, the document created before).", body = DocumentStatus,
            headers(
                ("Location" = String, description = "The document's URL."),
                ("Idempotent-Replayed" = String, description = "`true` when an earlier request with this Idempotency-Key created the document, else `false`."),
            )),
        (status = 400, description = "Bad metadata, an unknown service (`E_SERVICE_UNKNOWN`), bad form values or Idempotency-Key.", body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "No key, or not a valid one.", body = Problem, content_type = PROBLEM_JSON),
        (status = 403, description = "Missing scope, or another agency's service.", body = Problem, content_type = PROBLEM_JSON),
        (status = 413, description = "Larger than the upload limit.", body = Problem, content_type = PROBLEM_JSON),
        (status = 415, description = "Not multipart/form-data.", body = Problem, content_type = PROBLEM_JSON),
        (status = 408, description = "The body did not arrive within 120 seconds (`E_UPLOAD_TIMEOUT`).", body = Problem, content_type = PROBLEM_JSON),
        (status = 503, description = "Busy checking other documents (`E_BUSY`); retry after `Retry-After` seconds.", body = Problem, content_type = PROBLEM_JSON),
        (status = 422, description = "A PDF that cannot be signed, or an Idempotency-Key used with another request.", body = Problem, content_type = PROBLEM_JSON),
        (status = 429, description = "Too many requests.", body = Problem, content_type = PROBLEM_JSON),
    ),
    security(("api_key" = ["documents:submit"])),
)]
pub(super) async fn submit(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let prepared = async {
        caller.require(Scope::Submit)?;
        let key = idempotency_key(&req)?;
        Ok::<_, AppError>((key, read_submission(&state, &req, payload).await?))
    };
    let (key, submission) = match prepared.await {
        Ok(p) => p,
        Err(e) => return super::problem::respond(&e),
    };
    let base = super::super::citizen::public_base(&state, &req);
    let done = blocking(&state, move |app| {
        let (doc, replayed) = app.submit_api(&caller, &submission, key.as_deref())?;
        Ok((full_status(app, &doc, &base, false)?, replayed))
    })
    .await;
    match done {
        Ok((status, replayed)) => HttpResponse::Created()
            .insert_header((header::LOCATION, status.links.self_.clone()))
            .insert_header((
                "Idempotent-Replayed",
                if replayed { "true" } else { "false" },
            ))
            .json(status),
        Err(res) => res,
    }
}

/// `GET /api/v1/documents`: the application's documents, newest first, a page at a time.
#[utoipa::path(
    get,
    path = "/api/v1/documents",
    tag = "documents",
    params(ListQuery),
    responses(
        (status = 200, description = "A page of documents.", body = DocumentPage),
        (status = 400, description = "A bad filter.", body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "No key, or not a valid one.", body = Problem, content_type = PROBLEM_JSON),
        (status = 403, description = "The key lacks `documents:read`.", body = Problem, content_type = PROBLEM_JSON),
        (status = 429, description = "Too many requests.", body = Problem, content_type = PROBLEM_JSON),
    ),
    security(("api_key" = ["documents:read"])),
)]
pub(super) async fn list(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> HttpResponse {
    let filter = match filter_of(query.into_inner()) {
        Ok(f) => f,
        Err(e) => return super::problem::respond(&e),
    };
    let base = super::super::citizen::public_base(&state, &req);
    let page = blocking(&state, move |app| {
        let limit = filter.limit;
        let mut probe = filter.clone();
        probe.limit = limit + 1;
        let mut docs = app.api_documents(&caller, &probe)?;
        let more = i64::try_from(docs.len()).unwrap_or(i64::MAX) > limit;
        docs.truncate(usize::try_from(limit).unwrap_or(0));
        let next_cursor = more
            .then(|| docs.last().map(|d| d.id.0.to_string()))
            .flatten();
        let documents = docs
            .iter()
            .map(|d| full_status(app, d, &base, false))
            .collect::<Result<_, _>>()?;
        Ok(DocumentPage {
            documents,
            next_cursor,
        })
    })
    .await;
    match page {
        Ok(page) => HttpResponse::Ok().json(page),
        Err(res) => res,
    }
}

/// The list filter of a query. Errors: `E_BAD_QUERY`.
fn filter_of(q: ListQuery) -> Result<DocumentFilter, AppError> {
    let bad = |m: &str| AppError::bad_input("E_BAD_QUERY", m.to_owned());
    if let Some(s) = q.state.as_deref().filter(|s| *s != "in_review") {
        DocumentState::from_code(s).map_err(|_| {
            bad("state: a state code (submitted, in_review, in_review:N, returned, approved, signed, rejected, withdrawn)")
        })?;
    }
    let updated_since = q
        .updated_since
        .as_deref()
        .map(|t| {
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
                .map(|t| t.unix_timestamp())
                .map_err(|_| {
                    bad(
                        "updated_since: an RFC 3339 time, e.g. 2026-11-29T08:00:00+07:00 \
                         (in a URL, write its + as %2B)",
                    )
                })
        })
        .transpose()?;
    let limit = q.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(bad("limit: 1 to 100"));
    }
    let before = q
        .cursor
        .as_deref()
        .map(|c| {
            c.parse::<i64>()
                .map_err(|_| bad("cursor: use next_cursor as given"))
        })
        .transpose()?;
    Ok(DocumentFilter {
        state: q.state,
        service: q.service,
        updated_since,
        before,
        limit,
    })
}

/// `GET /api/v1/documents/{id}`: status and history.
#[utoipa::path(
    get,
    path = "/api/v1/documents/{id}",
    tag = "documents",
    params(("id" = String, Path, description = "The document's public id.")),
    responses(
        (status = 200, description = "The document, with its history.", body = DocumentStatus),
        (status = 401, description = "No key, or not a valid one.", body = Problem, content_type = PROBLEM_JSON),
        (status = 403, description = "The key lacks `documents:read`.", body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "No such document of this application.", body = Problem, content_type = PROBLEM_JSON),
        (status = 429, description = "Too many requests.", body = Problem, content_type = PROBLEM_JSON),
    ),
    security(("api_key" = ["documents:read"])),
)]
pub(super) async fn status(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let base = super::super::citizen::public_base(&state, &req);
    let id = id.into_inner();
    match blocking(&state, move |app| {
        let doc = app.api_document(&caller, &id)?;
        full_status(app, &doc, &base, true)
    })
    .await
    {
        Ok(status) => HttpResponse::Ok().json(status),
        Err(res) => res,
    }
}

/// `GET /api/v1/documents/{id}/signed.pdf`: the signed PDF.
#[utoipa::path(
    get,
    path = "/api/v1/documents/{id}/signed.pdf",
    tag = "documents",
    params(("id" = String, Path, description = "The document's public id.")),
    responses(
        (status = 200, description = "The signed PDF.", body = super::openapi::PdfBytes, content_type = "application/pdf"),
        (status = 401, description = "No key, or not a valid one.", body = Problem, content_type = PROBLEM_JSON),
        (status = 403, description = "The key lacks `documents:read`.", body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "No such document of this application.", body = Problem, content_type = PROBLEM_JSON),
        (status = 409, description = "Not signed yet (`E_NOT_SIGNED`).", body = Problem, content_type = PROBLEM_JSON),
        (status = 429, description = "Too many requests.", body = Problem, content_type = PROBLEM_JSON),
    ),
    security(("api_key" = ["documents:read"])),
)]
pub(super) async fn signed_pdf(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    id: web::Path<String>,
) -> HttpResponse {
    let id = id.into_inner();
    let name = format!("{id}.pdf");
    match blocking(&state, move |app| {
        let doc = app.api_document(&caller, &id)?;
        let sha = doc.signed_sha256.ok_or_else(|| AppError::Refused {
            code: "E_NOT_SIGNED",
            message: format!("not signed yet: the document is {}", doc.state.as_code()),
        })?;
        Ok(app.store().blobs().get(&sha)?)
    })
    .await
    {
        Ok(bytes) => super::super::pdf_response(bytes, &name, false),
        Err(res) => res,
    }
}

/// `GET /api/v1/documents/{id}/receipt`: the transparency log receipt of every event of the
/// document, each with its inclusion proof against a signed checkpoint (docs/transparency-log.md).
#[utoipa::path(
    get,
    path = "/api/v1/documents/{id}/receipt",
    tag = "documents",
    params(("id" = String, Path, description = "The document's public id.")),
    responses(
        (status = 200, description = "The receipt (`sahih-log-receipt/1`), verifiable offline with `sahih log verify-receipt`.", body = super::openapi::ReceiptSchema),
        (status = 401, description = "No key, or not a valid one.", body = Problem, content_type = PROBLEM_JSON),
        (status = 403, description = "The key lacks `documents:read`.", body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "No such document of this application.", body = Problem, content_type = PROBLEM_JSON),
        (status = 429, description = "Too many requests.", body = Problem, content_type = PROBLEM_JSON),
    ),
    security(("api_key" = ["documents:read"])),
)]
pub(super) async fn receipt(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    id: web::Path<String>,
) -> HttpResponse {
    let id = id.into_inner();
    match blocking(&state, move |app| {
        app.api_document(&caller, &id)?;
        app.receipt_for(&caller.user, &id)
    })
    .await
    {
        Ok(receipt) => HttpResponse::Ok().json(receipt),
        Err(res) => res,
    }
}

/// `POST /api/v1/documents/{id}/withdraw`: withdraws a document not yet in review (submitted
/// or returned). Withdrawing a withdrawn document answers its status again.
#[utoipa::path(
    post,
    path = "/api/v1/documents/{id}/withdraw",
    tag = "documents",
    params(("id" = String, Path, description = "The document's public id.")),
    responses(
        (status = 200, description = "Withdrawn.", body = DocumentStatus),
        (status = 401, description = "No key, or not a valid one.", body = Problem, content_type = PROBLEM_JSON),
        (status = 403, description = "The key lacks `documents:submit`.", body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "No such document of this application.", body = Problem, content_type = PROBLEM_JSON),
        (status = 409, description = "Too late: an officer already acted on it (`E_TRANSITION_NOT_ALLOWED`), or it is signed or rejected.", body = Problem, content_type = PROBLEM_JSON),
        (status = 429, description = "Too many requests.", body = Problem, content_type = PROBLEM_JSON),
    ),
    security(("api_key" = ["documents:submit"])),
)]
pub(super) async fn withdraw(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let base = super::super::citizen::public_base(&state, &req);
    let id = id.into_inner();
    match blocking(&state, move |app| {
        caller.require(Scope::Submit)?;
        let doc = app.api_document_for_write(&caller, &id)?;
        let doc = if doc.state == DocumentState::Withdrawn {
            doc
        } else {
            app.act(&caller.user, &id, Command::Withdraw, None, None)?
        };
        // The history (officers' names, their comments) is for keys that may read.
        full_status(app, &doc, &base, caller.require(Scope::Read).is_ok())
    })
    .await
    {
        Ok(status) => HttpResponse::Ok().json(status),
        Err(res) => res,
    }
}

/// `POST /api/v1/documents/{id}/resubmit`: the corrected form values (and, optionally, PDF)
/// of a document the officers returned; it starts its route again.
#[utoipa::path(
    post,
    path = "/api/v1/documents/{id}/resubmit",
    tag = "documents",
    params(
        ("id" = String, Path, description = "The document's public id."),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key with the same request answers with the document as it is now (header `Idempotent-Replayed: true`)."),
    ),
    request_body(content = ResubmissionForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Resubmitted (or, on a replay, the document as it is now).", body = DocumentStatus,
            headers(("Idempotent-Replayed" = String, description = "`true` when an earlier request with this Idempotency-Key made the resubmission, else `false`."))),
        (status = 400, description = "Bad metadata, form values or Idempotency-Key.", body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "No key, or not a valid one.", body = Problem, content_type = PROBLEM_JSON),
        (status = 403, description = "The key lacks `documents:submit`.", body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "No such document of this application.", body = Problem, content_type = PROBLEM_JSON),
        (status = 409, description = "The document is not returned for revision (`E_TRANSITION_NOT_ALLOWED`), or changed meanwhile (`E_CONFLICT`).", body = Problem, content_type = PROBLEM_JSON),
        (status = 413, description = "Larger than the upload limit.", body = Problem, content_type = PROBLEM_JSON),
        (status = 415, description = "Not multipart/form-data.", body = Problem, content_type = PROBLEM_JSON),
        (status = 408, description = "The body did not arrive within 120 seconds (`E_UPLOAD_TIMEOUT`).", body = Problem, content_type = PROBLEM_JSON),
        (status = 503, description = "Busy checking other documents (`E_BUSY`); retry after `Retry-After` seconds.", body = Problem, content_type = PROBLEM_JSON),
        (status = 422, description = "A PDF that cannot be signed, or an Idempotency-Key used with another request.", body = Problem, content_type = PROBLEM_JSON),
        (status = 429, description = "Too many requests.", body = Problem, content_type = PROBLEM_JSON),
    ),
    security(("api_key" = ["documents:submit"])),
)]
pub(super) async fn resubmit(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
) -> HttpResponse {
    let prepared = async {
        caller.require(Scope::Submit)?;
        let key = idempotency_key(&req)?;
        let (metadata, mut form) =
            read_multipart::<ResubmissionMetadata>(&state, &req, payload).await?;
        if form.empty_file {
            return Err(AppError::bad_input(
                "E_UPLOAD_MISSING",
                "the file in field berkas is empty: send the corrected PDF, or no berkas part to keep the previous one",
            ));
        }
        let resubmission = ApiResubmission {
            form: metadata.form,
            upload: form.file.take(),
            direct: metadata.route == Route::Direct,
        };
        Ok::<_, AppError>((key, resubmission))
    };
    let (key, resubmission) = match prepared.await {
        Ok(p) => p,
        Err(e) => return super::problem::respond(&e),
    };
    let base = super::super::citizen::public_base(&state, &req);
    let id = id.into_inner();
    let done = blocking(&state, move |app| {
        let (doc, replayed) = app.resubmit_api(&caller, &id, &resubmission, key.as_deref())?;
        let history = caller.require(Scope::Read).is_ok();
        Ok((full_status(app, &doc, &base, history)?, replayed))
    })
    .await;
    match done {
        Ok((status, replayed)) => HttpResponse::Ok()
            .insert_header((
                "Idempotent-Replayed",
                if replayed { "true" } else { "false" },
            ))
            .json(status),
        Err(res) => res,
    }
}
