//! Disposisi and delegations (Plt./Plh.) in the store, on a fresh database per test: a
//! disposisi is cancelled only while unread and completed once; a delegation is active only
//! inside its period and until revoked; each is logged with its change, and the whole log
//! replays under the auditor's order rules.

mod common;

use sahih_store::log::audit::OrderCheck;
use sahih_store::log::leaf::{Leaf, LeafKind};
use sahih_store::{
    Change, NewAttachment, NewDocument, NewUser, Service, ServiceId, Store, StoreError,
};
use sahih_tlog::SignerKey;
use sahih_workflow::{
    AgencyId, Delegation, DelegationKind, DispositionCommand, DispositionState, DocumentId,
    DocumentState, Event, FieldKind, FormField, Role, RoutingTemplate, Transition, UserId, submit,
};

struct World {
    store: Store,
    citizen: UserId,
    head: UserId,
    staff: UserId,
    doc: DocumentId,
    _guard: common::Guard,
}

fn user(store: &Store, login: &str, role: Role, agency: Option<AgencyId>) -> UserId {
    store
        .create_user(&NewUser {
            login: login.into(),
            name: login.to_uppercase(),
            email: None,
            password_hash: "$argon2id$fake".into(),
            role,
            agency_id: agency,
            position: Some("Kepala Dinas".into()),
            cert_pem: None,
            key_pem: None,
        })
        .expect("user")
}

fn world() -> World {
    let (guard, store) = common::store();
    let agency = store.ensure_agency("DPMPTSP", "Licensing").expect("agency");
    let service = store
        .ensure_service(&Service {
            id: ServiceId(0),
            agency_id: agency,
            code: "sku".into(),
            name: "Surat Keterangan Usaha".into(),
            name_en: String::new(),
            description: String::new(),
            description_en: String::new(),
            form: vec![FormField {
                name: "nama".into(),
                label_id: "Nama".into(),
                label_en: "Name".into(),
                kind: FieldKind::Text,
                required: true,
                max_chars: 50,
                options: Vec::new(),
            }],
            template: RoutingTemplate::single_paraf(),
            numbering: None,
        })
        .expect("service");
    let citizen = user(&store, "warga", Role::Citizen, None);
    let head = user(&store, "kadis", Role::Signer, Some(agency));
    let staff = user(&store, "staf", Role::Verifier, Some(agency));
    store.set_supervisor(staff, Some(head)).expect("hierarchy");
    let sha256 = store.blobs().put(b"%PDF-1.7 a").expect("blob");
    let doc = store
        .submit_document(
            &NewDocument {
                public_id: "d".repeat(32),
                service_id: service,
                agency_id: agency,
                applicant_id: citizen,
                form: vec![("nama".into(), "Warung".into())],
                attachment: NewAttachment {
                    sha256,
                    filename: "a.pdf".into(),
                    size: 10,
                },
            },
            &submit(),
        )
        .expect("submit");
    World {
        _guard: guard,
        store,
        citizen,
        head,
        staff,
        doc,
    }
}

impl World {
    fn forward(&self) -> sahih_store::DispositionId {
        self.store
            .create_disposition(self.doc, self.head, self.staff, "Mohon dicek.")
            .expect("forward")
    }

    /// Decides `command` by `actor` on disposisi `id` as stored, and stores it.
    fn act(
        &self,
        id: sahih_store::DispositionId,
        actor: UserId,
        command: DispositionCommand,
    ) -> Result<(), String> {
        let d = self.store.disposition(id).expect("load").expect("exists");
        let t = d
            .as_disposition()
            .decide(actor, &command)
            .map_err(|e| e.code().to_string())?;
        self.store
            .apply_disposition(id, &t, sahih_store::now())
            .map_err(|e| e.code().to_string())
    }

    /// Every leaf, in log order, after sequencing them all.
    fn leaves(&self) -> Vec<Leaf> {
        let key = SignerKey::from_seed("sahih.test/log", &[7; 32]).expect("key");
        self.store.log_sequence_all(&key, 1000).expect("sequence");
        let mut recent = self.store.log_overview(1000).expect("overview").recent;
        recent.reverse();
        recent
            .iter()
            .map(|(_, entry)| Leaf::parse(entry).expect("canonical leaf"))
            .collect()
    }
}

#[test]
fn a_disposisi_is_in_the_timeline_and_the_log_without_changing_the_state() {
    let w = world();
    let id = w.forward();
    let doc = w.store.document(w.doc).expect("doc").expect("exists");
    assert_eq!(
        doc.state,
        DocumentState::Submitted,
        "forwarding changes no state"
    );
    let events = w.store.events(w.doc).expect("events");
    let last = events.last().expect("an event");
    assert_eq!(
        (
            last.kind.as_str(),
            last.comment.as_deref(),
            last.actor_name.as_str()
        ),
        ("forwarded", Some("Mohon dicek."), "KADIS")
    );
    assert_eq!(last.from_state, last.to_state);

    let inbox = w.store.dispositions_to(w.staff).expect("inbox");
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].id, id);
    assert_eq!(inbox[0].state, DispositionState::Sent);
    assert_eq!(inbox[0].document_public_id, "d".repeat(32));
    assert_eq!(inbox[0].service_name, "Surat Keterangan Usaha");
    assert_eq!(inbox[0].from_name, "KADIS");
    assert!(w.store.dispositions_to(w.head).expect("none").is_empty());
    assert!(w.store.is_disposition_recipient(w.doc, w.staff).expect("q"));
    assert!(!w.store.is_disposition_recipient(w.doc, w.head).expect("q"));
    assert_eq!(w.store.dispositions_from(w.head).expect("sent").len(), 1);

    let leaves = w.leaves();
    let kinds: Vec<LeafKind> = leaves.iter().map(Leaf::kind).collect();
    assert_eq!(kinds, vec![LeafKind::Submitted, LeafKind::Forwarded]);
    let text: Vec<u8> = leaves
        .iter()
        .flat_map(|l| l.encode().expect("encode"))
        .collect();
    let text = String::from_utf8_lossy(&text);
    assert!(!text.contains("dicek") && !text.contains("KADIS"), "{text}");
    let mut order = OrderCheck::new();
    for leaf in &leaves {
        order.push(leaf).expect("the order rules");
    }
    let key = SignerKey::from_seed("sahih.test/log", &[7; 32]).expect("key");
    let receipt = w.store.log_receipt(w.doc).expect("receipt");
    receipt
        .verify(&key.verifier_key())
        .expect("the applicant's receipt still verifies");
}

#[test]
fn a_disposisi_is_cancelled_only_while_unread() {
    let w = world();
    let unread = w.forward();
    assert_eq!(w.act(unread, w.head, DispositionCommand::Cancel), Ok(()));
    let d = w.store.disposition(unread).expect("load").expect("exists");
    assert_eq!(d.state, DispositionState::Cancelled);
    assert!(d.closed_at.is_some() && d.read_at.is_none());
    // A disposisi cancelled before it was read gives no access to the document.
    assert!(
        !w.store
            .is_disposition_recipient(w.doc, w.staff)
            .expect("recipient")
    );

    let read = w.forward();
    assert_eq!(w.act(read, w.staff, DispositionCommand::Read), Ok(()));
    assert!(
        w.store
            .disposition(read)
            .expect("load")
            .expect("x")
            .read_at
            .is_some()
    );
    assert_eq!(
        w.act(read, w.head, DispositionCommand::Cancel),
        Err("E_DISPOSITION_READ".into())
    );
    assert_eq!(
        w.store.disposition(read).expect("load").expect("x").state,
        DispositionState::Read
    );
    // The unread one is listed first.
    assert!(
        w.store
            .is_disposition_recipient(w.doc, w.staff)
            .expect("recipient")
    );
    let fresh = w.forward();
    let inbox = w.store.dispositions_to(w.staff).expect("inbox");
    assert_eq!(inbox.first().map(|d| d.id), Some(fresh));
}

#[test]
fn a_disposisi_is_completed_once_and_two_clicks_do_not_both_win() {
    let w = world();
    let id = w.forward();
    let loaded = w.store.disposition(id).expect("load").expect("exists");
    let complete = |note: &str| DispositionCommand::Complete { note: note.into() };
    // Two clicks decided on the same loaded state: the second compare-and-set loses.
    let first = loaded
        .as_disposition()
        .decide(w.staff, &complete("Sudah."))
        .expect("ok");
    let second = loaded
        .as_disposition()
        .decide(w.staff, &complete("Lagi."))
        .expect("ok");
    w.store
        .apply_disposition(id, &first, sahih_store::now())
        .expect("first wins");
    let lost = w.store.apply_disposition(id, &second, sahih_store::now());
    assert!(
        matches!(&lost, Err(StoreError::Conflict { actual }) if actual == "completed"),
        "{lost:?}"
    );
    let d = w.store.disposition(id).expect("load").expect("exists");
    assert_eq!(
        (d.state, d.note.as_deref()),
        (DispositionState::Completed, Some("Sudah."))
    );
    assert_eq!(
        w.act(id, w.staff, complete("Sekali lagi.")),
        Err("E_DISPOSITION_CLOSED".into())
    );
}

#[test]
fn a_closed_document_is_not_forwarded() {
    let w = world();
    let withdrawn = Transition {
        from: DocumentState::Submitted,
        to: DocumentState::Withdrawn,
        events: vec![Event::Withdrawn],
    };
    w.store
        .apply_transition(w.doc, w.citizen, &withdrawn, 1, &Change::default())
        .expect("withdraw");
    let refused = w
        .store
        .create_disposition(w.doc, w.head, w.staff, "Mohon dicek.");
    assert!(
        matches!(&refused, Err(StoreError::Conflict { actual }) if actual == "withdrawn"),
        "{refused:?}"
    );
    assert!(
        w.store
            .dispositions_of_document(w.doc)
            .expect("q")
            .is_empty()
    );
    let kinds: Vec<LeafKind> = w.leaves().iter().map(Leaf::kind).collect();
    assert_eq!(kinds, vec![LeafKind::Submitted, LeafKind::Withdrawn]);
    let unknown = w
        .store
        .create_disposition(DocumentId(999), w.head, w.staff, "x");
    assert!(matches!(unknown, Err(StoreError::NotFound)), "{unknown:?}");
}

const DAY: i64 = 86_400;

#[test]
fn a_delegation_is_active_only_inside_its_period_and_until_revoked() {
    let w = world();
    let now = sahih_store::now();
    let current =
        Delegation::new(w.head, w.staff, DelegationKind::Plh, now - DAY, now + DAY).expect("valid");
    let future = Delegation::new(
        w.head,
        w.staff,
        DelegationKind::Plt,
        now + DAY,
        now + 9 * DAY,
    )
    .expect("valid");
    let past = Delegation::new(
        w.head,
        w.staff,
        DelegationKind::Plt,
        now - 9 * DAY,
        now - DAY,
    )
    .expect("valid");
    let ids: Vec<_> = [current, future, past]
        .iter()
        .map(|d| w.store.create_delegation(d, w.head).expect("grant"))
        .collect();

    let active = w.store.active_delegations_to(w.staff, now).expect("active");
    assert_eq!(
        active.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![ids[0]]
    );
    assert_eq!(active[0].delegation, current);
    assert_eq!(
        (
            active[0].delegator_name.as_str(),
            active[0].delegator_position.as_deref()
        ),
        ("KADIS", Some("Kepala Dinas"))
    );
    let later = w
        .store
        .active_delegations_to(w.staff, now + 2 * DAY)
        .expect("q");
    assert_eq!(later.iter().map(|d| d.id).collect::<Vec<_>>(), vec![ids[1]]);
    assert!(
        w.store
            .active_delegations_to(w.head, now)
            .expect("q")
            .is_empty()
    );
    assert_eq!(w.store.delegations_by(w.head).expect("by").len(), 3);
    assert_eq!(w.store.delegations_to(w.staff).expect("to").len(), 3);

    w.store
        .revoke_delegation(ids[0], w.head, now)
        .expect("revoke");
    assert!(
        w.store
            .active_delegations_to(w.staff, now)
            .expect("q")
            .is_empty()
    );
    let revoked = w.store.delegation(ids[0]).expect("load").expect("exists");
    assert!(revoked.is_active(now - 1) && !revoked.is_active(now));
    let again = w.store.revoke_delegation(ids[0], w.head, now);
    assert!(
        matches!(again, Err(StoreError::Conflict { .. })),
        "{again:?}"
    );
    let missing = w
        .store
        .revoke_delegation(sahih_store::DelegationId(99), w.head, now);
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");

    let leaves = w.leaves();
    let kinds: Vec<LeafKind> = leaves.iter().map(Leaf::kind).collect();
    assert_eq!(
        kinds,
        vec![
            LeafKind::Submitted,
            LeafKind::DelegationGranted,
            LeafKind::DelegationGranted,
            LeafKind::DelegationGranted,
            LeafKind::DelegationRevoked,
        ]
    );
    let Leaf::Delegation(revocation) = &leaves[4] else {
        panic!("a delegation leaf")
    };
    let Leaf::Delegation(grant) = &leaves[1] else {
        panic!("a delegation leaf")
    };
    assert_eq!(revocation.delegation, grant.delegation);
    assert_eq!(
        (revocation.valid_from, revocation.valid_until),
        (current.valid_from, current.valid_until)
    );
    let mut order = OrderCheck::new();
    for leaf in &leaves {
        order.push(leaf).expect("the order rules");
    }
}
