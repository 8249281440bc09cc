//! Each shipped example service (examples/services/) runs end to end through the application
//! services a browser and `sahih demo` use, on a fresh SQLite instance seeded with the demo
//! officers: a citizen applies, every step of the route is given by officers holding its
//! position (two of three analysts in the budget document's parallel group; the head of
//! finance only above Rp50,000,000), the official signs, and then:
//! - the signed PDF verifies (TOTAL-PASSED against the development CA) and its /Reason carries
//!   the nomor surat, which has the service's format and is the first of its year;
//! - the timeline lists exactly the steps the route required, in order;
//! - the transparency log replays under the auditor's order rules.

mod common;

use common::{Instance, instance, plain_pdf, values};
use sahih_signing::verify::Indication;
use sahih_web::app::{App, Upload};
use sahih_web::seed::{DEMO_KEY_PASSPHRASE, demo_services};
use sahih_workflow::{Command, DocumentState, ServiceDefinition, StepAction};

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
