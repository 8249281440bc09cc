//! The transparency log in the store, on a fresh database per test: every event is a leaf
//! written with its state change, the sequencer turns pending leaves into tiles and a signed
//! checkpoint that agree with an independent in-memory tree, and receipts verify offline.

mod common;

use common::{store, user};

use sahih_store::log::audit::OrderCheck;
use sahih_store::log::leaf::{Leaf, LeafKind, Verdict, VerificationLeaf, VerificationSource};
use sahih_store::{Change, NewAttachment, NewDocument, Service, ServiceId, Store, StoreError};
use sahih_tlog::{
    Checkpoint, EntryBundleId, LogIndex, MemoryHashStore, SignerKey, TileId, TilePath, TreeSize,
    leaf_hash, parse_entry_bundle, tile_data, tiles_for_size, tree_hash,
};
use sahih_workflow::{
    Actor, AgencyId, Command, DocumentId, DocumentState, FieldKind, FormField, Role,
    RoutingTemplate, UserId, decide, submit,
};

fn key() -> SignerKey {
    SignerKey::from_seed("sahih.test/log", &[7; 32]).expect("key")
}

struct World {
    store: Store,
    citizen: UserId,
    verifier: UserId,
    signer: UserId,
    service: ServiceId,
    agency: AgencyId,
    _guard: common::Guard,
}

fn world() -> World {
    let (dir, store) = store();
    let agency = store.ensure_agency("DPMPTSP", "Licensing").expect("agency");
    let service = store
        .ensure_service(&Service {
            id: ServiceId(0),
            agency_id: agency,
            code: "sku".into(),
            name: "SKU".into(),
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
            name_en: String::new(),
            numbering: None,
        })
        .expect("service");
    World {
        citizen: user(&store, "warga", Role::Citizen, None),
        verifier: user(&store, "verif", Role::Verifier, Some(agency)),
        signer: user(&store, "ttd", Role::Signer, Some(agency)),
        store,
        service,
        agency,
        _guard: dir,
    }
}

impl World {
    fn submit(&self, pdf: &[u8]) -> DocumentId {
        let sha256 = self.store.blobs().put(pdf).expect("blob");
        self.store
            .submit_document(
                &NewDocument {
                    public_id: sha256[..32].into(),
                    service_id: self.service,
                    agency_id: self.agency,
                    applicant_id: self.citizen,
                    form: vec![("nama".into(), "Warung".into())],
                    attachment: NewAttachment {
                        sha256,
                        filename: "a.pdf".into(),
                        size: pdf.len() as i64,
                    },
                },
                &submit(),
            )
            .expect("submit")
    }

    fn act(&self, id: DocumentId, who: UserId, role: Role, command: Command, change: &Change) {
        let doc = self.store.document(id).expect("doc").expect("exists");
        let actor = Actor {
            id: who,
            role,
            is_applicant: false,
        };
        let t = decide_single(doc.state, &actor, &command).expect("decide");
        self.store
            .apply_transition(id, who, &t, doc.version, change)
            .expect("apply");
    }

    fn paraf_and_sign(&self, id: DocumentId, signed_pdf: &[u8]) -> String {
        self.act(
            id,
            self.verifier,
            Role::Verifier,
            Command::Paraf,
            &Change::default(),
        );
        let signed = self.store.blobs().put(signed_pdf).expect("blob");
        self.act(
            id,
            self.signer,
            Role::Signer,
            Command::Sign,
            &Change {
                signed_sha256: Some(signed.clone()),
                verification_code: Some(signed[..40].into()),
                ..Change::default()
            },
        );
        signed
    }
}

/// Every entry of the log as of its checkpoint, read through the tile API.
fn all_entries(store: &Store, size: u64) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for tile in tiles_for_size(TreeSize(size)) {
        if tile.level() != 0 {
            continue;
        }
        let bundle = EntryBundleId::new(tile.index(), tile.width()).expect("bundle");
        let data = store
            .log_tile(TilePath::Entries(bundle))
            .expect("read")
            .expect("bundle in tree");
        let entries = parse_entry_bundle(&data).expect("bundle parses");
        assert_eq!(entries.len(), usize::from(tile.width()));
        out.extend(entries.into_iter().map(<[u8]>::to_vec));
    }
    out
}

fn open(note: &str, key: &SignerKey) -> Checkpoint {
    Checkpoint::open(note, &[key.verifier_key()])
        .expect("signed")
        .0
}

#[test]
fn each_event_is_a_leaf_committed_with_its_state_and_the_receipt_verifies() {
    let w = world();
    let key = key();
    let id = w.submit(b"%PDF-1.7 v1");
    let signed = w.paraf_and_sign(id, b"%PDF-1.7 v1 signed");
    assert_eq!(
        w.store.log_overview(10).expect("overview").pending,
        3,
        "three events, three pending leaves, before the sequencer runs"
    );
    let batch = w
        .store
        .log_sequence_all(&key, 2)
        .expect("sequence")
        .expect("work done");
    assert_eq!(batch.new_size, 3);
    let checkpoint = open(&batch.checkpoint, &key);
    assert_eq!(
        (checkpoint.origin(), checkpoint.size()),
        ("sahih.test/log", TreeSize(3))
    );
    assert_eq!(
        w.store.log_checkpoint().expect("cp"),
        Some(batch.checkpoint)
    );

    let entries = all_entries(&w.store, 3);
    let leaves: Vec<Leaf> = entries
        .iter()
        .map(|e| Leaf::parse(e).expect("canonical leaf"))
        .collect();
    let kinds: Vec<LeafKind> = leaves.iter().map(Leaf::kind).collect();
    assert_eq!(
        kinds,
        vec![LeafKind::Submitted, LeafKind::Paraf, LeafKind::Signed]
    );
    let Leaf::Event(last) = &leaves[2] else {
        panic!("an event")
    };
    assert_eq!(hex_of(&last.sha256), signed, "signed names the signed PDF");
    assert_eq!(
        (last.from, last.to),
        (Some(DocumentState::Approved), DocumentState::Signed)
    );
    let text = String::from_utf8_lossy(&entries.concat()).into_owned();
    for secret in ["WARGA", "VERIF", "TTD", "warga", "Warung"] {
        assert!(!text.contains(secret), "{secret} in the log");
    }
    let mut order = OrderCheck::new();
    for leaf in &leaves {
        order.push(leaf).expect("the workflow's order");
    }

    let memory = MemoryHashStore::from_leaf_hashes(entries.iter().map(|e| leaf_hash(e)));
    assert_eq!(
        tree_hash(TreeSize(3), &memory).ok(),
        Some(checkpoint.root())
    );

    let receipt = w.store.log_receipt(id).expect("receipt");
    assert_eq!(receipt.pending, 0);
    let json = serde_json::to_string(&receipt).expect("json");
    let parsed: sahih_store::log::receipt::Receipt = serde_json::from_str(&json).expect("parse");
    let (cp, proved) = parsed
        .verify(&key.verifier_key())
        .expect("receipt verifies");
    assert_eq!(cp.size(), TreeSize(3));
    assert_eq!(
        proved.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
        vec![0, 1, 2]
    );

    // A receipt edited after the fact does not verify.
    let mut forged = parsed.clone();
    forged.leaves[1].entry = forged.leaves[1].entry.replace("kind=paraf", "kind=signed");
    assert_eq!(
        forged.verify(&key.verifier_key()).err().map(|e| e.code()),
        Some("E_RECEIPT_ENTRY")
    );
    let mut dropped = parsed.clone();
    dropped.leaves.remove(1);
    assert_eq!(
        dropped.verify(&key.verifier_key()).err().map(|e| e.code()),
        Some("E_LOG_ORDER"),
        "a signature without its paraf"
    );
    let other = SignerKey::from_seed("sahih.test/log", &[8; 32]).expect("key");
    assert_eq!(
        parsed.verify(&other.verifier_key()).err().map(|e| e.code()),
        Some("E_LOG_SIGNATURE")
    );
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_refused_transition_writes_no_leaf() {
    let w = world();
    let id = w.submit(b"%PDF-1.7 v1");
    let t = decide_single(
        DocumentState::Submitted,
        &Actor {
            id: w.verifier,
            role: Role::Verifier,
            is_applicant: false,
        },
        &Command::Paraf,
    )
    .expect("paraf");
    let stale = w
        .store
        .apply_transition(id, w.verifier, &t, 7, &Change::default());
    assert!(matches!(stale, Err(StoreError::Conflict { .. })));
    assert_eq!(w.store.log_overview(10).expect("overview").pending, 1);
}

#[test]
fn tiles_and_root_agree_with_an_independent_tree_across_tile_boundaries() {
    let (_guard, store) = store();
    let key = key();
    let mut expected = MemoryHashStore::new();
    let mut entries = Vec::new();
    // Odd batches, so partial tiles are rewritten wider and level-1 tiles appear.
    for (round, batch) in [1usize, 254, 2, 300, 1, 513].into_iter().enumerate() {
        for i in 0..batch {
            store
                .log_verification(&VerificationLeaf {
                    time: 0,
                    sha256: [u8::try_from(i % 256).unwrap_or(0); 32],
                    verdict: if round % 2 == 0 {
                        Verdict::TotalPassed
                    } else {
                        Verdict::Unusable
                    },
                    source: VerificationSource::Api,
                })
                .expect("append");
        }
        let done = store
            .log_sequence_all(&key, 200)
            .expect("sequence")
            .expect("work");
        let size = done.new_size;
        let fetched = all_entries(&store, size);
        for entry in &fetched[entries.len()..] {
            expected.push_leaf(entry);
        }
        entries = fetched;
        assert_eq!(
            open(&done.checkpoint, &key).root(),
            tree_hash(TreeSize(size), &expected).expect("root")
        );
        for tile in tiles_for_size(TreeSize(size)) {
            let served = store
                .log_tile(TilePath::Hashes(tile))
                .expect("read")
                .expect("tile in tree");
            assert_eq!(served, tile_data(tile, &expected).expect("tile"), "{tile}");
        }
        for index in [0, size / 2, size - 1] {
            let (proof, note) = store.log_inclusion_proof(LogIndex(index)).expect("proof");
            let root = open(&note, &key).root();
            proof
                .verify(&leaf_hash(&entries[index as usize]), &root)
                .expect("inclusion");
        }
    }
    assert_eq!(entries.len(), 1071);
    // Beyond the tree: nothing; a partial tile of a full one: its prefix.
    let beyond = TileId::new(0, 4, 48).expect("tile");
    assert_eq!(
        store.log_tile(TilePath::Hashes(beyond)).expect("read"),
        None
    );
    let wider = TileId::new(0, 4, 49).expect("tile");
    assert_eq!(store.log_tile(TilePath::Hashes(wider)).expect("read"), None);
    let level1 = TileId::new(1, 0, 5).expect("tile");
    assert_eq!(
        store.log_tile(TilePath::Hashes(level1)).expect("read"),
        None
    );
    let prefix = TileId::new(0, 0, 3).expect("tile");
    let full = TileId::new(0, 0, 256).expect("tile");
    let full = store
        .log_tile(TilePath::Hashes(full))
        .expect("read")
        .expect("full");
    assert_eq!(
        store.log_tile(TilePath::Hashes(prefix)).expect("read"),
        Some(full[..96].to_vec())
    );
    let bundle = EntryBundleId::new(5, 1).expect("bundle");
    assert_eq!(
        store.log_tile(TilePath::Entries(bundle)).expect("read"),
        None
    );
}

#[test]
fn the_first_run_signs_the_empty_tree_and_another_key_is_refused() {
    let (_guard, store) = store();
    assert_eq!(store.log_checkpoint().expect("cp"), None);
    let first = store
        .log_sequence(&key(), 10)
        .expect("sequence")
        .expect("empty checkpoint");
    assert_eq!((first.old_size, first.new_size), (0, 0));
    assert_eq!(
        store.log_sequence(&key(), 10).expect("idle"),
        None,
        "nothing to do, nothing written"
    );
    let other = SignerKey::from_seed("sahih.test/log", &[9; 32]).expect("key");
    store
        .log_verification(&VerificationLeaf {
            time: 0,
            sha256: [1; 32],
            verdict: Verdict::TotalFailed,
            source: VerificationSource::Page,
        })
        .expect("append");
    assert!(matches!(
        store.log_sequence(&other, 10),
        Err(StoreError::LogKeyMismatch { .. })
    ));
    assert_eq!(store.log_overview(5).expect("overview").pending, 1);
}

#[test]
fn concurrent_commits_beside_a_running_sequencer_lose_no_leaf_and_index_none_twice() {
    let w = world();
    let key = std::sync::Arc::new(key());
    let sequencer =
        sahih_store::log::Sequencer::spawn(w.store.clone(), key.clone()).expect("spawn");
    let ids: Vec<DocumentId> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4u8)
            .map(|i| {
                let w = &w;
                s.spawn(move || {
                    let id = w.submit(&[b'%', b'P', b'D', b'F', i]);
                    w.paraf_and_sign(id, &[b'%', b'P', b'D', b'F', i, b's']);
                    id
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    drop(sequencer);
    // The sequencer was stopped; whatever it left pending is sequenced now.
    w.store.log_sequence_all(&key, 4096).expect("sequence");
    let overview = w.store.log_overview(100).expect("overview");
    assert_eq!((overview.tree_size, overview.pending), (12, 0));
    let mut order = OrderCheck::new();
    for entry in all_entries(&w.store, 12) {
        order
            .push(&Leaf::parse(&entry).expect("leaf"))
            .expect("order");
    }
    for id in ids {
        let receipt = w.store.log_receipt(id).expect("receipt");
        assert_eq!(receipt.leaves.len(), 3);
        receipt.verify(&key.verifier_key()).expect("verifies");
    }
}

/// `decide` on the single-paraf route, with the actor assigned to the pending step.
fn decide_single(
    state: DocumentState,
    actor: &Actor,
    command: &Command,
) -> Result<sahih_workflow::Transition, sahih_workflow::WorkflowError> {
    let template = RoutingTemplate::single_paraf();
    let eligible = [actor.id];
    let situation = sahih_workflow::Situation {
        state,
        template: &template,
        form: &[],
        eligible: &eligible,
        given: &[],
    };
    decide(&situation, actor, command)
}
