//! The four example services under examples/services/ read, check, survive export, and route
//! documents the way their comments say.

use sahih_workflow::{GroupMode, ServiceDefinition, StepAction};

fn example(name: &str) -> ServiceDefinition {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/services")
        .join(format!("{name}.toml"));
    let text = std::fs::read_to_string(&path).expect("example file");
    let d = ServiceDefinition::parse_toml(&text).unwrap_or_else(|problems| {
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        panic!("{}: {lines:#?}", path.display())
    });
    assert_eq!(
        d.code, name,
        "the file is named after the code, as export names it"
    );
    assert_eq!(
        ServiceDefinition::parse_toml(&d.to_toml()).as_ref(),
        Ok(&d),
        "export reads back"
    );
    d
}

/// The steps a document with these form values goes through, by name.
fn route(d: &ServiceDefinition, form: &[(&str, &str)]) -> Vec<String> {
    let template = d.template().expect("template");
    let form: Vec<(String, String)> = form
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut at = template.first_step(&form);
    let mut names = vec![];
    loop {
        let step = template.step(at).expect("step");
        names.push(step.name.clone());
        if step.action == StepAction::Sign {
            return names;
        }
        at = template.next_step(at, &form);
    }
}

#[test]
fn the_business_certificate_adds_the_head_of_division_for_small_businesses() {
    let d = example("surat-keterangan-usaha");
    assert_eq!(d.agency, "DPMPTSP");
    assert_eq!(
        d.numbering.as_ref().map(|n| n.classification.as_str()),
        Some("503")
    );
    let micro = route(&d, &[("modal_usaha", "250000000")]);
    assert_eq!(micro, ["Verifikasi", "Penandatanganan"]);
    assert_eq!(route(&d, &[]), micro, "no capital given: a micro business");
    assert_eq!(
        route(&d, &[("modal_usaha", "1500000000")]),
        [
            "Verifikasi",
            "Kepala Bidang Pelayanan Perizinan",
            "Penandatanganan"
        ]
    );
    assert_eq!(
        d.steps[2].assignees.position.as_deref(),
        Some("Kepala Dinas")
    );
}

#[test]
fn the_travel_order_is_acknowledged_by_the_travellers_head_of_division() {
    let d = example("sppd");
    assert_eq!(d.agency, "BAPPEDA");
    assert_eq!(
        d.numbering.as_ref().map(|n| n.classification.as_str()),
        Some("094")
    );
    let trip = route(&d, &[("bidang", "infrastruktur")]);
    assert_eq!(
        trip,
        [
            "Kasubag Umum dan Kepegawaian",
            "Sekretaris",
            "Mengetahui: Kepala Bidang Infrastruktur dan Kewilayahan",
            "Kepala Bappeda"
        ]
    );
    assert_eq!(route(&d, &[("bidang", "sekretariat")]).len(), 3);
    assert!(d.steps.iter().all(|s| s.deadline_days.is_some()));
    let last = d.steps.last().expect("sign step");
    assert_eq!(
        last.cc[0].position.as_deref(),
        Some("Bendahara Pengeluaran")
    );
    let acknowledged = d
        .steps
        .iter()
        .filter(|s| s.action == StepAction::Acknowledge)
        .count();
    assert_eq!(acknowledged, 3);
}

#[test]
fn the_budget_document_needs_two_analysts_and_above_fifty_million_the_head() {
    let d = example("dokumen-anggaran");
    assert_eq!(d.agency, "BPKAD");
    assert_eq!(
        d.numbering.as_ref().map(|n| n.classification.as_str()),
        Some("903")
    );
    assert_eq!(d.steps[1].mode, GroupMode::KOfN(2));
    assert_eq!(route(&d, &[("jumlah", "50000000")]).len(), 3);
    assert_eq!(
        route(&d, &[("jumlah", "50000001")]),
        [
            "Verifikasi dokumen anggaran",
            "Telaah Analis Anggaran (2 dari 3)",
            "Kepala BPKAD",
            "Pengesahan"
        ]
    );
}

#[test]
fn the_tax_receipt_is_one_paraf_and_a_signature_in_a_day_each() {
    let d = example("tanda-terima-pajak");
    assert_eq!(d.agency, "BAPENDA");
    assert_eq!(
        d.numbering.as_ref().map(|n| n.classification.as_str()),
        Some("973")
    );
    assert_eq!(route(&d, &[]), ["Verifikasi setoran", "Penandatanganan"]);
    assert!(d.steps.iter().all(|s| s.deadline_days == Some(1)));
}
