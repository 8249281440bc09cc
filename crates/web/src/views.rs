//! Page models and askama templates (`templates/`). Each page carries a [`Page`] with the
//! visitor's language, user and CSRF token.

use askama::Template;
use sahih_store::{Document, Service, User};
use sahih_workflow::{DocumentState, FieldKind, FormField, Role};

use crate::app::DocumentView;
use crate::i18n::Lang;

mod admin;
mod custody;
mod dashboard;
mod notifications;
mod verification;

pub use admin::{AdminOfficersPage, AdminServiceEditPage, AdminServicesPage};
pub use custody::AccountKeyPage;
pub use dashboard::{
    Cells, DashboardPage, ServiceLine, StepLine, WINDOW_CHOICES, bar_chart, human_duration,
};
pub use notifications::NotificationsPage;
pub use verification::{VerifyPage, VerifyReportPage, VerifyUnusablePage};

/// What every page needs: language, user, CSRF token.
#[derive(Debug, Clone)]
pub struct Page {
    /// Interface language.
    pub lang: Lang,
    /// The logged-in user.
    pub user: Option<User>,
    /// The session's CSRF token.
    pub csrf: String,
    /// How many of the user's notices are unread (the navigation's badge).
    pub unread: i64,
}

impl Page {
    /// Translates `key`.
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        self.lang.t(key)
    }

    /// Whether the user is an officer (any role but citizen).
    pub fn is_officer(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role != Role::Citizen)
    }

    /// The user's role, translated.
    pub fn role_label(&self) -> &'static str {
        self.user
            .as_ref()
            .map_or("", |u| self.role_name(u.role.as_str()))
    }

    /// A role code, translated.
    pub fn role_name(&self, role: &str) -> &'static str {
        self.lang.lookup(&format!("role_{role}")).unwrap_or("?")
    }

    /// A state, translated.
    pub fn state_label<S: std::borrow::Borrow<DocumentState>>(&self, state: S) -> &'static str {
        self.lang
            .lookup(&format!("state_{}", state_key(*state.borrow())))
            .unwrap_or("?")
    }

    /// An event kind, translated.
    pub fn event_label(&self, kind: &str) -> &'static str {
        self.lang.lookup(&format!("event_{kind}")).unwrap_or("?")
    }

    /// A timeline line's label: as [`Page::event_label`], except that a return to an earlier
    /// step (not to the applicant) says so.
    pub fn timeline_label(&self, e: &sahih_store::EventRecord) -> &'static str {
        if e.kind == "returned" && e.to_state.starts_with("in_review") {
            return self.event_label("returned_to_step");
        }
        self.event_label(&e.kind)
    }

    /// A form field's label in the page's language.
    pub fn label<'a>(&self, field: &'a FormField) -> &'a str {
        match self.lang {
            Lang::Id => &field.label_id,
            Lang::En => &field.label_en,
        }
    }

    /// A service's name in the page's language (Indonesian when no English is given).
    pub fn service_name<'a>(&self, service: &'a Service) -> &'a str {
        match self.lang {
            Lang::En if !service.name_en.trim().is_empty() => &service.name_en,
            _ => &service.name,
        }
    }

    /// A list row's service name in the page's language.
    pub fn row_service<'a>(&self, row: &'a DocumentRow) -> &'a str {
        match self.lang {
            Lang::En if !row.service_name_en.trim().is_empty() => &row.service_name_en,
            _ => &row.service_name,
        }
    }

    /// A service's description in the page's language (Indonesian when no English is given).
    pub fn description<'a>(&self, service: &'a Service) -> &'a str {
        match self.lang {
            Lang::En if !service.description_en.is_empty() => &service.description_en,
            _ => &service.description,
        }
    }

    /// Whether a field is a textarea.
    pub fn is_textarea(&self, field: &FormField) -> bool {
        field.kind == FieldKind::Textarea
    }

    /// Whether a field is chosen from its options (a `<select>`).
    pub fn is_choice(&self, field: &FormField) -> bool {
        field.kind == FieldKind::Choice
    }

    /// The HTML input type of a field.
    pub fn input_type(&self, field: &FormField) -> &'static str {
        match field.kind {
            FieldKind::Date => "date",
            FieldKind::Number => "number",
            FieldKind::Text | FieldKind::Textarea | FieldKind::Choice => "text",
        }
    }

    /// A Unix time as a log entry's `time=` writes it: `YYYY-MM-DDTHH:MM:SSZ` (UTC, RFC 3339).
    pub fn time_utc<T: std::borrow::Borrow<i64>>(&self, unix: T) -> String {
        time_with_seconds(*unix.borrow(), time::UtcOffset::UTC)
            .map(|(date, clock)| format!("{date}T{clock}Z"))
            .unwrap_or_default()
    }

    /// A Unix time as `YYYY-MM-DD HH:MM:SS WIB` (UTC+7), beside [`Page::time_utc`].
    pub fn time_wib_seconds<T: std::borrow::Borrow<i64>>(&self, unix: T) -> String {
        let wib = time::UtcOffset::from_hms(7, 0, 0).unwrap_or(time::UtcOffset::UTC);
        time_with_seconds(*unix.borrow(), wib)
            .map(|(date, clock)| format!("{date} {clock} WIB"))
            .unwrap_or_default()
    }

    /// A Unix time as `YYYY-MM-DD HH:MM` in WIB (UTC+7), the city's time zone.
    pub fn time<T: std::borrow::Borrow<i64>>(&self, unix: T) -> String {
        let unix = *unix.borrow();
        let wib = time::UtcOffset::from_hms(7, 0, 0).unwrap_or(time::UtcOffset::UTC);
        match time::OffsetDateTime::from_unix_timestamp(unix) {
            Ok(t) => {
                let t = t.to_offset(wib);
                format!(
                    "{:04}-{:02}-{:02} {:02}:{:02} WIB",
                    t.year(),
                    u8::from(t.month()),
                    t.day(),
                    t.hour(),
                    t.minute()
                )
            }
            Err(_) => String::new(),
        }
    }
}

/// The translation-key stem of a state (`in_review` for every review step).
pub fn state_key(state: DocumentState) -> &'static str {
    match state {
        DocumentState::Submitted => "submitted",
        DocumentState::InReview { .. } => "in_review",
        DocumentState::Returned => "returned",
        DocumentState::Approved => "approved",
        DocumentState::Signed => "signed",
        DocumentState::Rejected => "rejected",
        DocumentState::Withdrawn => "withdrawn",
    }
}

/// A row of a document list.
#[derive(Debug, Clone)]
pub struct DocumentRow {
    /// The document.
    pub document: Document,
    /// Its service's name.
    pub service_name: String,
    /// Its service's English name (may be empty: the Indonesian one is shown).
    pub service_name_en: String,
    /// Its applicant's name.
    pub applicant_name: String,
    /// In an officer's queue: the step the document waits at, with a group's progress.
    pub step: Option<String>,
    /// In a signing official's queue: the document waits for their signature (it can be
    /// selected for batch signing).
    pub signable: bool,
    /// For a signable row: how many times the document was returned (the batch form echoes
    /// it with the version, so a document that changed since is not signed).
    pub round: i64,
    /// When the step the document waits at is due (Unix seconds), if it has a deadline.
    pub due_at: Option<i64>,
    /// Working days late at that step; 0 when on time (see [`DocumentRow::late_label`]).
    pub days_late: u32,
}

impl DocumentRow {
    /// The first 8 characters of the public id.
    pub fn short_id(&self) -> &str {
        self.document
            .public_id
            .get(..8)
            .unwrap_or(&self.document.public_id)
    }

    /// CSS class stem of the state.
    pub fn state_class(&self) -> &'static str {
        state_key(self.document.state)
    }
}

/// The home page.
#[derive(Template)]
#[template(path = "index.html")]
pub struct IndexPage {
    /// Common.
    pub p: Page,
    /// The city the instance serves.
    pub city: String,
    /// Services offered.
    pub services: Vec<Service>,
}

/// The login page.
#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    /// Common.
    pub p: Page,
    /// Error code of a failed attempt (also its translation key).
    pub error: Option<&'static str>,
    /// Local path to return to after logging in.
    pub next: String,
}

/// The registration page.
#[derive(Template)]
#[template(path = "register.html")]
pub struct RegisterPage {
    /// Common.
    pub p: Page,
}

/// A service's application form.
#[derive(Template)]
#[template(path = "apply.html")]
pub struct ApplyPage {
    /// Common.
    pub p: Page,
    /// The service.
    pub service: Service,
    /// Upload limit, MB.
    pub limit_mb: usize,
}

/// The citizen's applications.
#[derive(Template)]
#[template(path = "my_documents.html")]
pub struct MyDocumentsPage {
    /// Common.
    pub p: Page,
    /// Rows.
    pub rows: Vec<DocumentRow>,
}

/// An officer's queue.
#[derive(Template)]
#[template(path = "queue.html")]
pub struct QueuePage {
    /// Common.
    pub p: Page,
    /// Rows.
    pub rows: Vec<DocumentRow>,
}

impl QueuePage {
    /// Whether some row can be signed in a batch.
    pub fn any_signable(&self) -> bool {
        self.rows.iter().any(|r| r.signable)
    }
}

/// The outcome of a batch signature, one line per document.
#[derive(Template)]
#[template(path = "batch_result.html")]
pub struct BatchResultPage {
    /// Common.
    pub p: Page,
    /// (public id, nomor surat if signed, error code if not).
    pub lines: Vec<BatchLine>,
}

/// One document's line on the batch result page.
#[derive(Debug, Clone)]
pub struct BatchLine {
    /// The document's public id.
    pub public_id: String,
    /// Signed: its nomor surat (empty when the service numbers nothing).
    pub signed: Option<String>,
    /// Not signed: the stable error code.
    pub error: Option<&'static str>,
}

impl BatchResultPage {
    /// How many were signed.
    pub fn signed(&self) -> usize {
        self.lines.iter().filter(|l| l.signed.is_some()).count()
    }
}

/// Which actions the document page offers the visitor.
pub type Actions = crate::app::Offered;

impl crate::app::Offered {
    /// Whether any action is offered.
    pub fn any(&self) -> bool {
        self.resubmit
            || self.withdraw
            || self.paraf
            || self.acknowledge
            || self.return_
            || self.return_previous
            || self.sign
    }
}

/// Where a document waits, for the document page: the step, its progress, who is expected.
#[derive(Debug, Clone)]
pub struct PendingView {
    /// The step's name, e.g. `Kepala Bidang`.
    pub step_name: String,
    /// `paraf`, `acknowledge` or `sign`.
    pub action: &'static str,
    /// How many officers acted at the step so far.
    pub given: usize,
    /// How many must.
    pub required: usize,
    /// The names of the officers still expected to act.
    pub waiting: Vec<String>,
    /// The step's paraf is also an approval signature (the form asks for the passphrase).
    pub approval_signature: bool,
}

/// The document page (tracking for the citizen, review for officers).
#[derive(Template)]
#[template(path = "document.html")]
pub struct DocumentPage {
    /// Common.
    pub p: Page,
    /// The document and its history.
    pub v: DocumentView,
    /// (label, value) of each form field.
    pub form_rows: Vec<(String, String)>,
    /// CSS class stem of the state.
    pub state_class: &'static str,
    /// The state's code, echoed by the action forms (what the user saw).
    pub state_code: String,
    /// How many times the document was returned, echoed by the action forms.
    pub round: usize,
    /// Offered actions.
    pub actions: Actions,
    /// Where the document waits (officers see it; the applicant sees the step's name).
    pub pending: Option<PendingView>,
    /// The document's disposisi and the form to forward it (officers only).
    pub disposition: Option<crate::app::DispositionPanel>,
    /// The comment of the latest return for revision, shown with the revision form.
    pub last_comment: Option<String>,
    /// The service's public address (`https://host`), before the `/v/{code}` link.
    pub public_base: String,
}

impl DocumentPage {
    /// Whether the visitor is the document's applicant (who may download its log receipt).
    pub fn is_owner(&self) -> bool {
        self.p
            .user
            .as_ref()
            .is_some_and(|u| u.id == self.v.document.applicant_id)
    }

    /// The current value of form field `name` (empty when unset).
    pub fn value(&self, name: &str) -> &str {
        self.v
            .document
            .form
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// `(YYYY-MM-DD, HH:MM:SS)` of a Unix time at `offset`; `None` out of range.
fn time_with_seconds(unix: i64, offset: time::UtcOffset) -> Option<(String, String)> {
    let t = time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()?
        .to_offset(offset);
    Some((
        format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day()),
        format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second()),
    ))
}

/// The file name a receipt downloads as, from its link (`/permohonan/{id}/bukti-log`,
/// `/v/{code}/bukti-log`): `sahih-<first 8 characters of the id or code>-bukti-log.json`, as
/// the receipt routes name it.
pub fn receipt_file_name(link: &str) -> String {
    let id = link.split('/').nth(2).unwrap_or_default();
    format!("sahih-{}-bukti-log.json", id.get(..8).unwrap_or(id))
}

/// The transparency log's page (`GET /log`).
#[derive(Template)]
#[template(path = "log.html")]
pub struct LogPage {
    /// Common.
    pub p: Page,
    /// The checkpoint, the key and one page of entries.
    pub log: crate::app::LogPageData,
    /// This server's address as the request named it (`https://sahih.example.go.id`), for
    /// the commands the page shows.
    pub base_url: String,
}

/// An error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    /// Common.
    pub p: Page,
    /// Stable code (also the translation key).
    pub code: String,
    /// English detail, may be empty.
    pub detail: String,
    /// Where "Back" leads, from [`back_link`].
    pub back: &'static str,
}

/// Where an error page's "Back" link leads for a request to `path`, so that it works without
/// JavaScript: the page the failed one belongs to.
pub fn back_link(path: &str) -> &'static str {
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    if under("/verifikasi") || under("/v") || under("/api") {
        "/verifikasi"
    } else if under("/petugas") {
        "/petugas"
    } else if under("/permohonan") || under("/dokumen") || under("/layanan") {
        "/permohonan"
    } else if under("/log") {
        "/log"
    } else {
        "/"
    }
}
