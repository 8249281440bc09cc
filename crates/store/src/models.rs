//! The domain records the store returns and takes. Row structs stay private to `queries`.

use sahih_workflow::{
    AgencyId, DocumentId, DocumentState, FormField, Numbering, Role, RoutingTemplate, UserId,
};

/// Identifier of a service (layanan).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ServiceId(pub i64);

/// An agency (OPD).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agency {
    /// Row id.
    pub id: AgencyId,
    /// Short code used in numbers and URLs, e.g. `DPMPTSP`.
    pub code: String,
    /// Full name.
    pub name: String,
}

/// A user: a citizen or an officer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Row id.
    pub id: UserId,
    /// Login name (unique).
    pub login: String,
    /// Full name.
    pub name: String,
    /// E-mail address, if given.
    pub email: Option<String>,
    /// Role.
    pub role: Role,
    /// The officer's agency; `None` for citizens.
    pub agency_id: Option<AgencyId>,
    /// The officer's position (jabatan).
    pub position: Option<String>,
}

/// A user to create. `password_hash` is a PHC string (argon2id).
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Login name.
    pub login: String,
    /// Full name.
    pub name: String,
    /// E-mail address.
    pub email: Option<String>,
    /// PHC password hash string.
    pub password_hash: String,
    /// Role.
    pub role: Role,
    /// Agency of an officer.
    pub agency_id: Option<AgencyId>,
    /// Position of an officer.
    pub position: Option<String>,
    /// Certificate (PEM) of a signing official.
    pub cert_pem: Option<String>,
    /// Encrypted PKCS#8 key (PEM) of a signing official.
    pub key_pem: Option<String>,
}

/// A browser session, anonymous or logged in.
#[derive(Debug, Clone)]
pub struct Session {
    /// The logged-in user, if any.
    pub user: Option<User>,
    /// The session's CSRF token (hex), to be echoed by every form.
    pub csrf_token: String,
    /// Interface language: `id` or `en`.
    pub lang: String,
}

/// A service (layanan): what a citizen can apply for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// Row id.
    pub id: ServiceId,
    /// The agency that runs it.
    pub agency_id: AgencyId,
    /// Stable code used in URLs.
    pub code: String,
    /// Name shown to citizens.
    pub name: String,
    /// The name in English (may be empty: the Indonesian one is shown).
    pub name_en: String,
    /// Description shown to citizens, in Bahasa Indonesia.
    pub description: String,
    /// The description in English (may be empty: the Indonesian one is shown).
    pub description_en: String,
    /// The form's fields.
    pub form: Vec<FormField>,
    /// The routing template.
    pub template: RoutingTemplate,
    /// How its signed documents are numbered (nomor surat); `None`: they are not numbered.
    pub numbering: Option<Numbering>,
}

/// An attachment (berkas) to store with a document version.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    /// Key in the blob store (hex SHA-256).
    pub sha256: String,
    /// File name as uploaded (display only).
    pub filename: String,
    /// Size, bytes.
    pub size: i64,
}

/// A stored attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Row id.
    pub id: i64,
    /// Document version it belongs to (1 = first submission).
    pub version: i64,
    /// Key in the blob store.
    pub sha256: String,
    /// File name as uploaded.
    pub filename: String,
    /// Size, bytes.
    pub size: i64,
    /// The form values submitted with this version.
    pub form: Vec<(String, String)>,
    /// Upload time, Unix seconds.
    pub created_at: i64,
}

/// A document (an application and its PDF) as stored.
#[derive(Debug, Clone)]
pub struct Document {
    /// Row id.
    pub id: DocumentId,
    /// Unguessable public id used in URLs.
    pub public_id: String,
    /// Service applied for.
    pub service_id: ServiceId,
    /// Agency that handles it.
    pub agency_id: AgencyId,
    /// The applicant.
    pub applicant_id: UserId,
    /// Workflow state.
    pub state: DocumentState,
    /// Form values, in the service's field order: (field name, value).
    pub form: Vec<(String, String)>,
    /// Current version (incremented by each resubmission).
    pub version: i64,
    /// Blob key of the signed PDF, once signed.
    pub signed_sha256: Option<String>,
    /// The public verification code of the signed PDF (its `/v/{code}` link), once signed.
    pub verification_code: Option<String>,
    /// Creation time, Unix seconds.
    pub created_at: i64,
    /// Last change, Unix seconds.
    pub updated_at: i64,
}

/// A document to create.
#[derive(Debug, Clone)]
pub struct NewDocument {
    /// Unguessable public id.
    pub public_id: String,
    /// Service.
    pub service_id: ServiceId,
    /// Agency.
    pub agency_id: AgencyId,
    /// Applicant.
    pub applicant_id: UserId,
    /// Form values.
    pub form: Vec<(String, String)>,
    /// The PDF.
    pub attachment: NewAttachment,
}

/// What a transition changes besides the state.
#[derive(Debug, Clone, Default)]
pub struct Change {
    /// A new version (resubmission): its PDF, stored with the form values then current.
    pub attachment: Option<NewAttachment>,
    /// New form values (resubmission); kept with the new version.
    pub form: Option<Vec<(String, String)>>,
    /// The signed PDF's blob key (signature).
    pub signed_sha256: Option<String>,
    /// The signed PDF's public verification code (signature): random and unguessable.
    pub verification_code: Option<String>,
    /// For a paraf or acknowledgement: the step and how many officers had acted at it when
    /// the decision was made. If others acted meanwhile the transition is refused
    /// ([`crate::StoreError::Conflict`]), so two officers of a parallel group acting at once
    /// cannot both count themselves as not the last.
    pub given: Option<(u32, usize)>,
    /// A paraf with an approval signature: the PDF with the officer's invisible signature
    /// added, kept as the same version's latest file (what the next officer and the signer
    /// act on). Its blob must already be in the blob store.
    pub approval: Option<NewAttachment>,
    /// A note for the timeline where the event has no comment of its own, e.g. the office an
    /// acting official (Plt./Plh.) acted for.
    pub note: Option<String>,
    /// How many times the document had been returned when the transition was decided: if it
    /// was returned since (say, to an earlier step, which leaves state and version as they
    /// were), the transition is refused ([`crate::StoreError::Conflict`]).
    pub round: Option<i64>,
    /// An API request's Idempotency-Key (the actor is the application): recorded in the same
    /// transaction, so a retry finds what this transition did.
    pub idempotency: Option<crate::Idempotency>,
}

/// One line of a document's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    /// Event kind, e.g. `paraf` (see `sahih_workflow::Event::kind`).
    pub kind: String,
    /// Who acted.
    pub actor_name: String,
    /// Their role.
    pub actor_role: String,
    /// Comment or reason, if any.
    pub comment: Option<String>,
    /// State before.
    pub from_state: String,
    /// State after.
    pub to_state: String,
    /// When, Unix seconds.
    pub at: i64,
    /// Their position (jabatan) now, if they have one: what the timeline shows for officers.
    pub actor_position: Option<String>,
}
