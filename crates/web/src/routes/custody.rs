//! The officer's signing-key page (`GET /akun/kunci`): enroll the TOTP second factor by QR code
//! and confirm it with a code (`POST /akun/kunci/faktor-kedua`).

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use zeroize::Zeroizing;

use super::{blocking, html, see_other};
use crate::session::Visitor;
use crate::views::AccountKeyPage;
use crate::{AppError, AppState};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/akun/kunci", web::get().to(page))
        .route("/akun/kunci/faktor-kedua", web::post().to(confirm))
        .route("/akun/kunci/p12", web::post().to(import_p12));
}

#[derive(Deserialize)]
struct NoticeQuery {
    #[serde(default)]
    ok: String,
}

async fn page(
    state: web::Data<AppState>,
    v: Visitor,
    q: web::Query<NoticeQuery>,
) -> Result<HttpResponse, AppError> {
    let user = v.user()?.clone();
    let (enrollment, required) = blocking(&state, move |app| {
        Ok((
            app.second_factor_enrollment(&user)?,
            app.second_factor_settings().require_totp,
        ))
    })
    .await?;
    let notice = match q.ok.as_str() {
        "faktor-kedua" => Some("totp_enrolled"),
        "p12" => Some("p12_imported"),
        _ => None,
    };
    let mut res = html(AccountKeyPage {
        p: v.page(),
        enrollment,
        required,
        notice,
    })?;
    // The page shows a secret: never kept by a cache.
    res.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

#[derive(Deserialize)]
struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    totp: String,
}

async fn confirm(
    state: web::Data<AppState>,
    v: Visitor,
    form: web::Form<ConfirmForm>,
) -> Result<HttpResponse, AppError> {
    v.check_csrf(&form.csrf)?;
    let user = v.user()?.clone();
    let code = Zeroizing::new(form.into_inner().totp);
    blocking(&state, move |app| app.confirm_second_factor(&user, &code)).await?;
    Ok(see_other("/akun/kunci?ok=faktor-kedua"))
}

/// Imports a PKCS#12 file (`multipart/form-data`: the file in `berkas`, its password in
/// `p12_password`, the new signing passphrase in `passphrase`).
async fn import_p12(
    state: web::Data<AppState>,
    v: Visitor,
    payload: actix_multipart::Multipart,
) -> Result<HttpResponse, AppError> {
    let mut form = crate::upload::read(payload, crate::app::MAX_P12_BYTES).await?;
    let mut field = |name: &str| Zeroizing::new(form.fields.remove(name).unwrap_or_default());
    let (csrf, p12_password, passphrase) =
        (field("csrf"), field("p12_password"), field("passphrase"));
    v.check_csrf(&csrf)?;
    let user = v.user()?.clone();
    let file = Zeroizing::new(form.take_file()?.bytes);
    blocking(&state, move |app| {
        app.import_p12(&user, &file, p12_password.as_bytes(), passphrase.as_bytes())
    })
    .await?;
    Ok(see_other("/akun/kunci?ok=p12"))
}
