//! Disposisi and signing delegation (Plt./Plh.) for officers: forward a document from its page,
//! `/petugas/disposisi` (received and sent; opening marks read; cancel; complete with a note),
//! `/petugas/delegasi` (grant, list, revoke). Every form carries the CSRF token; citizens get
//! 403 `E_WRONG_ROLE`.

use actix_web::{HttpResponse, web};
use askama::Template;
use sahih_store::{DelegationId, DispositionId, StoredDelegation, StoredDisposition};
use sahih_workflow::{Role, UserId};
use serde::Deserialize;

use super::{blocking, html, see_other};
use crate::app::{
    DelegationOverview, DispositionInbox, GrantRequest, day_wib, disposition_state_label,
};
use crate::session::Visitor;
use crate::views::Page;
use crate::{AppError, AppState};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/petugas/disposisi", web::get().to(inbox))
        .route("/petugas/disposisi/{n}", web::get().to(open))
        .route("/petugas/disposisi/{n}/batal", web::post().to(cancel))
        .route("/petugas/disposisi/{n}/selesai", web::post().to(complete))
        .route("/petugas/dokumen/{id}/disposisi", web::post().to(forward))
        .route("/petugas/delegasi", web::get().to(delegations))
        .route("/petugas/delegasi", web::post().to(grant))
        .route("/petugas/delegasi/{n}/cabut", web::post().to(revoke));
}

/// `/petugas/disposisi`.
#[derive(Template)]
#[template(path = "disposisi.html")]
pub struct DispositionPage {
    /// Common.
    pub p: Page,
    /// Received and sent.
    pub inbox: DispositionInbox,
}

impl DispositionPage {
    /// The state's label.
    pub fn state(&self, d: &StoredDisposition) -> &'static str {
        disposition_state_label(self.p.lang, d)
    }

    /// The document's short tracking number: its public id's first 8 characters.
    pub fn short<'a>(&self, d: &'a StoredDisposition) -> &'a str {
        d.document_public_id
            .get(..8)
            .unwrap_or(&d.document_public_id)
    }
}

/// `/petugas/delegasi`.
#[derive(Template)]
#[template(path = "delegasi.html")]
pub struct DelegationPage {
    /// Common.
    pub p: Page,
    /// Grants, held grants, and the form's choices.
    pub o: DelegationOverview,
    /// Today in WIB, `YYYY-MM-DD` (the form's earliest date).
    pub today: String,
}

impl DelegationPage {
    /// `active`, `upcoming`, `ended` or `revoked`, translated.
    pub fn status(&self, g: &StoredDelegation) -> &'static str {
        let key = if g.revoked_at.is_some() {
            "delegation_revoked"
        } else if g.delegation.valid_until <= self.o.now {
            "delegation_ended"
        } else if g.delegation.valid_from > self.o.now {
            "delegation_upcoming"
        } else {
            "delegation_active"
        };
        self.p.t(key)
    }

    /// The first and last day (WIB, both included), e.g. `2026-12-01 – 2027-02-28`.
    pub fn period(&self, g: &StoredDelegation) -> String {
        format!(
            "{} – {}",
            day_wib(g.delegation.valid_from),
            day_wib(g.delegation.valid_until - 1)
        )
    }

    /// `Plt.` or `Plh.` and the delegator's position.
    pub fn title(&self, g: &StoredDelegation) -> String {
        g.delegation
            .reason_prefix(g.delegator_position.as_deref().unwrap_or_default())
    }

    /// Whether a grant can still be revoked: not revoked and not ended.
    pub fn revocable(&self, g: &StoredDelegation) -> bool {
        g.revoked_at.is_none() && g.delegation.valid_until > self.o.now
    }
}

fn officer(v: &Visitor) -> Result<sahih_store::User, AppError> {
    let user = v.user()?;
    if user.role == Role::Citizen {
        return Err(AppError::Forbidden("E_WRONG_ROLE"));
    }
    Ok(user.clone())
}

async fn inbox(state: web::Data<AppState>, v: Visitor) -> Result<HttpResponse, AppError> {
    let user = officer(&v)?;
    let inbox = blocking(&state, move |app| app.disposition_inbox(&user)).await?;
    html(DispositionPage { p: v.page(), inbox })
}

/// Opens a disposisi (the recipient's first opening marks it read) on its document's page.
async fn open(
    state: web::Data<AppState>,
    v: Visitor,
    n: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let user = officer(&v)?;
    let id = DispositionId(n.into_inner());
    let d = blocking(&state, move |app| app.open_disposition(&user, id)).await?;
    Ok(see_other(&format!(
        "/petugas/dokumen/{}#disposisi",
        d.document_public_id
    )))
}

#[derive(Deserialize)]
struct DispositionForm {
    #[serde(default)]
    csrf: String,
    /// `dokumen`: back to the document's page; otherwise to `/petugas/disposisi`.
    #[serde(default)]
    kembali: String,
    #[serde(default)]
    catatan: String,
}

fn back(form: &DispositionForm, d: &StoredDisposition) -> HttpResponse {
    if form.kembali == "dokumen" {
        see_other(&format!(
            "/petugas/dokumen/{}#disposisi",
            d.document_public_id
        ))
    } else {
        see_other("/petugas/disposisi")
    }
}

async fn cancel(
    state: web::Data<AppState>,
    v: Visitor,
    n: web::Path<i64>,
    form: web::Form<DispositionForm>,
) -> Result<HttpResponse, AppError> {
    v.check_csrf(&form.csrf)?;
    let user = officer(&v)?;
    let id = DispositionId(n.into_inner());
    let d = blocking(&state, move |app| app.cancel_disposition(&user, id)).await?;
    Ok(back(&form, &d))
}

async fn complete(
    state: web::Data<AppState>,
    v: Visitor,
    n: web::Path<i64>,
    form: web::Form<DispositionForm>,
) -> Result<HttpResponse, AppError> {
    v.check_csrf(&form.csrf)?;
    let user = officer(&v)?;
    let id = DispositionId(n.into_inner());
    let note = form.catatan.clone();
    let d = blocking(&state, move |app| {
        app.complete_disposition(&user, id, &note)
    })
    .await?;
    Ok(back(&form, &d))
}

#[derive(Deserialize)]
struct ForwardForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kepada: String,
    #[serde(default)]
    instruksi: String,
}

/// Reads a user id chosen in a form. Errors: `E_BAD_INPUT` naming the field.
fn user_id(value: &str, field: &str) -> Result<UserId, AppError> {
    value
        .trim()
        .parse::<i64>()
        .map(UserId)
        .map_err(|_| AppError::bad_input("E_BAD_INPUT", format!("{field}: choose an officer")))
}

async fn forward(
    state: web::Data<AppState>,
    v: Visitor,
    id: web::Path<String>,
    form: web::Form<ForwardForm>,
) -> Result<HttpResponse, AppError> {
    v.check_csrf(&form.csrf)?;
    let user = officer(&v)?;
    let to = user_id(&form.kepada, "kepada")?;
    let form = form.into_inner();
    let id = id.into_inner();
    let doc = blocking(&state, move |app| {
        app.forward(&user, &id, to, &form.instruksi)
    })
    .await?;
    Ok(see_other(&format!(
        "/petugas/dokumen/{}#disposisi",
        doc.public_id
    )))
}

async fn delegations(state: web::Data<AppState>, v: Visitor) -> Result<HttpResponse, AppError> {
    let user = officer(&v)?;
    let o = blocking(&state, move |app| app.delegation_overview(&user)).await?;
    html(DelegationPage {
        p: v.page(),
        o,
        today: day_wib(sahih_store::now()),
    })
}

#[derive(Deserialize)]
struct GrantForm {
    #[serde(default)]
    csrf: String,
    /// Whose authority (admins choose; a signing official's own when empty).
    #[serde(default)]
    pemberi: String,
    #[serde(default)]
    pelaksana: String,
    #[serde(default)]
    jenis: String,
    #[serde(default)]
    mulai: String,
    #[serde(default)]
    sampai: String,
}

async fn grant(
    state: web::Data<AppState>,
    v: Visitor,
    form: web::Form<GrantForm>,
) -> Result<HttpResponse, AppError> {
    v.check_csrf(&form.csrf)?;
    let user = officer(&v)?;
    let delegator = if form.pemberi.trim().is_empty() {
        None
    } else {
        Some(user_id(&form.pemberi, "pemberi")?)
    };
    let request = GrantRequest {
        delegator,
        delegate: user_id(&form.pelaksana, "pelaksana")?,
        kind: form.jenis.clone(),
        from: form.mulai.clone(),
        until: form.sampai.clone(),
    };
    blocking(&state, move |app| app.grant_delegation(&user, &request)).await?;
    Ok(see_other("/petugas/delegasi"))
}

async fn revoke(
    state: web::Data<AppState>,
    v: Visitor,
    n: web::Path<i64>,
    form: web::Form<super::CsrfForm>,
) -> Result<HttpResponse, AppError> {
    v.check_csrf(&form.csrf)?;
    let user = officer(&v)?;
    let id = DelegationId(n.into_inner());
    blocking(&state, move |app| app.revoke_delegation(&user, id)).await?;
    Ok(see_other("/petugas/delegasi"))
}

#[cfg(test)]
mod tests;
