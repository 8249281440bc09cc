use rstest::rstest;

use super::*;

fn toml_template(text: &str) -> Result<RoutingTemplate, String> {
    toml::from_str::<RoutingTemplate>(text).map_err(|e| e.message().to_owned())
}

const VALID: &str = r#"
[[steps]]
name = "Verifikasi berkas"
action = "paraf"
assignees = { role = "verifier" }
deadline_days = 2

[[steps]]
name = "Kepala Bidang"
action = "paraf"
mode = { k_of_n = 2 }
assignees = { position = "Kepala Bidang" }
cc = [{ position = "Sekretaris" }]

[[steps]]
name = "Kepala BPKAD"
action = "paraf"
assignees = { position = "Kepala BPKAD", agency = "BPKAD" }
condition = { field = "jumlah", op = "gt", value = "50000000" }

[[steps]]
name = "Kepala Dinas"
action = "sign"
assignees = { role = "signer", position = "Kepala Dinas" }
"#;

#[test]
fn a_toml_template_reads_every_kind_of_step() {
    let t = toml_template(VALID).expect("valid");
    assert_eq!(t.steps.len(), 4);
    assert_eq!(t.steps[1].mode, GroupMode::KOfN(2));
    assert_eq!(t.steps[0].deadline_days, Some(2));
    assert_eq!(t.steps[2].assignees.agency.as_deref(), Some("BPKAD"));
    assert_eq!(t.sign_step(), 3);
    let small = vec![("jumlah".to_owned(), "1000".to_owned())];
    let large = vec![("jumlah".to_owned(), "90000000".to_owned())];
    assert_eq!(t.next_step(1, &small), 3);
    assert_eq!(t.next_step(1, &large), 2);
    assert_eq!(t.previous_step(3, &small), Some(1));
    assert_eq!(t.previous_step(0, &small), None);
}

#[rstest]
#[case("action = \"sign\"", "exactly one sign step")]
#[case("mode = { k_of_n = 0 }", "k_of_n needs k")]
#[case("deadline_days = 0", "deadline_days must be")]
#[case("assignees = { role = \"citizen\" }", "only verifiers and signers")]
#[case("name = \"\"", "step names need")]
fn broken_steps_are_named(#[case] change: &str, #[case] message: &str) {
    // Replace the second step's line that sets the same key.
    let key = change.split(' ').next().expect("key");
    let mut lines: Vec<String> = VALID.lines().map(str::to_owned).collect();
    let second = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| *l == "[[steps]]")
        .nth(1)
        .map(|(i, _)| i)
        .expect("second step");
    match lines[second..]
        .iter()
        .position(|l| l.starts_with(&format!("{key} ")))
    {
        Some(i) => lines[second + i] = change.to_owned(),
        None => lines.insert(second + 1, change.to_owned()),
    }
    let err = toml_template(&lines.join("\n")).expect_err("invalid");
    assert!(err.contains(message), "{err}");
}

#[test]
fn a_template_needs_an_unconditional_paraf_and_a_last_sign_step() {
    let sign_only =
        "[[steps]]\nname = \"TTE\"\naction = \"sign\"\nassignees = { role = \"signer\" }\n";
    assert!(toml_template(sign_only).is_err());
    assert_eq!(
        RoutingTemplate::new(vec![]),
        Err(WorkflowError::EmptyTemplate)
    );
    let mut t = RoutingTemplate::single_paraf();
    t.steps.reverse();
    assert!(matches!(
        RoutingTemplate::new(t.steps),
        Err(WorkflowError::InvalidTemplate(_))
    ));
}

#[test]
fn the_first_format_still_reads() {
    let legacy = toml_template("paraf_steps = [{ name = \"Verifikasi\" }]").expect("legacy");
    assert_eq!(legacy, RoutingTemplate::single_paraf());
}

#[rstest]
#[case(Comparison::Gt, "50000001", true)]
#[case(Comparison::Gt, "50000000", false)]
#[case(Comparison::Ge, "50000000", true)]
#[case(Comparison::Lt, "1", true)]
#[case(Comparison::Le, "", false)]
#[case(Comparison::Gt, "lima puluh juta", false)]
#[case(Comparison::Eq, "50000000", true)]
#[case(Comparison::Ne, "50000000", false)]
fn conditions_compare_numbers_and_text(
    #[case] op: Comparison,
    #[case] value: &str,
    #[case] holds: bool,
) {
    let c = Condition {
        field: "jumlah".into(),
        op,
        value: "50000000".into(),
    };
    assert_eq!(c.holds(&[("jumlah".into(), value.into())]), holds);
}

#[test]
fn conditions_must_name_a_fitting_form_field() {
    let t = toml_template(VALID).expect("valid");
    let field = |kind| FormField {
        name: "jumlah".into(),
        label_id: "Jumlah".into(),
        label_en: "Amount".into(),
        kind,
        required: true,
        max_chars: 15,
        options: Vec::new(),
    };
    assert_eq!(t.check_form(&[field(FieldKind::Number)]), Ok(()));
    assert!(t.check_form(&[field(FieldKind::Text)]).is_err());
    assert!(t.check_form(&[]).is_err());
}

#[test]
fn assignees_match_by_position_role_and_agency() {
    let a = Assignees {
        role: None,
        position: Some("Kepala BPKAD".into()),
        agency: Some("BPKAD".into()),
    };
    assert!(a.matches(Role::Signer, Some("Kepala BPKAD"), "BPKAD", "BAPPEDA"));
    assert!(!a.matches(Role::Signer, Some("Kepala BPKAD"), "BAPPEDA", "BAPPEDA"));
    assert!(!a.matches(Role::Signer, Some("Kepala Bidang"), "BPKAD", "BAPPEDA"));
    assert!(!a.matches(Role::Admin, Some("Kepala BPKAD"), "BPKAD", "BAPPEDA"));
    let verifiers = Assignees {
        role: Some(Role::Verifier),
        ..Assignees::default()
    };
    assert!(verifiers.matches(Role::Verifier, None, "DPMPTSP", "DPMPTSP"));
    assert!(!verifiers.matches(Role::Signer, None, "DPMPTSP", "DPMPTSP"));
}
