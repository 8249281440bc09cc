//! Deadlines and escalation, with `now` given: no sleeps.

use sahih_store::{NewAttachment, NewDocument, NewUser, Service, ServiceId, Store};
use sahih_workflow::{
    AgencyId, Assignees, DocumentId, GroupMode, Role, RoutingTemplate, Step, StepAction, UserId,
    WorkingCalendar, submit,
};

use crate::App;
use crate::i18n::Lang;

fn step(name: &str, action: StepAction, role: Role, days: Option<u32>) -> Step {
    Step {
        name: name.into(),
        action,
        assignees: Assignees {
            role: Some(role),
            ..Assignees::default()
        },
        mode: GroupMode::Any,
        condition: None,
        deadline_days: days,
        cc: Vec::new(),
        approval_signature: false,
    }
}

/// A service `code` whose verification step is due in 2 working days; the signature has no deadline.
pub(crate) fn service(store: &Store, agency: AgencyId, code: &str, name: &str) -> ServiceId {
    let template = RoutingTemplate::new(vec![
        step("Verifikasi", StepAction::Paraf, Role::Verifier, Some(2)),
        step("Penandatanganan", StepAction::Sign, Role::Signer, None),
    ])
    .expect("template");
    store
        .ensure_service(&Service {
            id: ServiceId(0),
            agency_id: agency,
            code: code.into(),
            name: name.into(),
            name_en: String::new(),
            description: String::new(),
            description_en: String::new(),
            numbering: None,
            form: Vec::new(),
            template,
        })
        .expect("service")
}

pub(crate) fn user(store: &Store, login: &str, role: Role, agency: Option<AgencyId>) -> UserId {
    store
        .create_user(&NewUser {
            login: login.into(),
            name: login.to_uppercase(),
            email: None,
            password_hash: "$argon2id$fake".into(),
            role,
            agency_id: agency,
            position: None,
            cert_pem: None,
            key_pem: None,
        })
        .expect("user")
}

/// A document with `public_id` submitted now to `service` of `agency`.
pub(crate) fn submitted(
    store: &Store,
    public_id: &str,
    (service, agency): (ServiceId, AgencyId),
    applicant: UserId,
) -> DocumentId {
    let sha256 = store.blobs().put(b"%PDF-1.7 test").expect("blob");
    store
        .submit_document(
            &NewDocument {
                public_id: public_id.into(),
                service_id: service,
                agency_id: agency,
                applicant_id: applicant,
                form: Vec::new(),
                attachment: NewAttachment {
                    sha256,
                    filename: "a.pdf".into(),
                    size: 13,
                },
            },
            &submit(),
        )
        .expect("submit")
}

/// An app on a fresh database, and the database's guard (keep it as long as the app).
fn app(dir: &std::path::Path) -> (sahih_store::testing::TestDatabase, App) {
    let (db, state) = crate::test_support::state(dir);
    (db, state.app.clone())
}

#[test]
fn overdue_work_escalates_once_per_visit_to_the_supervisor() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_db, app) = app(dir.path());
    let store = app.store();
    let agency = store.ensure_agency("DPMPTSP", "Perizinan").expect("agency");
    let svc = service(store, agency, "sku", "Surat Keterangan Usaha");
    let citizen = user(store, "warga", Role::Citizen, None);
    let verifier = user(store, "verif", Role::Verifier, Some(agency));
    let boss = user(store, "kabid", Role::Verifier, Some(agency));
    store
        .set_supervisor(verifier, Some(boss))
        .expect("supervisor");
    let doc = submitted(store, "d1", (svc, agency), citizen);
    let entered = store.document(doc).expect("load").expect("doc").created_at;

    // On time: nothing happens, and the queue shows the due date without a badge.
    let docs = store.agency_open_documents(agency).expect("docs");
    let deadline = &app.deadlines(&docs, entered + 60).expect("deadlines")[&doc];
    let calendar = WorkingCalendar::default();
    assert_eq!(deadline.due_at, calendar.due_at(entered, 2));
    assert_eq!(
        (deadline.step_name.as_str(), deadline.days_late),
        ("Verifikasi", 0)
    );
    assert_eq!(app.escalate_overdue(entered + 60).expect("early"), 0);

    // Ten working days after submission it is 8 working days late: escalated, once.
    let later = calendar.due_at(entered, 10);
    let deadline = &app.deadlines(&docs, later).expect("deadlines")[&doc];
    assert_eq!(deadline.days_late, 8);
    assert_eq!(app.escalate_overdue(later).expect("escalate"), 1);
    let rows = store.escalations(doc).expect("escalations");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].step, rows[0].entered_at, rows[0].escalated_to),
        (0, entered, boss)
    );
    assert_eq!(app.unread_notices(boss).expect("unread"), 1);
    assert_eq!(app.unread_notices(verifier).expect("unread"), 0);
    let boss_user = store.user(boss).expect("load").expect("boss");
    let notices = app.notices_for(&boss_user, Lang::Id).expect("notices");
    assert!(
        notices[0]
            .text
            .contains("terlambat 8 hari kerja pada tahap Verifikasi"),
        "{:?}",
        notices[0].text
    );

    assert_eq!(app.escalate_overdue(later + 3_600).expect("again"), 0);
    assert_eq!(store.escalations(doc).expect("escalations").len(), 1);
    assert_eq!(app.unread_notices(boss).expect("unread"), 1);
}

#[test]
fn work_whose_officers_have_no_supervisor_is_not_escalated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_db, app) = app(dir.path());
    let store = app.store();
    let agency = store.ensure_agency("DPMPTSP", "Perizinan").expect("agency");
    let svc = service(store, agency, "sku", "Surat Keterangan Usaha");
    let citizen = user(store, "warga", Role::Citizen, None);
    user(store, "verif", Role::Verifier, Some(agency));
    let doc = submitted(store, "d1", (svc, agency), citizen);
    let entered = store.document(doc).expect("load").expect("doc").created_at;
    let later = WorkingCalendar::default().due_at(entered, 10);
    assert_eq!(app.escalate_overdue(later).expect("escalate"), 0);
    assert!(store.escalations(doc).expect("escalations").is_empty());
}
