//! Each shipped example service (examples/services/) runs end to end through the application
//! services a browser and `sahih demo` use, on a fresh SQLite instance seeded with the demo
//! officers: a citizen applies, every step of the route is given by officers holding its
//! position (two of three analysts in the budget document's parallel group; the head of
//! finance only above Rp50,000,000), the official signs, and then:
//! - the signed PDF verifies (TOTAL-PASSED against the development CA) and its /Reason carries
//!   the nomor surat, which has the service's format and is the first of its year;
//! - the timeline lists exactly the steps the route required, in order;
//! - the transparency log replays under the auditor's order rules.

use std::collections::HashMap;

use sahih_signing::verify::Indication;
use sahih_store::Store;
use sahih_web::app::{App, AppConfig, DeadlineSettings, Upload};
use sahih_web::seed::{DEMO_KEY_PASSPHRASE, demo_services, seed_demo};
use sahih_workflow::{Command, DocumentState, FieldKind, ServiceDefinition, StepAction};

/// A one-page PDF with a classic cross-reference table.
fn plain_pdf(title: &str) -> Vec<u8> {
    let content = format!("BT /F1 12 Tf 72 720 Td ({title}) Tj ET");
    let bodies = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_string(),
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ),
    ];
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{body}\nendobj\n", i + 1).bytes());
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", bodies.len() + 1).bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            bodies.len() + 1
        )
        .bytes(),
    );
    out
}

struct Instance {
    _dir: tempfile::TempDir,
    app: App,
}

fn instance() -> Instance {
    let dir = tempfile::tempdir().expect("tempdir");
    let open = || {
        Store::open(
            &format!("sqlite://{}", dir.path().join("sahih.db").display()),
            &dir.path().join("blobs"),
        )
        .expect("store")
    };
    let config = |chain: Vec<sahih_signing::Certificate>| AppConfig {
        upload_limit: 10 * 1024 * 1024,
        city: "Kota Uji".into(),
        trust_anchors: chain.clone(),
        chain,
        verification_cache: dir.path().join("cache"),
        log_key: std::sync::Arc::new(
            sahih_tlog::SignerKey::from_seed("sahih.test/log", &[5; 32]).expect("key"),
        ),
        deadlines: DeadlineSettings::default(),
    };
    let certs = dir.path().join("certs");
    seed_demo(&App::new(open(), config(Vec::new())), &certs).expect("seed");
    let ca = std::fs::read_to_string(certs.join("ca.pem")).expect("ca");
    let chain = sahih_signing::load_certificates_pem(&ca).expect("ca cert");
    let app = App::new(open(), config(chain));
    Instance { _dir: dir, app }
}

/// A form value for each field, as a citizen would type it; the amounts that conditions read
/// (`jumlah`, `modal_usaha`) are `amount`.
fn values(def: &ServiceDefinition, amount: &str) -> HashMap<String, String> {
    def.form
        .iter()
        .map(|f| {
            let value = match (f.name.as_str(), f.kind) {
                ("jumlah" | "modal_usaha", _) => amount.to_string(),
                (_, FieldKind::Number) => "2026".to_string(),
                (_, FieldKind::Date) => "2026-12-01".to_string(),
                (_, FieldKind::Text) => "Contoh".chars().take(f.max_chars).collect(),
                (_, FieldKind::Textarea) => "Keterangan contoh".to_string(),
                // The second option, where there is one (the travel order's `ekonomi`, whose
                // acknowledgement step then applies).
                (_, FieldKind::Choice) => f
                    .options
                    .get(1)
                    .or(f.options.first())
                    .cloned()
                    .unwrap_or_default(),
            };
            (f.name.clone(), value)
        })
        .collect()
}

/// Runs `code` from application to signature; returns the step names the route went through.
fn run(inst: &Instance, code: &str, amount: &str) -> Vec<String> {
    let app = &inst.app;
    let def = demo_services()
        .expect("examples")
        .into_iter()
        .find(|d| d.code == code)
        .expect("example");
    let citizen = app
        .register_citizen(
            &format!("warga-{code}-{amount}"),
            "Budi Santoso",
            "",
            "kata-sandi-warga-2026",
        )
        .expect("citizen");
    let form = values(&def, amount);
    let pdf = plain_pdf(code);
    let doc = app
        .submit(
            &citizen,
            code,
            |name| form.get(name).cloned(),
            &Upload {
                filename: format!("{code}.pdf"),
                bytes: pdf,
            },
        )
        .expect("submit");
    let service = app.service(code).expect("service");
    let mut visited = Vec::new();
    for _ in 0..20 {
        let doc = app
            .store()
            .document(doc.id)
            .expect("load")
            .expect("document");
        let Some(pending) = app.pending_step(&doc, &service).expect("pending") else {
            break;
        };
        visited.push(pending.step.name.clone());
        assert!(
            !pending.assigned.is_empty(),
            "{code}: nobody holds the position of step {:?}",
            pending.step.name
        );
        let officers: Vec<_> = pending
            .waiting_for()
            .into_iter()
            .map(|id| app.store().user(id).expect("user").expect("officer"))
            .collect();
        match pending.step.action {
            StepAction::Sign => {
                let signed = app
                    .sign(
                        &officers[0],
                        &doc.public_id,
                        DEMO_KEY_PASSPHRASE.as_bytes(),
                        None,
                    )
                    .expect("sign");
                assert_eq!(signed.state, DocumentState::Signed);
                break;
            }
            action => {
                let command = if action == StepAction::Paraf {
                    Command::Paraf
                } else {
                    Command::Acknowledge
                };
                let needed = pending.required - pending.given.len();
                for officer in officers.iter().take(needed) {
                    if pending.step.approval_signature {
                        let refused = app.paraf(officer, &doc.public_id, None, None);
                        assert_eq!(
                            refused.err().map(|e| e.code()),
                            Some("E_PASSPHRASE_REQUIRED")
                        );
                        app.paraf(
                            officer,
                            &doc.public_id,
                            Some(DEMO_KEY_PASSPHRASE.as_bytes()),
                            None,
                        )
                        .expect("paraf with approval signature");
                    } else {
                        app.act(officer, &doc.public_id, command.clone(), None, None)
                            .expect("paraf");
                    }
                }
            }
        }
    }
    let doc = app.store().document(doc.id).expect("load").expect("doc");
    assert_eq!(doc.state, DocumentState::Signed, "{code}: {visited:?}");
    check_signed(app, &def, doc.id);
    visited
}

/// The signed PDF verifies, carries its nomor surat, and the number is the service's format
/// rendered for this month (WIB).
fn check_signed(app: &App, def: &ServiceDefinition, id: sahih_workflow::DocumentId) {
    let doc = app.store().document(id).expect("load").expect("doc");
    let signed = app
        .store()
        .blobs()
        .get(doc.signed_sha256.as_deref().expect("signed"))
        .expect("blob");
    let report = app.verify_pdf(&signed).expect("usable");
    assert_eq!(report.indication, Indication::TotalPassed, "{}", def.code);
    // One approval signature per paraf given at a step that asks for it, then the TTE; every
    // earlier signature still intact.
    let approvals = def.steps.iter().filter(|s| s.approval_signature).count();
    assert_eq!(report.signatures.len(), approvals + 1, "{}", def.code);
    assert!(
        report
            .signatures
            .iter()
            .all(|s| s.indication == Indication::TotalPassed),
        "{}",
        def.code
    );
    match (
        &def.numbering,
        app.store().document_number(id).expect("number"),
    ) {
        (Some(n), Some(number)) => {
            let prefix = format!("{}/", n.classification);
            let seq: String = number
                .strip_prefix(&prefix)
                .unwrap_or_default()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            let now = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+7));
            let expected = n.format.render(&sahih_workflow::NumberParts {
                classification: n.classification.clone(),
                seq: seq.parse().expect("a sequence number"),
                agency: def.agency.clone(),
                service: def.code.clone(),
                month: u8::from(now.month()),
                year: now.year(),
            });
            assert_eq!(number, expected, "the number has the service's format");
            assert!(number.contains(&def.agency), "{number}");
            assert!(
                carries_text(&signed, &number),
                "the signature's /Reason lacks {number}"
            );
            let stated = report
                .signatures
                .last()
                .and_then(|s| s.stated_reason.clone())
                .unwrap_or_default();
            assert!(
                stated.starts_with(&format!("Nomor {number} — ")),
                "{stated}"
            );
        }
        (None, None) => {}
        (want, got) => panic!("{}: numbering {want:?}, number {got:?}", def.code),
    }
}

/// Whether `pdf` holds `text` as a PDF text string: literal ASCII, or UTF-16BE in hex (how
/// a /Reason with non-ASCII characters such as an em dash is written).
fn carries_text(pdf: &[u8], text: &str) -> bool {
    let utf16: String = text.encode_utf16().map(|u| format!("{u:04X}")).collect();
    let upper = String::from_utf8_lossy(pdf).to_uppercase();
    pdf.windows(text.len()).any(|w| w == text.as_bytes()) || upper.contains(&utf16)
}

#[test]
fn every_example_service_runs_from_application_to_signature() {
    let inst = instance();
    let routes = [
        (
            "surat-keterangan-usaha",
            "1500000000",
            vec![
                "Verifikasi",
                "Kepala Bidang Pelayanan Perizinan",
                "Penandatanganan",
            ],
        ),
        ("tanda-terima-pajak", "0", vec![]),
        // A micro business: the head of division's paraf is not needed.
        (
            "surat-keterangan-usaha",
            "5000000",
            vec!["Verifikasi", "Penandatanganan"],
        ),
        (
            "sppd",
            "0",
            vec![
                "Kasubag Umum dan Kepegawaian",
                "Sekretaris",
                "Mengetahui: Kepala Bidang Perekonomian dan SDA",
                "Kepala Bappeda",
            ],
        ),
        ("dokumen-anggaran", "75000000", vec![]),
    ];
    for (code, amount, expected) in routes {
        let visited = run(&inst, code, amount);
        let def = demo_services()
            .expect("examples")
            .into_iter()
            .find(|d| d.code == code)
            .expect("example");
        let form: Vec<(String, String)> = values(&def, amount).into_iter().collect();
        let applicable: Vec<String> = def
            .steps
            .iter()
            .filter(|s| s.applies(&form))
            .map(|s| s.name.clone())
            .collect();
        assert_eq!(visited, applicable, "{code}: the route it took");
        if !expected.is_empty() {
            assert_eq!(visited, expected, "{code}");
        }
    }
    // The agency dashboard counts each signed document once (its `numbered` event is not a
    // second closing).
    let bpkad = inst
        .app
        .store()
        .agency_by_code("BPKAD")
        .expect("load")
        .expect("agency");
    let stats = inst
        .app
        .store()
        .agency_stats(bpkad.id, 0..i64::MAX)
        .expect("stats");
    let signed: usize = stats.services.iter().map(|s| s.to_signed.len()).sum();
    assert_eq!(signed, 1, "one budget document signed");
    let audit = inst.app.store().log_order_check().expect("audit");
    assert_eq!(audit, Ok(()), "the log replays under the order rules");
}

#[test]
fn the_budget_route_needs_the_head_of_finance_only_above_fifty_million() {
    let inst = instance();
    let small = run(&inst, "dokumen-anggaran", "20000000");
    let large = run(&inst, "dokumen-anggaran", "50000001");
    assert!(!small.iter().any(|s| s == "Kepala BPKAD"), "{small:?}");
    assert!(large.iter().any(|s| s == "Kepala BPKAD"), "{large:?}");
    assert_eq!(large.len(), small.len() + 1);
    // The signature step's tembusan: the head of treasury gets a copy of each, for information.
    let treasury = inst
        .app
        .store()
        .user_by_login("kabid-perbendaharaan")
        .expect("load")
        .expect("demo officer")
        .0;
    let copies = inst
        .app
        .store()
        .notices(treasury.id, 100)
        .expect("notices")
        .into_iter()
        .filter(|n| n.kind == "tembusan")
        .count();
    assert_eq!(copies, 2, "one tembusan per signed budget document");
}

/// Applies for `code` and gives every paraf up to the signature; returns the public id.
fn ready_to_sign(inst: &Instance, code: &str, amount: &str, n: usize) -> String {
    let app = &inst.app;
    let def = demo_services()
        .expect("examples")
        .into_iter()
        .find(|d| d.code == code)
        .expect("example");
    let citizen = app
        .register_citizen(
            &format!("warga-batch-{n}"),
            "Budi",
            "",
            "kata-sandi-warga-2026",
        )
        .expect("citizen");
    let form = values(&def, amount);
    let doc = app
        .submit(
            &citizen,
            code,
            |name| form.get(name).cloned(),
            &Upload {
                filename: "a.pdf".into(),
                bytes: plain_pdf(code),
            },
        )
        .expect("submit");
    let service = app.service(code).expect("service");
    loop {
        let doc = app.store().document(doc.id).expect("load").expect("doc");
        let pending = app
            .pending_step(&doc, &service)
            .expect("pending")
            .expect("open");
        if pending.step.action == StepAction::Sign {
            return doc.public_id;
        }
        let officer = app
            .store()
            .user(pending.waiting_for()[0])
            .expect("user")
            .expect("officer");
        app.paraf(
            &officer,
            &doc.public_id,
            Some(DEMO_KEY_PASSPHRASE.as_bytes()),
            None,
        )
        .expect("paraf");
    }
}

#[test]
fn batch_signing_signs_the_rest_when_one_fails_and_says_why() {
    let inst = instance();
    let app = &inst.app;
    let first = ready_to_sign(&inst, "tanda-terima-pajak", "0", 1);
    let second = ready_to_sign(&inst, "tanda-terima-pajak", "0", 2);
    // A third still waits for its verifier's paraf: not the official's to sign yet.
    let citizen = app
        .store()
        .user_by_login("warga")
        .expect("load")
        .expect("warga")
        .0;
    let def = demo_services()
        .expect("examples")
        .into_iter()
        .find(|d| d.code == "tanda-terima-pajak")
        .expect("example");
    let form = values(&def, "0");
    let early = app
        .submit(
            &citizen,
            "tanda-terima-pajak",
            |name| form.get(name).cloned(),
            &Upload {
                filename: "b.pdf".into(),
                bytes: plain_pdf("early"),
            },
        )
        .expect("submit")
        .public_id;
    let official = app
        .store()
        .user_by_login("kabid-pajak")
        .expect("load")
        .expect("signer")
        .0;
    let ids: Vec<sahih_web::app::BatchItem> = [&first, &early, &second, &first]
        .into_iter()
        .map(|id| sahih_web::app::BatchItem {
            public_id: id.clone(),
            seen: None,
        })
        .collect();

    let wrong = app.sign_batch(&official, &ids, b"not the passphrase");
    assert_eq!(wrong.err().map(|e| e.code()), Some("E_WRONG_PASSPHRASE"));
    let outcomes = app
        .sign_batch(&official, &ids, DEMO_KEY_PASSPHRASE.as_bytes())
        .expect("batch");
    let report: Vec<(&str, Result<DocumentState, &str>)> = outcomes
        .iter()
        .map(|o| {
            (
                o.public_id.as_str(),
                o.result.as_ref().map(|d| d.state).map_err(|e| e.code()),
            )
        })
        .collect();
    assert_eq!(
        report,
        vec![
            (first.as_str(), Ok(DocumentState::Signed)),
            (early.as_str(), Err("E_TRANSITION_NOT_ALLOWED")),
            (second.as_str(), Ok(DocumentState::Signed)),
        ],
        "each document once, in the order asked; the early one refused, the others signed"
    );
    let numbers: Vec<String> = [&first, &second]
        .iter()
        .map(|id| {
            let doc = app
                .store()
                .document_by_public_id(id)
                .expect("load")
                .expect("doc");
            app.store()
                .document_number(doc.id)
                .expect("number")
                .expect("numbered")
        })
        .collect();
    assert_ne!(numbers[0], numbers[1]);
    assert!(numbers[0].starts_with("973/00001/"), "{numbers:?}");
    assert!(numbers[1].starts_with("973/00002/"), "{numbers:?}");
}

#[test]
fn an_official_and_their_acting_official_count_once_in_a_group() {
    let inst = instance();
    let app = &inst.app;
    let login = |l: &str| {
        app.store()
            .user_by_login(l)
            .expect("load")
            .expect("demo officer")
            .0
    };
    let (a1, a2, plh) = (
        login("analis-anggaran-1"),
        login("analis-anggaran-2"),
        login("kabid-perbendaharaan"),
    );
    let now = sahih_store::now();
    let grant = sahih_workflow::Delegation::new(
        a1.id,
        plh.id,
        sahih_workflow::DelegationKind::Plh,
        now - 60,
        now + 86_400,
    )
    .expect("grant");
    app.store()
        .create_delegation(&grant, a1.id)
        .expect("stored");

    // Two documents at the analysts' step (two of three).
    let at_group = |n: usize| {
        let id = ready_to_sign_until(&inst, "dokumen-anggaran", "1000", n, "Telaah");
        app.store()
            .document_by_public_id(&id)
            .expect("load")
            .expect("doc")
    };
    let paraf = |who: &sahih_store::User, doc: &sahih_store::Document| {
        app.paraf(who, &doc.public_id, None, None)
            .map(|d| d.state)
            .map_err(|e| e.code())
    };
    // The official first: their Plh. may not add a second paraf for the same office.
    let first = at_group(10);
    let step = first.state;
    assert_eq!(paraf(&a1, &first), Ok(step));
    assert_eq!(paraf(&plh, &first), Err("E_ALREADY_ACTED"));
    assert_ne!(
        paraf(&a2, &first),
        Ok(step),
        "a second analyst completes the group"
    );
    // The Plh. first: the official has then acted, and the group still needs another analyst.
    let second = at_group(11);
    assert_eq!(paraf(&plh, &second), Ok(step));
    assert_eq!(paraf(&a1, &second), Err("E_NOT_ASSIGNEE"));
    assert_ne!(paraf(&a2, &second), Ok(step));
    // The timeline says on whose behalf the Plh. gave paraf.
    let notes: Vec<String> = app
        .store()
        .events(second.id)
        .expect("events")
        .into_iter()
        .filter(|e| e.kind == "paraf")
        .filter_map(|e| e.comment)
        .collect();
    assert_eq!(
        notes,
        vec![format!("Plh. Analis Anggaran, a.n. {}", a1.name)],
        "only the Plh.'s paraf carries a note"
    );
}

/// Applies for `code` and gives paraf until the pending step's name starts with `until`.
fn ready_to_sign_until(inst: &Instance, code: &str, amount: &str, n: usize, until: &str) -> String {
    let app = &inst.app;
    let def = demo_services()
        .expect("examples")
        .into_iter()
        .find(|d| d.code == code)
        .expect("example");
    let citizen = app
        .register_citizen(
            &format!("warga-group-{n}"),
            "Budi",
            "",
            "kata-sandi-warga-2026",
        )
        .expect("citizen");
    let form = values(&def, amount);
    let doc = app
        .submit(
            &citizen,
            code,
            |name| form.get(name).cloned(),
            &Upload {
                filename: "a.pdf".into(),
                bytes: plain_pdf(code),
            },
        )
        .expect("submit");
    let service = app.service(code).expect("service");
    loop {
        let doc = app.store().document(doc.id).expect("load").expect("doc");
        let pending = app
            .pending_step(&doc, &service)
            .expect("pending")
            .expect("open");
        if pending.step.name.starts_with(until) {
            return doc.public_id;
        }
        let officer = app
            .store()
            .user(pending.waiting_for()[0])
            .expect("user")
            .expect("officer");
        app.paraf(&officer, &doc.public_id, None, None)
            .expect("paraf");
    }
}

#[test]
fn a_form_from_before_a_return_to_an_earlier_step_is_refused() {
    let inst = instance();
    let app = &inst.app;
    let login = |l: &str| {
        app.store()
            .user_by_login(l)
            .expect("load")
            .expect("officer")
            .0
    };
    let id = ready_to_sign_until(&inst, "dokumen-anggaran", "1000", 20, "Telaah");
    let doc = app
        .store()
        .document_by_public_id(&id)
        .expect("load")
        .expect("doc");
    // What the third analyst's page showed: the analysts' step, version 1, no return yet.
    let stale = sahih_web::app::Seen {
        state: doc.state.as_code(),
        version: doc.version,
        round: Some(0),
    };
    let back = Command::Return {
        comment: "Periksa ulang rincian belanja".into(),
        to: sahih_workflow::ReturnTo::PreviousStep,
    };
    app.act(&login("analis-anggaran-1"), &id, back, None, None)
        .expect("returned to the verifier");
    app.paraf(&login("verifikator-anggaran"), &id, None, None)
        .expect("checked again");
    let now = app
        .store()
        .document_by_public_id(&id)
        .expect("load")
        .expect("doc");
    assert_eq!(
        (now.state, now.version),
        (doc.state, doc.version),
        "looks the same"
    );
    let late = app.paraf(&login("analis-anggaran-3"), &id, None, Some(&stale));
    assert_eq!(late.err().map(|e| e.code()), Some("E_CONFLICT"));
    let fresh = sahih_web::app::Seen {
        round: Some(1),
        ..stale
    };
    app.paraf(&login("analis-anggaran-3"), &id, None, Some(&fresh))
        .expect("a form shown after the return");
}

#[test]
fn a_batch_signs_nothing_that_changed_since_the_queue_showed_it() {
    let inst = instance();
    let app = &inst.app;
    let login = |l: &str| app.store().user_by_login(l).expect("load").expect("user").0;
    let id = ready_to_sign(&inst, "tanda-terima-pajak", "0", 30);
    let shown = app
        .store()
        .document_by_public_id(&id)
        .expect("load")
        .expect("doc");
    let seen = sahih_web::app::Seen {
        state: shown.state.as_code(),
        version: shown.version,
        round: Some(0),
    };
    // Meanwhile: returned to the applicant, resubmitted with another PDF, checked again.
    let official = login("kabid-pajak");
    let back = Command::Return {
        comment: "Setoran belum tercatat".into(),
        to: sahih_workflow::ReturnTo::Applicant,
    };
    app.act(&official, &id, back, None, None).expect("returned");
    let citizen = app
        .store()
        .user(shown.applicant_id)
        .expect("load")
        .expect("citizen");
    let revision = sahih_web::app::Revision {
        values: shown.form.iter().cloned().collect(),
        upload: Some(Upload {
            filename: "baru.pdf".into(),
            bytes: plain_pdf("versi kedua"),
        }),
    };
    app.act(&citizen, &id, Command::Resubmit, Some(&revision), None)
        .expect("resubmitted");
    app.paraf(
        &login("verifikator-pajak"),
        &id,
        Some(DEMO_KEY_PASSPHRASE.as_bytes()),
        None,
    )
    .expect("paraf again");

    let stale = sahih_web::app::BatchItem {
        public_id: id.clone(),
        seen: Some(seen),
    };
    let outcome = app
        .sign_batch(&official, &[stale], DEMO_KEY_PASSPHRASE.as_bytes())
        .expect("batch");
    assert_eq!(
        outcome[0].result.as_ref().err().map(|e| e.code()),
        Some("E_CONFLICT"),
        "the signer never saw version 2"
    );
    let now = app
        .store()
        .document_by_public_id(&id)
        .expect("load")
        .expect("doc");
    assert_eq!(now.state, DocumentState::Approved, "nothing signed");
}
