//! Paraf of a parallel group as the store keeps it: per step, in the current round, and never
//! lost or double-counted when two officers of the group act at once.

mod common;

use common::store;

use sahih_store::{
    Change, NewAttachment, NewDocument, NewUser, Service, ServiceId, Store, StoreError,
};
use sahih_workflow::{
    Actor, Assignees, Command, DocumentId, DocumentState, GroupMode, ReturnTo, Role,
    RoutingTemplate, Situation, Step, StepAction, UserId, decide, submit,
};

fn step(name: &str, action: StepAction, role: Role, mode: GroupMode) -> Step {
    Step {
        name: name.into(),
        action,
        assignees: Assignees {
            role: Some(role),
            ..Assignees::default()
        },
        mode,
        condition: None,
        deadline_days: None,
        cc: vec![],
        approval_signature: false,
    }
}

struct World {
    store: Store,
    template: RoutingTemplate,
    verifiers: Vec<UserId>,
    doc: DocumentId,
    _guard: common::Guard,
}

fn world() -> World {
    let (dir, store) = store();
    let agency = store.ensure_agency("BPKAD", "Finance").expect("agency");
    let user = |login: &str, role| {
        store
            .create_user(&NewUser {
                login: login.into(),
                name: login.into(),
                email: None,
                password_hash: "$argon2id$fake".into(),
                role,
                agency_id: (role != Role::Citizen).then_some(agency),
                position: None,
                cert_pem: None,
                key_pem: None,
            })
            .expect("user")
    };
    let citizen = user("warga", Role::Citizen);
    let verifiers = vec![
        user("kabid1", Role::Verifier),
        user("kabid2", Role::Verifier),
    ];
    let template = RoutingTemplate::new(vec![
        step(
            "Kepala Bidang",
            StepAction::Paraf,
            Role::Verifier,
            GroupMode::All,
        ),
        step(
            "Kepala BPKAD",
            StepAction::Sign,
            Role::Signer,
            GroupMode::Any,
        ),
    ])
    .expect("template");
    let mut service = Service {
        id: ServiceId(0),
        agency_id: agency,
        code: "anggaran".into(),
        name: "Dokumen anggaran".into(),
        description: String::new(),
        description_en: String::new(),
        form: vec![],
        template: template.clone(),
        name_en: String::new(),
        numbering: None,
    };
    service.id = store.ensure_service(&service).expect("service");
    let key = store.blobs().put(b"%PDF-1.7 anggaran").expect("blob");
    let doc = store
        .submit_document(
            &NewDocument {
                public_id: "dok".into(),
                service_id: service.id,
                agency_id: agency,
                applicant_id: citizen,
                form: vec![],
                attachment: NewAttachment {
                    sha256: key,
                    filename: "a.pdf".into(),
                    size: 17,
                },
            },
            &submit(),
        )
        .expect("submit");
    World {
        store,
        template,
        verifiers,
        doc,
        _guard: dir,
    }
}

impl World {
    /// Officer `who` decides on what they see now, then commits.
    fn paraf_seen(&self, who: UserId, given: &[UserId]) -> sahih_workflow::Transition {
        let state = self.state();
        let situation = Situation {
            state,
            template: &self.template,
            form: &[],
            eligible: &self.verifiers,
            given,
        };
        let actor = Actor {
            id: who,
            role: Role::Verifier,
            is_applicant: false,
        };
        decide(&situation, &actor, &Command::Paraf).expect("paraf")
    }

    fn commit(
        &self,
        who: UserId,
        t: &sahih_workflow::Transition,
        given: usize,
    ) -> Result<(), StoreError> {
        let change = Change {
            given: Some((0, given)),
            ..Change::default()
        };
        self.store.apply_transition(self.doc, who, t, 1, &change)
    }

    fn state(&self) -> DocumentState {
        self.store
            .document(self.doc)
            .expect("doc")
            .expect("exists")
            .state
    }
}

#[test]
fn two_officers_of_a_group_acting_at_once_cannot_both_be_first() {
    let w = world();
    let (a, b) = (w.verifiers[0], w.verifiers[1]);
    // Both saw nobody's paraf yet, so each decided "the group still waits".
    let ta = w.paraf_seen(a, &[]);
    let tb = w.paraf_seen(b, &[]);
    assert_eq!(ta.to, DocumentState::InReview { step: 0 });
    w.commit(a, &ta, 0).expect("first");
    let late = w.commit(b, &tb, 0);
    assert!(matches!(late, Err(StoreError::Conflict { .. })), "{late:?}");
    assert_eq!(w.store.approvals(w.doc, 0).expect("approvals"), vec![a]);
    // Deciding again on what is there now, the second paraf completes the group.
    let given = w.store.approvals(w.doc, 0).expect("approvals");
    let tb = w.paraf_seen(b, &given);
    assert_eq!(tb.to, DocumentState::Approved);
    w.commit(b, &tb, 1).expect("second");
    assert_eq!(w.state(), DocumentState::Approved);
}

#[test]
fn a_return_clears_the_paraf_of_the_round() {
    let w = world();
    let a = w.verifiers[0];
    let t = w.paraf_seen(a, &[]);
    w.commit(a, &t, 0).expect("paraf");
    let situation = Situation {
        state: w.state(),
        template: &w.template,
        form: &[],
        eligible: &w.verifiers,
        given: &[a],
    };
    let actor = Actor {
        id: w.verifiers[1],
        role: Role::Verifier,
        is_applicant: false,
    };
    let back = Command::Return {
        comment: "Rincian belanja belum lengkap".into(),
        to: ReturnTo::Applicant,
    };
    let t = decide(&situation, &actor, &back).expect("return");
    w.store
        .apply_transition(w.doc, actor.id, &t, 1, &Change::default())
        .expect("returned");
    assert!(w.store.approvals(w.doc, 0).expect("approvals").is_empty());
    let events = w.store.events(w.doc).expect("events");
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["submitted", "paraf", "returned"]);
}

#[test]
fn a_superior_below_the_officer_is_refused_in_the_transaction() {
    let (_guard, store) = store();
    let agency = store.ensure_agency("BPKAD", "Finance").expect("agency");
    let officer = |login: &str| {
        store
            .create_user(&NewUser {
                login: login.into(),
                name: login.into(),
                email: None,
                password_hash: "$argon2id$fake".into(),
                role: Role::Verifier,
                agency_id: Some(agency),
                position: Some("Analis".into()),
                cert_pem: None,
                key_pem: None,
            })
            .expect("user")
    };
    let (a, b) = (officer("a"), officer("b"));
    store
        .update_officer(agency, a, Role::Verifier, "Analis", Some(b))
        .expect("a under b");
    let cycle = store.update_officer(agency, b, Role::Verifier, "Analis", Some(a));
    assert!(
        matches!(cycle, Err(StoreError::HierarchyCycle)),
        "{cycle:?}"
    );
    let own = store.update_officer(agency, a, Role::Verifier, "Analis", Some(a));
    assert!(matches!(own, Err(StoreError::HierarchyCycle)));
    let boss_of_b = store
        .officers()
        .expect("officers")
        .into_iter()
        .find(|o| o.user.id == b)
        .and_then(|o| o.supervisor_id);
    assert_eq!(boss_of_b, None, "the refused change was rolled back");
}
