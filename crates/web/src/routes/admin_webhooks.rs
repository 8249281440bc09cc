//! The agency admin's webhook delivery log (`GET /admin/webhook`, older pages with
//! `?sebelum=<id>`): every delivery of its applications, newest first, with its attempts, last
//! answer and whether it arrived; `POST /admin/webhook/{id}/kirim-ulang` replays one. Admins
//! only, their own agency's applications only; every POST carries the CSRF token.

use actix_web::{HttpResponse, web};
use askama::Template;
use sahih_store::{Agency, WebhookDelivery};
use serde::Deserialize;

use super::{CsrfForm, blocking, html, see_other};
use crate::session::Visitor;
use crate::views::Page;
use crate::{AppError, AppState};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/webhook", web::get().to(page))
        .route("/admin/webhook/{id}/kirim-ulang", web::post().to(replay));
}

/// The delivery log page.
#[derive(Template)]
#[template(path = "admin_webhooks.html")]
struct AdminWebhooksPage {
    p: Page,
    agency: Agency,
    deliveries: Vec<WebhookDelivery>,
    /// The delivery just replayed, if any.
    replayed: Option<i64>,
    /// Whether this is an older page (a link back to the newest).
    older: bool,
    /// The `sebelum` of the next older page, if there may be one.
    next: Option<i64>,
    /// The agency's applications' webhook signing secrets, by applicant account: the
    /// `webhook-id` is derived from them.
    secrets: std::collections::HashMap<i64, String>,
}

impl AdminWebhooksPage {
    /// The delivery's `webhook-id`.
    fn message_id(&self, d: &WebhookDelivery) -> String {
        self.secrets
            .get(&d.application.0)
            .map_or_else(String::new, |s| crate::webhook::message_id(s, d.id))
    }

    /// The `webhook-id` of the delivery just replayed (row `id`), as its receiver sees it.
    fn replayed_message_id(&self, id: &i64) -> String {
        self.deliveries
            .iter()
            .find(|d| d.id == *id)
            .map_or_else(String::new, |d| self.message_id(d))
    }

    /// The last answer: `HTTP <status>`, the error, or a dash.
    fn last_answer(&self, d: &WebhookDelivery) -> String {
        match (&d.last_error, d.last_status) {
            (Some(error), _) => error.clone(),
            (None, Some(status)) => format!("HTTP {status}"),
            (None, None) => "—".to_string(),
        }
    }
}

#[derive(Deserialize)]
struct LogQuery {
    /// Rows older than this delivery id.
    sebelum: Option<i64>,
    /// The delivery just replayed.
    #[serde(rename = "dikirim-ulang")]
    dikirim_ulang: Option<i64>,
}

async fn page(
    state: web::Data<AppState>,
    v: Visitor,
    query: web::Query<LogQuery>,
) -> Result<HttpResponse, AppError> {
    let user = v.user()?.clone();
    let before = query.sebelum;
    let (agency, deliveries, secrets) = blocking(&state, move |app| {
        let (agency, deliveries) = app.webhook_log(&user, before)?;
        let secrets = app
            .store()
            .api_applications(Some(agency.id))?
            .into_iter()
            .map(|a| (a.user.0, a.webhook_secret))
            .collect();
        Ok((agency, deliveries, secrets))
    })
    .await?;
    let full = deliveries.len() as i64 >= crate::app::WEBHOOK_LOG_ROWS;
    let next = deliveries.last().filter(|_| full).map(|d| d.id);
    html(AdminWebhooksPage {
        p: v.page(),
        agency,
        deliveries,
        replayed: query.dikirim_ulang,
        older: before.is_some(),
        next,
        secrets,
    })
}

async fn replay(
    state: web::Data<AppState>,
    v: Visitor,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    v.check_csrf(&form.csrf)?;
    let user = v.user()?.clone();
    let id = id.into_inner();
    blocking(&state, move |app| app.replay_webhook(&user, id)).await?;
    Ok(see_other(&format!("/admin/webhook?dikirim-ulang={id}")))
}
