//! Dashboard figures, step entry times, supervisors and escalations, on a fresh database
//! (SQLite, or PostgreSQL with `TEST_DATABASE_URL`) whose documents and events are written by
//! hand with known times, in SQL both backends take.

mod common;

use common::user;

use diesel::RunQueryDsl;
use sahih_store::dialect::DbConnection;
use sahih_store::{Service, ServiceId, StateCount, Store};
use sahih_workflow::{
    AgencyId, Assignees, DocumentId, DocumentState, GroupMode, Role, RoutingTemplate, Step,
    StepAction, UserId, summarize,
};

struct Fixture {
    store: Store,
    raw: DbConnection,
    agency: AgencyId,
    other: AgencyId,
    service: ServiceId,
    other_service: ServiceId,
    citizen: UserId,
    _guard: common::Guard,
}

fn step(name: &str, action: StepAction, role: Role) -> Step {
    Step {
        name: name.into(),
        action,
        assignees: Assignees {
            role: Some(role),
            ..Assignees::default()
        },
        mode: GroupMode::Any,
        condition: None,
        deadline_days: Some(2),
        cc: Vec::new(),
        approval_signature: false,
    }
}

/// Verifikasi (0), Kepala Bidang (1), Penandatanganan (2).
fn template() -> RoutingTemplate {
    RoutingTemplate::new(vec![
        step("Verifikasi", StepAction::Paraf, Role::Verifier),
        step("Kepala Bidang", StepAction::Paraf, Role::Verifier),
        step("Penandatanganan", StepAction::Sign, Role::Signer),
    ])
    .expect("template")
}

fn service(store: &Store, agency: AgencyId, code: &str, name: &str) -> ServiceId {
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
            template: template(),
        })
        .expect("service")
}

fn fixture() -> Fixture {
    let (guard, store) = common::store();
    let raw = sahih_store::dialect::connect(&guard.db.url).expect("raw");
    let agency = store.ensure_agency("DPMPTSP", "Perizinan").expect("agency");
    let other = store
        .ensure_agency("BAPPEDA", "Perencanaan")
        .expect("agency");
    Fixture {
        service: service(&store, agency, "sku", "Surat Keterangan Usaha"),
        other_service: service(&store, other, "sppd", "SPPD"),
        citizen: user(&store, "warga", Role::Citizen, None),
        _guard: guard,
        store,
        raw,
        agency,
        other,
    }
}

impl Fixture {
    /// A document of `service` whose state went through `history` ((state code, time), the
    /// first being the submission); its current state is the last one.
    fn document(&mut self, service: ServiceId, history: &[(&str, i64)]) -> DocumentId {
        let agency = if service == self.service {
            self.agency
        } else {
            self.other
        };
        let (first, last) = (history[0], history[history.len() - 1]);
        let id: i64 = self.exec_returning(&format!(
            "INSERT INTO documents (public_id, service_id, agency_id, applicant_id, state, \
             form_json, version, created_at, updated_at) VALUES ('p{}-{}', {}, {}, {}, '{}', \
             '[]', 1, {}, {}) RETURNING id AS id",
            first.1, last.1, service.0, agency.0, self.citizen.0, last.0, first.1, last.1
        ));
        let mut from = "submitted";
        for (to, at) in history {
            diesel::sql_query(format!(
                "INSERT INTO events (document_id, kind, actor_id, from_state, to_state, at) \
                 VALUES ({id}, 'x', {}, '{from}', '{to}', {at})",
                self.citizen.0
            ))
            .execute(&mut self.raw)
            .expect("event");
            from = to;
        }
        DocumentId(id)
    }

    fn exec_returning(&mut self, sql: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Id {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            id: i64,
        }
        diesel::sql_query(sql)
            .get_result::<Id>(&mut self.raw)
            .expect("insert")
            .id
    }
}

#[test]
fn dashboard_figures_have_known_medians_and_p90() {
    let mut f = fixture();
    let svc = f.service;
    // Signed after 600 s: Verifikasi 100, Kepala Bidang 200, Penandatanganan 300.
    f.document(
        svc,
        &[
            ("submitted", 1000),
            ("in_review:1", 1100),
            ("approved", 1300),
            ("signed", 1600),
        ],
    );
    // Signed after 1000 s: 200, 300, 500.
    f.document(
        svc,
        &[
            ("submitted", 2000),
            ("in_review:1", 2200),
            ("approved", 2500),
            ("signed", 3000),
        ],
    );
    // Rejected after 50 s at Verifikasi.
    f.document(svc, &[("submitted", 3000), ("rejected", 3050)]);
    // A partial paraf at 4010 does not end the visit of Verifikasi (400 s); still open.
    let open = f.document(
        svc,
        &[
            ("submitted", 4000),
            ("in_review:0", 4010),
            ("in_review:1", 4400),
            ("in_review:1", 4600),
        ],
    );
    let fresh = f.document(svc, &[("submitted", 5000)]);
    // Closed after the window: counted by state, not in the durations.
    f.document(
        svc,
        &[("submitted", 15000), ("approved", 16000), ("signed", 20000)],
    );
    // Another agency's document never shows.
    let other = f.other_service;
    f.document(other, &[("submitted", 1000), ("signed", 1001)]);

    let stats = f.store.agency_stats(f.agency, 0..10_000).expect("stats");
    assert_eq!(
        stats.counts,
        [
            ("in_review:1", 1),
            ("rejected", 1),
            ("signed", 3),
            ("submitted", 1)
        ]
        .map(|(code, count)| StateCount {
            state: DocumentState::from_code(code).expect("code"),
            count
        })
    );
    assert_eq!(stats.services.len(), 1);
    let s = &stats.services[0];
    assert_eq!(s.service_name, "Surat Keterangan Usaha");
    let summary = |v: &[i64]| summarize(v).map(|s| (s.count, s.median, s.p90));
    // [600, 1000]: median 800, p90 600 + 0.9 · 400.
    assert_eq!(summary(&s.to_signed), Some((2, 800, 960)));
    // [50, 600, 1000]: median 600, p90 at rank 1.8: 600 + 0.8 · 400.
    assert_eq!(summary(&s.to_closed), Some((3, 600, 920)));

    let steps: Vec<_> = stats
        .steps
        .iter()
        .map(|s| (s.step_name.as_str(), summary(&s.durations)))
        .collect();
    assert_eq!(
        steps,
        [
            // [50, 100, 200, 400]: median 150, p90 at rank 2.7: 200 + 0.7 · 200.
            ("Verifikasi", Some((4, 150, 340))),
            ("Kepala Bidang", Some((2, 250, 290))),
            ("Penandatanganan", Some((2, 400, 480))),
        ]
    );

    let empty = f
        .store
        .agency_stats(f.agency, 30_000..40_000)
        .expect("stats");
    assert!(empty.services.iter().all(|s| s.to_closed.is_empty()));
    assert!(empty.steps.iter().all(|s| s.durations.is_empty()));

    // When the open documents entered their pending step, for both at once.
    let docs: Vec<_> = [open, fresh]
        .iter()
        .map(|id| f.store.document(*id).expect("load").expect("doc"))
        .collect();
    let entered = f.store.pending_entered_at(&docs).expect("entered");
    assert_eq!(entered.get(&open), Some(&4400));
    assert_eq!(entered.get(&fresh), Some(&5000));
}

#[test]
fn supervisors_of_a_step_and_one_escalation_per_visit() {
    let mut f = fixture();
    let boss = user(&f.store, "kabid", Role::Verifier, Some(f.agency));
    let head = user(&f.store, "kadis", Role::Signer, Some(f.agency));
    let v1 = user(&f.store, "v1", Role::Verifier, Some(f.agency));
    let v2 = user(&f.store, "v2", Role::Verifier, Some(f.agency));
    let signer = user(&f.store, "ttd", Role::Signer, Some(f.agency));
    let elsewhere = user(&f.store, "v3", Role::Verifier, Some(f.other));
    f.store.set_supervisor(v1, Some(boss)).expect("set");
    f.store.set_supervisor(v2, Some(boss)).expect("set");
    f.store.set_supervisor(signer, Some(head)).expect("set");
    f.store.set_supervisor(elsewhere, Some(head)).expect("set");
    let verifiers = template().steps[0].assignees.clone();
    let signers = template().steps[2].assignees.clone();
    assert_eq!(
        f.store.step_supervisors(f.agency, &verifiers).expect("q"),
        [boss]
    );
    assert_eq!(
        f.store.step_supervisors(f.agency, &signers).expect("q"),
        [head]
    );
    f.store.set_supervisor(signer, None).expect("clear");
    assert!(
        f.store
            .step_supervisors(f.agency, &signers)
            .expect("q")
            .is_empty()
    );

    let doc = f.document(f.service, &[("submitted", 1000)]);
    assert!(
        f.store
            .record_escalation(doc, 0, 1000, &[boss], 9000)
            .expect("first")
    );
    assert!(
        !f.store
            .record_escalation(doc, 0, 1000, &[boss], 9500)
            .expect("again")
    );
    // Entered again later (after a return): a new visit escalates again.
    assert!(
        f.store
            .record_escalation(doc, 0, 20000, &[boss, head], 30000)
            .expect("new")
    );
    let escalations = f.store.escalations(doc).expect("list");
    let summary: Vec<_> = escalations
        .iter()
        .map(|e| (e.step, e.entered_at, e.escalated_to, e.at))
        .collect();
    assert_eq!(
        summary,
        [
            (0, 1000, boss, 9000),
            (0, 20000, boss, 30000),
            (0, 20000, head, 30000)
        ]
    );
}
