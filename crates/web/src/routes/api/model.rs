//! The JSON shapes of `/api/v1/documents`: what an application sends (the multipart parts'
//! metadata) and what it gets back (a document's status, its history, a page of them).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// How a submitted document is routed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// Along the service's routing template: paraf steps, then the signing official.
    #[default]
    Template,
    /// Straight to the service's signing official, without paraf (key scope
    /// `documents:submit-direct`).
    Direct,
}

/// The `metadata` part of a submission.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmissionMetadata {
    /// The service's code, e.g. `surat-keterangan-usaha`.
    #[schema(example = "surat-keterangan-usaha")]
    pub service: String,
    /// The service's form values by field name (numbers as text).
    #[serde(default)]
    pub form: BTreeMap<String, String>,
    /// How the document is routed (default `template`).
    #[serde(default)]
    pub route: Route,
}

/// The `metadata` part of a resubmission.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResubmissionMetadata {
    /// The corrected form values by field name (all of them, as in a submission).
    #[serde(default)]
    pub form: BTreeMap<String, String>,
    /// How the document is routed again (default `template`: the paraf steps start over;
    /// `direct` goes back to the signing official, with the key scope
    /// `documents:submit-direct`).
    #[serde(default)]
    pub route: Route,
}

/// A resubmission: the metadata as JSON text and, optionally, a corrected PDF.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ResubmissionForm {
    /// A text part (not a file), JSON: `{"form": {"<field>": "<value>", …}, "route":
    /// "template" | "direct"}` — all the corrected form values (see `GET /api/v1/services`);
    /// `route` (default `template`) as in a submission. Schema: `ResubmissionMetadata`.
    #[schema(value_type = String, example = r#"{"form":{"nama_usaha":"Warung Sari"}}"#)]
    metadata: String,
    /// The corrected PDF; without it the previous PDF is kept.
    #[schema(value_type = Option<String>, format = Binary)]
    berkas: Option<Vec<u8>>,
}

/// A submission: the metadata as JSON text and the PDF.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct SubmissionForm {
    /// A text part (not a file), JSON: `{"service": "<code>", "form": {"<field>": "<value>",
    /// …}, "route": "template" | "direct"}` — the service's code and form fields are listed by
    /// `GET /api/v1/services`; values are strings; `route` (default `template`) sends the
    /// document along the service's paraf steps, `direct` straight to its signing official
    /// (scope `documents:submit-direct`). Schema: `SubmissionMetadata`.
    #[schema(value_type = String, example = r#"{"service":"surat-keterangan-usaha","form":{"nama_usaha":"Warung Sari"}}"#)]
    metadata: String,
    /// The PDF to sign.
    #[schema(value_type = String, format = Binary)]
    berkas: Vec<u8>,
}

/// One event of a document's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryEntry {
    /// What happened: `submitted`, `paraf`, `acknowledged`, `returned`, `resubmitted`,
    /// `rejected`, `withdrawn`, `numbered`, `signed`, …
    pub event: String,
    /// Who acted (an officer's name, or the application's).
    pub actor: String,
    /// Their position (jabatan), for officers.
    pub actor_position: Option<String>,
    /// The comment or reason given, if any.
    pub comment: Option<String>,
    /// The state before (`null` for `submitted`: nothing came before).
    pub from_state: Option<String>,
    /// The state after.
    pub to_state: String,
    /// When, RFC 3339.
    pub at: String,
}

/// Links to a document's resources.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentLinks {
    /// This document.
    #[serde(rename = "self")]
    pub self_: String,
    /// The signed PDF, once signed.
    pub signed_pdf: Option<String>,
    /// The transparency log receipt.
    pub receipt: String,
    /// The public verification page of the signed PDF (the QR code's target), once signed.
    pub verification: Option<String>,
}

/// A document as an application sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentStatus {
    /// The document's public id.
    #[schema(example = "3f2a9c0e5b7d41e8a6c4f1d2b3e5a7c9")]
    pub id: String,
    /// The service's code.
    pub service: String,
    /// The workflow state: `submitted`, `in_review:N` (at step N), `returned`, `approved`
    /// (waiting for the signing official), `signed`, `rejected`, `withdrawn`.
    #[schema(example = "in_review:1")]
    pub state: String,
    /// Whether the state is final (signed, rejected, withdrawn).
    pub done: bool,
    /// The attachment version (a resubmission makes a new one).
    pub version: i64,
    /// The nomor surat, once allocated at signing.
    pub nomor_surat: Option<String>,
    /// The form values as stored.
    pub form: BTreeMap<String, String>,
    /// When it was submitted, RFC 3339.
    pub created_at: String,
    /// Its last change, RFC 3339.
    pub updated_at: String,
    /// Its resources.
    pub links: DocumentLinks,
    /// Every event, oldest first (in the single-document answer only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<HistoryEntry>>,
}

/// A page of documents.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentPage {
    /// The documents, newest first.
    pub documents: Vec<DocumentStatus>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The list's filters.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only documents in this state (a state code, e.g. `signed` or `in_review:1`), or
    /// `in_review` for documents at any paraf step.
    pub state: Option<String>,
    /// Only documents of this service (its code).
    pub service: Option<String>,
    /// Only documents changed at or after this time (RFC 3339).
    pub updated_since: Option<String>,
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}
