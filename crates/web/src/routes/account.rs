//! Home, login, logout, registration and the language switch.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use zeroize::Zeroizing;

use super::{CsrfForm, blocking, html, see_other};
use crate::i18n::Lang;
use crate::session::{Visitor, new_session};
use crate::views::{IndexPage, LoginPage, RegisterPage};
use crate::{AppError, AppState};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(index))
        .route("/masuk", web::get().to(login_page))
        .route("/masuk", web::post().to(login))
        .route("/keluar", web::post().to(logout))
        .route("/daftar", web::get().to(register_page))
        .route("/daftar", web::post().to(register))
        .route("/bahasa/{lang}", web::get().to(set_lang));
}

async fn index(state: web::Data<AppState>, v: Visitor) -> Result<HttpResponse, AppError> {
    let services = blocking(&state, |app| app.services()).await?;
    html(IndexPage {
        p: v.page(),
        city: state.app.config().city.clone(),
        services,
    })
}

#[derive(Deserialize)]
struct NextQuery {
    #[serde(default)]
    next: String,
}

/// `next` when it is a path on this site, else the empty string (never another site).
fn local_path(next: &str) -> String {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.contains("://");
    if local {
        next.to_string()
    } else {
        String::new()
    }
}

async fn login_page(v: Visitor, q: web::Query<NextQuery>) -> Result<HttpResponse, AppError> {
    html(LoginPage {
        p: v.page(),
        error: None,
        next: local_path(&q.next),
    })
}

async fn register_page(v: Visitor) -> Result<HttpResponse, AppError> {
    html(RegisterPage { p: v.page() })
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf: String,
    login: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// Replaces the visitor's session with a new one for `user` (no session fixation).
async fn start_session(
    state: &web::Data<AppState>,
    v: &Visitor,
    user: sahih_store::User,
    next: &str,
) -> Result<HttpResponse, AppError> {
    let home = if user.role == sahih_workflow::Role::Citizen {
        "/permohonan"
    } else {
        "/petugas"
    };
    let next = local_path(next);
    let to = if next.is_empty() { home } else { next.as_str() };
    let (old, lang, secure) = (v.token_hash.clone(), v.lang, state.secure_cookies);
    let (cookie, _) = blocking(state, move |app| {
        app.store().delete_session(&old)?;
        new_session(app.store(), Some(user), lang, secure)
    })
    .await?;
    let mut res = see_other(to);
    res.add_cookie(&cookie)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(res)
}

async fn login(
    state: web::Data<AppState>,
    v: Visitor,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    v.check_csrf(&form.csrf)?;
    let form = form.into_inner();
    let (login, password) = (form.login, Zeroizing::new(form.password));
    match blocking(&state, move |app| app.authenticate(&login, &password)).await {
        Ok(user) => start_session(&state, &v, user, &form.next).await,
        // The login form again, with the reason, rather than an error page.
        Err(e @ AppError::BadLogin) => {
            let page = LoginPage {
                p: v.page(),
                error: Some(e.code()),
                next: local_path(&form.next),
            };
            let mut res = html(page)?;
            *res.status_mut() = actix_web::http::StatusCode::UNAUTHORIZED;
            res.headers_mut().insert(
                actix_web::http::header::HeaderName::from_static("x-sahih-error"),
                actix_web::http::header::HeaderValue::from_static("E_BAD_LOGIN"),
            );
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

async fn logout(
    state: web::Data<AppState>,
    v: Visitor,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    v.check_csrf(&form.csrf)?;
    let (old, lang, secure) = (v.token_hash.clone(), v.lang, state.secure_cookies);
    let (cookie, _) = blocking(&state, move |app| {
        app.store().delete_session(&old)?;
        new_session(app.store(), None, lang, secure)
    })
    .await?;
    let mut res = see_other("/");
    res.add_cookie(&cookie)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(res)
}

#[derive(Deserialize)]
struct RegisterForm {
    #[serde(default)]
    csrf: String,
    login: String,
    name: String,
    #[serde(default)]
    email: String,
    password: String,
}

async fn register(
    state: web::Data<AppState>,
    v: Visitor,
    form: web::Form<RegisterForm>,
) -> Result<HttpResponse, AppError> {
    v.check_csrf(&form.csrf)?;
    let form = form.into_inner();
    let password = Zeroizing::new(form.password);
    let user = blocking(&state, move |app| {
        app.register_citizen(&form.login, &form.name, &form.email, &password)
    })
    .await?;
    start_session(&state, &v, user, "").await
}

async fn set_lang(
    state: web::Data<AppState>,
    v: Visitor,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let lang = Lang::parse(&path).ok_or(AppError::NotFound)?;
    if !crate::head::is_head(&req) {
        let hash = v.token_hash.clone();
        blocking(&state, move |app| {
            Ok(app.store().set_session_lang(&hash, lang.code())?)
        })
        .await?;
    }
    Ok(see_other(&back_to(&req)))
}

/// The same-origin page the visitor came from (`Referer`), or `/`: never another site.
fn back_to(req: &HttpRequest) -> String {
    let host = req.connection_info().host().to_string();
    req.headers()
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| r.split_once("://"))
        .and_then(|(_, rest)| rest.strip_prefix(host.as_str()))
        .filter(|path| {
            path.starts_with('/') && !path.starts_with("//") && !path.starts_with("/bahasa/")
        })
        .map(str::to_string)
        .unwrap_or_else(|| "/".to_string())
}
