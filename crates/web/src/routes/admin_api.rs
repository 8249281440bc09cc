//! The agency admin's page of the integration API (`GET /admin/api`): their agency's
//! applications with webhook URL and secret, and each one's keys. An application is registered
//! with `POST /admin/api/aplikasi`; a key made with `POST /admin/api/aplikasi/{code}/kunci`
//! (its token shown once, in that answer only, never stored, never cached); revoked with
//! `POST /admin/api/kunci/{key_id}/cabut`; the webhook URL set or cleared with
//! `POST /admin/api/aplikasi/{code}/webhook`. Admins only, their own agency only; every POST
//! carries the CSRF token. A refused form comes back on the page with what was typed and the
//! reason beside it, with the refusal's status and code (`X-Sahih-Error`).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpResponse, web};
use askama::Template;
use futures_util::StreamExt;
use sahih_store::ApiApplication;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::{CsrfForm, blocking, html, see_other};
use crate::app::Scope;
use crate::app::api_admin::ApiOverview;
use crate::session::Visitor;
use crate::views::Page;
use crate::{AppError, AppState};

/// The largest key form read, bytes: a CSRF token and a few scope names.
const KEY_FORM_LIMIT: usize = 4 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/api", web::get().to(page))
        .route("/admin/api/aplikasi", web::post().to(register))
        .route(
            "/admin/api/aplikasi/{code}/kunci",
            web::post().to(create_key),
        )
        .route(
            "/admin/api/aplikasi/{code}/webhook",
            web::post().to(webhook),
        )
        .route("/admin/api/kunci/{key_id}/cabut", web::post().to(revoke));
}

/// A scope as the key form offers it.
pub struct ScopeChoice {
    /// Its name, e.g. `documents:submit`.
    pub name: &'static str,
    /// The translation key of what it allows.
    pub label: &'static str,
    /// Ticked unless the admin unticks it ([`Scope::DEFAULT`]).
    pub checked: bool,
    /// The scope that skips paraf (shown with its warning).
    pub direct: bool,
}

fn scope_choices() -> Vec<ScopeChoice> {
    Scope::ALL
        .into_iter()
        .map(|s| ScopeChoice {
            name: s.as_str(),
            label: match s {
                Scope::Submit => "apikeys_scope_submit",
                Scope::SubmitDirect => "apikeys_scope_submit_direct",
                Scope::Read => "apikeys_scope_read",
                Scope::Verify => "apikeys_scope_verify",
            },
            checked: Scope::DEFAULT.contains(&s),
            direct: s == Scope::SubmitDirect,
        })
        .collect()
}

/// What a refused form had in it, to show again.
#[derive(Default)]
pub struct Typed {
    /// The new application's code.
    pub code: String,
    /// The new application's name.
    pub name: String,
    /// The application whose webhook URL was refused.
    pub webhook_for: String,
    /// The refused webhook URL.
    pub webhook_url: String,
}

/// Why a form was refused: its code (a translation key) and the English detail.
pub struct Refusal {
    /// Stable code, e.g. `E_BAD_WEBHOOK_URL`.
    pub code: &'static str,
    /// English detail.
    pub detail: String,
}

/// The admin's applications and keys, with the forms.
#[derive(Template)]
#[template(path = "admin_api.html")]
pub struct AdminApiPage {
    /// Common.
    pub p: Page,
    /// The agency, its applications and keys.
    pub overview: ApiOverview,
    /// The key form's scopes.
    pub scopes: Vec<ScopeChoice>,
    /// A translation key saying what was just done, if anything.
    pub notice: Option<&'static str>,
    /// Why the form just sent was refused, if it was.
    pub refusal: Option<Refusal>,
    /// What the refused form had in it.
    pub typed: Typed,
}

impl AdminApiPage {
    /// A Unix time as the page shows it (WIB).
    pub fn at(&self, unix: &i64) -> String {
        self.p.time(*unix)
    }

    /// The webhook field's value for `application`: what was typed if that was refused,
    /// otherwise the stored URL.
    pub fn webhook_value<'a>(&'a self, application: &'a ApiApplication) -> &'a str {
        if self.refusal.is_some() && self.typed.webhook_for == application.code {
            &self.typed.webhook_url
        } else {
            application.webhook_url.as_deref().unwrap_or_default()
        }
    }
}

/// The key just made, shown once.
#[derive(Template)]
#[template(path = "admin_api_key.html")]
pub struct AdminApiKeyPage {
    /// Common.
    pub p: Page,
    /// The application the key acts for.
    pub application: ApiApplication,
    /// The key's public id.
    pub key_id: String,
    /// The whole key, `sahih_<key id>_<secret>`.
    pub token: Zeroizing<String>,
    /// Its scopes.
    pub scopes: Vec<&'static str>,
}

#[derive(Deserialize)]
struct NoticeQuery {
    #[serde(default)]
    disimpan: String,
}

#[derive(Deserialize)]
struct ApplicationForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
struct WebhookForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    url: String,
    /// `simpan` (set the URL) or `hapus` (clear it).
    #[serde(default)]
    aksi: String,
}

/// The page, private to its admin: it shows webhook secrets, so nothing may keep a copy.
fn private_page(page: impl Template, status: StatusCode) -> Result<HttpResponse, AppError> {
    let mut res = html(page)?;
    *res.status_mut() = status;
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

async fn page(
    state: web::Data<AppState>,
    v: Visitor,
    query: web::Query<NoticeQuery>,
) -> Result<HttpResponse, AppError> {
    let user = v.user()?.clone();
    let overview = blocking(&state, move |app| app.admin_api(&user)).await?;
    let notice = match query.disimpan.as_str() {
        "aplikasi" => Some("apikeys_registered"),
        "webhook" => Some("apikeys_webhook_saved"),
        "webhook-dihapus" => Some("apikeys_webhook_cleared"),
        "dicabut" => Some("apikeys_key_revoked"),
        _ => None,
    };
    private_page(
        AdminApiPage {
            p: v.page(),
            overview,
            scopes: scope_choices(),
            notice,
            refusal: None,
            typed: Typed::default(),
        },
        StatusCode::OK,
    )
}

/// The page again with a refused form's reason and what it had in it, for refusals of what
/// was typed (400, 409); anything else (not an admin, not found, CSRF) is the error page.
async fn refused(
    state: &web::Data<AppState>,
    v: &Visitor,
    e: AppError,
    typed: Typed,
) -> Result<HttpResponse, AppError> {
    let status = actix_web::ResponseError::status_code(&e);
    if !matches!(status, StatusCode::BAD_REQUEST | StatusCode::CONFLICT) {
        return Err(e);
    }
    let user = v.user()?.clone();
    let overview = blocking(state, move |app| app.admin_api(&user)).await?;
    let code = e.code();
    let mut res = private_page(
        AdminApiPage {
            p: v.page(),
            overview,
            scopes: scope_choices(),
            notice: None,
            refusal: Some(Refusal {
                code,
                detail: e.to_string(),
            }),
            typed,
        },
        status,
    )?;
    if let Ok(value) = HeaderValue::from_str(code) {
        res.headers_mut()
            .insert(HeaderName::from_static("x-sahih-error"), value);
    }
    Ok(res)
}

async fn register(
    state: web::Data<AppState>,
    v: Visitor,
    form: web::Form<ApplicationForm>,
) -> Result<HttpResponse, AppError> {
    v.check_csrf(&form.csrf)?;
    let user = v.user()?.clone();
    let form = form.into_inner();
    let (code, name) = (form.code.clone(), form.name.clone());
    let done = blocking(&state, move |app| {
        app.admin_register_application(&user, &code, &name)
    })
    .await;
    match done {
        Ok(a) => Ok(see_other(&format!(
            "/admin/api?disimpan=aplikasi#aplikasi-{}",
            a.code
        ))),
        Err(e) => {
            let typed = Typed {
                code: form.code,
                name: form.name,
                ..Typed::default()
            };
            refused(&state, &v, e, typed).await
        }
    }
}

/// Reads a form body of at most [`KEY_FORM_LIMIT`] bytes.
///
/// Errors: `E_UPLOAD_TOO_LARGE` (413) past the limit, `E_BAD_INPUT` when the body breaks off.
async fn read_form(mut payload: web::Payload) -> Result<Vec<u8>, AppError> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| AppError::bad_input("E_BAD_INPUT", e.to_string()))?;
        if body.len() + chunk.len() > KEY_FORM_LIMIT {
            return Err(AppError::TooLarge {
                limit: KEY_FORM_LIMIT,
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Makes a key: `csrf` and one `scope` field per ticked scope, as
/// `application/x-www-form-urlencoded`. The answer is the only place the token ever appears:
/// a page (not a redirect, so never in a URL) that nothing may store.
async fn create_key(
    state: web::Data<AppState>,
    v: Visitor,
    code: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let body = read_form(payload).await?;
    let mut csrf = String::new();
    let mut names = Vec::new();
    for (key, value) in form_urlencoded::parse(&body) {
        match key.as_ref() {
            "csrf" => csrf = value.into_owned(),
            "scope" => names.push(value.into_owned()),
            _ => {}
        }
    }
    v.check_csrf(&csrf)?;
    let user = v.user()?.clone();
    let code = code.into_inner();
    let done = match names
        .iter()
        .map(|n| Scope::parse(n))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(scopes) => {
            blocking(&state, move |app| {
                let (application, key) = app.admin_create_api_key(&user, &code, &scopes)?;
                let stored = app
                    .store()
                    .api_keys(Some(application.user), None)?
                    .into_iter()
                    .find(|k| k.key_id == key.key_id)
                    .ok_or(AppError::NotFound)?;
                Ok((application, key, stored.scopes))
            })
            .await
        }
        Err(e) => Err(e),
    };
    let (application, key, scopes) = match done {
        Ok(made) => made,
        Err(e) => return refused(&state, &v, e, Typed::default()).await,
    };
    let scopes = Scope::ALL
        .into_iter()
        .map(Scope::as_str)
        .filter(|s| scopes.iter().any(|k| k == s))
        .collect();
    private_page(
        AdminApiKeyPage {
            p: v.page(),
            application,
            key_id: key.key_id,
            token: key.token,
            scopes,
        },
        StatusCode::OK,
    )
}

async fn webhook(
    state: web::Data<AppState>,
    v: Visitor,
    code: web::Path<String>,
    form: web::Form<WebhookForm>,
) -> Result<HttpResponse, AppError> {
    v.check_csrf(&form.csrf)?;
    let user = v.user()?.clone();
    let form = form.into_inner();
    let code = code.into_inner();
    let url = match form.aksi.as_str() {
        "simpan" => Some(form.url.clone()),
        "hapus" => None,
        _ => {
            return Err(AppError::bad_input("E_BAD_INPUT", "aksi: simpan or hapus"));
        }
    };
    let word = if url.is_some() {
        "webhook"
    } else {
        "webhook-dihapus"
    };
    let wanted = code.clone();
    let done = blocking(&state, move |app| {
        app.admin_set_webhook(&user, &wanted, url.as_deref())
    })
    .await;
    match done {
        Ok(a) => Ok(see_other(&format!(
            "/admin/api?disimpan={word}#aplikasi-{}",
            a.code
        ))),
        Err(e) => {
            let typed = Typed {
                webhook_for: code,
                webhook_url: form.url,
                ..Typed::default()
            };
            refused(&state, &v, e, typed).await
        }
    }
}

async fn revoke(
    state: web::Data<AppState>,
    v: Visitor,
    key_id: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    v.check_csrf(&form.csrf)?;
    let user = v.user()?.clone();
    let key_id = key_id.into_inner();
    let wanted = key_id.clone();
    blocking(&state, move |app| app.admin_revoke_api_key(&user, &wanted)).await?;
    // The key exists in the admin's agency, so its id is the 12 hex digits keys are made with.
    Ok(see_other(&format!(
        "/admin/api?disimpan=dicabut#kunci-{key_id}"
    )))
}

#[cfg(test)]
mod tests;
