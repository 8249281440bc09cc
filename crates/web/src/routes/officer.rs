//! The officers' side: the queue, the review page, paraf, return, reject and sign.

use actix_web::{HttpRequest, HttpResponse, web};
use sahih_workflow::{Command, ReturnTo, Role, StepAction};
use zeroize::Zeroizing;

use super::citizen::document_page;
use super::{ActionForm, blocking, html, see_other};
use crate::app::KeyUnlock;
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
            if sign {
                row.round = app.store().document_round(row.document.id)?;
            }
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
    let totp = Zeroizing::new(form.totp);
    let id = id.into_inner();
    let doc = blocking(&state, move |app| {
        let unlock = (!passphrase.is_empty())
            .then(|| KeyUnlock::with_totp(passphrase.as_bytes(), totp.as_str()));
        app.paraf_with(&user, &id, unlock.as_ref(), seen.as_ref())
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
    let totp = Zeroizing::new(form.totp);
    let id = id.into_inner();
    let doc = blocking(&state, move |app| {
        let unlock = KeyUnlock::with_totp(passphrase.as_bytes(), totp.as_str());
        app.sign_with(&user, &id, &unlock, seen.as_ref())
    })
    .await?;
    Ok(see_other(&format!("/petugas/dokumen/{}", doc.public_id)))
}

/// The largest batch-signing form read: [`crate::app::MAX_BATCH`] public ids with room to spare.
const BATCH_BODY_LIMIT: usize = 64 * 1024;

/// Reads a request body of at most `limit` bytes.
///
/// Errors: `E_UPLOAD_TOO_LARGE` (413) past the limit, `E_BAD_INPUT` when the body breaks off.
async fn read_body(mut payload: web::Payload, limit: usize) -> Result<Vec<u8>, AppError> {
    use futures_util::StreamExt;
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| AppError::bad_input("E_BAD_INPUT", e.to_string()))?;
        if body.len() + chunk.len() > limit {
            return Err(AppError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A `dokumen` value of the batch form: `{public_id}.{version}.{round}` as the queue shows the
/// document (a bare public id acts on the document as it is).
fn batch_item(value: &str) -> crate::app::BatchItem {
    let mut parts = value.split('.');
    let public_id = parts.next().unwrap_or_default().to_string();
    let version = parts.next().and_then(|v| v.parse::<i64>().ok());
    let round = parts.next().and_then(|r| r.parse::<i64>().ok());
    let seen = match (version, round, parts.next()) {
        (Some(version), Some(round), None) => Some(crate::app::Seen {
            state: sahih_workflow::DocumentState::Approved.as_code(),
            version,
            round: Some(round),
        }),
        _ => None,
    };
    crate::app::BatchItem { public_id, seen }
}

/// Batch signing: `csrf`, `passphrase`, and one `dokumen` field per selected document
/// (`{public_id}.{version}.{round}`), as `application/x-www-form-urlencoded`.
async fn sign_batch(
    state: web::Data<AppState>,
    v: Visitor,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    // The body holds the passphrase and the code: zeroized when dropped.
    let body = Zeroizing::new(read_body(payload, BATCH_BODY_LIMIT).await?);
    let mut csrf = String::new();
    let mut passphrase = Zeroizing::new(String::new());
    let mut totp = Zeroizing::new(String::new());
    let mut ids = Vec::new();
    for (key, value) in form_urlencoded::parse(&body) {
        match key.as_ref() {
            "csrf" => csrf = value.into_owned(),
            "passphrase" => passphrase = Zeroizing::new(value.into_owned()),
            "totp" => totp = Zeroizing::new(value.into_owned()),
            "dokumen" => ids.push(batch_item(&value)),
            _ => {}
        }
    }
    v.check_csrf(&csrf)?;
    let user = officer(&v)?;
    let outcomes = blocking(&state, move |app| {
        let unlock = KeyUnlock::with_totp(passphrase.as_bytes(), totp.as_str());
        let outcomes = app.sign_batch_with(&user, &ids, &unlock)?;
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

#[cfg(test)]
mod tests {
    use actix_web::{App, test};

    use crate::i18n::Lang;
    use crate::session::new_session;
    use crate::test_support::state;

    /// The batch-signing form refuses a missing token, a citizen, nothing selected and an
    /// oversized body, each with its code, and signs nothing.
    #[actix_web::test]
    async fn batch_signing_refuses_bad_requests_with_their_codes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (_db, state) = state(dir.path());
        let app = state.app.clone();
        let store = app.store();
        let agency = store.ensure_agency("BAPENDA", "Bapenda").expect("agency");
        let signer = store
            .create_user(&sahih_store::NewUser {
                login: "kabid".into(),
                name: "Kabid".into(),
                email: None,
                password_hash: "$argon2id$unused".into(),
                role: sahih_workflow::Role::Signer,
                agency_id: Some(agency),
                position: None,
                cert_pem: None,
                key_pem: None,
            })
            .expect("signer");
        let signer = store.user(signer).expect("load").expect("signer");
        let citizen = app
            .register_citizen("siti", "Siti", "", "rahasia-siti-2026")
            .expect("citizen");
        let (cookie, v) = new_session(store, Some(signer), Lang::Id, false).expect("session");
        let (citizen_cookie, cv) =
            new_session(store, Some(citizen), Lang::Id, false).expect("session");
        let svc = test::init_service(App::new().app_data(state).configure(crate::configure)).await;
        let post = |cookie, body: String| {
            test::TestRequest::post()
                .uri("/petugas/tandatangani-massal")
                .cookie(cookie)
                .insert_header(("content-type", "application/x-www-form-urlencoded"))
                .set_payload(body)
                .to_request()
        };
        let cases = [
            (
                cookie.clone(),
                "passphrase=x&dokumen=abc".to_string(),
                403,
                "E_CSRF",
            ),
            (
                citizen_cookie,
                format!("csrf={}&passphrase=x&dokumen=abc", cv.csrf),
                403,
                "E_WRONG_ROLE",
            ),
            (
                cookie.clone(),
                format!("csrf={}&passphrase=x", v.csrf),
                400,
                "E_BATCH_EMPTY",
            ),
            (
                cookie.clone(),
                format!("csrf={}&passphrase=x&{}", v.csrf, "dokumen=a&".repeat(8000)),
                413,
                "E_UPLOAD_TOO_LARGE",
            ),
            (
                cookie,
                format!("csrf={}&passphrase=x{}", v.csrf, "&dokumen=a".repeat(201)),
                400,
                "E_BATCH_TOO_LARGE",
            ),
        ];
        for (cookie, body, status, code) in cases {
            let res = test::call_service(&svc, post(cookie, body)).await;
            assert_eq!(res.status().as_u16(), status, "{code}");
            let html = String::from_utf8(test::read_body(res).await.to_vec()).expect("utf-8");
            assert!(html.contains(code), "{code}: {html}");
        }
    }
}
