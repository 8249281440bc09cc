use proptest::prelude::*;
use rstest::rstest;

use super::*;
use crate::{Comparison, GroupMode, Role, StepAction};

/// A valid definition using every feature: numbering, all field kinds, a k-of-n group, a
/// condition, an acknowledgement, deadlines, cc, another agency's officers.
const VALID: &str = r#"
code = "dokumen-anggaran"
agency = "BPKAD"
agency_name = "Badan Pengelolaan Keuangan dan Aset Daerah"
name = "Pengesahan Dokumen Anggaran"
name_en = "Budget Document Approval"
description = "Baris 1\nBaris 2"
description_en = "Line 1"

[numbering]
classification = "903"
format = "{classification}/{seq:04}/{agency}/{year}"

[[form]]
name = "uraian"
label_id = "Uraian"
label_en = "Description"
kind = "textarea"
required = true

[[form]]
name = "jumlah"
label_id = "Jumlah (Rp)"
label_en = "Amount (IDR)"
kind = "number"
required = true
max_chars = 18

[[form]]
name = "tanggal"
label_id = "Tanggal"
label_en = "Date"
kind = "date"

[[steps]]
name = "Verifikasi"
action = "paraf"
assignees = { role = "verifier", position = "Verifikator Anggaran" }
deadline_days = 3

[[steps]]
name = "Analis Anggaran"
action = "paraf"
assignees = { position = "Analis Anggaran" }
mode = { k_of_n = 2 }

[[steps]]
name = "Kepala BPKAD"
action = "paraf"
assignees = { position = "Kepala BPKAD" }
condition = { field = "jumlah", op = "gt", value = "50000000" }

[[steps]]
name = "Mengetahui Bappeda"
action = "acknowledge"
assignees = { position = "Kepala Bappeda", agency = "BAPPEDA" }
mode = "all"

[[steps]]
name = "Pengesahan"
action = "sign"
assignees = { role = "signer", position = "Kepala Bidang Anggaran" }
deadline_days = 2
cc = [{ position = "Kepala Bidang Perbendaharaan" }, { role = "verifier", agency = "INSPEKTORAT" }]
"#;

fn parse(text: &str) -> Result<ServiceDefinition, Vec<String>> {
    ServiceDefinition::parse_toml(text)
        .map_err(|problems| problems.iter().map(ToString::to_string).collect())
}

#[test]
fn a_valid_definition_reads_into_its_parts() {
    let d = parse(VALID).expect("valid");
    assert_eq!(
        (d.code.as_str(), d.agency.as_str()),
        ("dokumen-anggaran", "BPKAD")
    );
    assert_eq!(d.description, "Baris 1\nBaris 2");
    let numbering = d.numbering.as_ref().expect("numbering");
    assert_eq!(numbering.classification, "903");
    assert_eq!(
        numbering.format.as_str(),
        "{classification}/{seq:04}/{agency}/{year}"
    );
    let limits: Vec<_> = d.form.iter().map(|f| (f.required, f.max_chars)).collect();
    assert_eq!(
        limits,
        [(true, 2000), (true, 18), (false, 10)],
        "defaults by kind"
    );
    assert_eq!(d.steps[1].mode, GroupMode::KOfN(2));
    assert_eq!(d.steps[3].action, StepAction::Acknowledge);
    assert_eq!(d.steps[3].assignees.agency.as_deref(), Some("BAPPEDA"));
    let c = d.steps[2].condition.as_ref().expect("condition");
    assert_eq!((c.field.as_str(), c.op), ("jumlah", Comparison::Gt));
    assert_eq!(d.steps[4].cc[1].role, Some(Role::Verifier));
    let template = d.template().expect("template");
    let form = |amount: &str| vec![("jumlah".to_string(), amount.to_string())];
    assert_eq!(
        template.next_step(1, &form("50000000")),
        3,
        "no head below the limit"
    );
    assert_eq!(template.next_step(1, &form("50000001")), 2);
    assert_eq!(d.check(), Ok(()));
}

#[test]
fn numbering_is_optional_and_its_format_has_a_default() {
    let without = VALID.replace("[numbering]\nclassification = \"903\"\nformat = \"{classification}/{seq:04}/{agency}/{year}\"\n", "");
    assert_eq!(parse(&without).expect("valid").numbering, None);
    let default = VALID.replace(
        "format = \"{classification}/{seq:04}/{agency}/{year}\"\n",
        "",
    );
    let d = parse(&default).expect("valid");
    assert_eq!(
        d.numbering
            .map(|n| n.format.as_str().to_string())
            .as_deref(),
        Some(crate::DEFAULT_NUMBER_FORMAT)
    );
}

/// Every rule: the text replaced in [`VALID`], and the one problem it must give.
#[rstest]
#[case(
    "code = \"dokumen-anggaran\"",
    "code = \"Dokumen Anggaran\"",
    "code: \"Dokumen Anggaran\" must be 3 to 60 of a-z, 0-9 and -"
)]
#[case(
    "code = \"dokumen-anggaran\"",
    "code = \"ab\"",
    "code: \"ab\" must be 3 to 60 of a-z, 0-9 and -"
)]
#[case(
    "code = \"dokumen-anggaran\"",
    "code = \"baru\"",
    "code: \"baru\" is reserved"
)]
#[case("code = \"dokumen-anggaran\"\n", "", "code: is missing")]
#[case(
    "agency = \"BPKAD\"",
    "agency = \"bpkad\"",
    "agency: \"bpkad\" must be 2 to 20 of A-Z, 0-9 and -, e.g. DPMPTSP"
)]
#[case("agency = \"BPKAD\"\n", "", "agency: is missing")]
#[case(
    "agency_name = \"Badan Pengelolaan Keuangan dan Aset Daerah\"",
    "agency_name = \" \"",
    "agency_name: is missing"
)]
#[case(
    "name = \"Pengesahan Dokumen Anggaran\"",
    "name = \"\"",
    "name: is missing"
)]
#[case(
    "name = \"Pengesahan Dokumen Anggaran\"",
    "name = \"a\\nb\"",
    "name: has a line break, control or invisible character"
)]
#[case(
    "name_en = \"Budget Document Approval\"",
    "name_en = \"Budget\\u200B\"",
    "name_en: has a line break, control or invisible character"
)]
#[case(
    "description_en = \"Line 1\"",
    "description_en = \"bell\\u0007\"",
    "description_en: has a control or invisible character"
)]
#[case(
    "classification = \"903\"",
    "classification = \"9 03\"",
    "numbering.classification: classification code \"9 03\" must be 1 to 20 characters of digits, letters, `.` and `-`"
)]
#[case(
    "{classification}/{seq:04}/{agency}/{year}",
    "{classification}/{agency}/{year}",
    "numbering.format: the number format must contain {seq} exactly once; it has it 0 times"
)]
#[case(
    "name = \"uraian\"",
    "name = \"Uraian\"",
    "form[0].name: \"Uraian\" must be 1 to 40 of a-z, 0-9 and _"
)]
#[case(
    "name = \"uraian\"",
    "name = \"csrf\"",
    "form[0].name: \"csrf\" is reserved for the form itself"
)]
#[case(
    "name = \"tanggal\"",
    "name = \"uraian\"",
    "form[2].name: \"uraian\" is already the name of form[0]"
)]
#[case(
    "label_id = \"Uraian\"",
    "label_id = \"\"",
    "form[0].label_id: is missing"
)]
#[case("label_en = \"Description\"\n", "", "form[0].label_en: is missing")]
#[case(
    "max_chars = 18",
    "max_chars = 5001",
    "form[1].max_chars: 5001 must be 1 to 5000"
)]
#[case(
    "max_chars = 18",
    "max_chars = 0",
    "form[1].max_chars: 0 must be 1 to 5000"
)]
#[case(
    "kind = \"date\"",
    "kind = \"date\"\nmax_chars = 8",
    "form[2].max_chars: 8: a date (YYYY-MM-DD) needs 10 characters"
)]
#[case("name = \"Verifikasi\"", "name = \"\"", "steps[0].name: is missing")]
#[case(
    "action = \"sign\"",
    "action = \"paraf\"",
    "steps[4].action: the last step must be \"sign\", not \"paraf\""
)]
#[case(
    "action = \"paraf\"\nassignees = { role = \"verifier\", position = \"Verifikator Anggaran\" }",
    "action = \"sign\"\nassignees = { role = \"signer\" }",
    "steps[0].action: only the last step signs"
)]
#[case(
    "assignees = { position = \"Analis Anggaran\" }",
    "assignees = { }",
    "steps[1].assignees: needs a role or a position"
)]
#[case(
    "assignees = { position = \"Analis Anggaran\" }",
    "assignees = { position = \"\" }",
    "steps[1].assignees.position: is missing"
)]
#[case(
    "assignees = { position = \"Analis Anggaran\" }",
    "assignees = { role = \"citizen\" }",
    "steps[1].assignees.role: \"citizen\": only verifiers and signers take part in routing"
)]
#[case(
    "assignees = { role = \"signer\", position = \"Kepala Bidang Anggaran\" }",
    "assignees = { role = \"verifier\" }",
    "steps[4].assignees.role: a sign step needs the signer role"
)]
#[case(
    "agency = \"BAPPEDA\"",
    "agency = \"Bappeda\"",
    "steps[3].assignees.agency: \"Bappeda\" must be 2 to 20 of A-Z, 0-9 and -, e.g. BPKAD"
)]
#[case(
    "{ role = \"verifier\", agency = \"INSPEKTORAT\" }",
    "{ role = \"admin\" }",
    "steps[4].cc[1].role: \"admin\": only verifiers and signers take part in routing"
)]
#[case(
    "mode = { k_of_n = 2 }",
    "mode = { k_of_n = 0 }",
    "steps[1].mode: k_of_n needs k of at least 1"
)]
#[case(
    "deadline_days = 2\n",
    "deadline_days = 2\nmode = \"all\"\n",
    "steps[4].mode: the sign step has mode \"any\": one official signs (one TTE)"
)]
#[case(
    "deadline_days = 3",
    "deadline_days = 0",
    "steps[0].deadline_days: 0 must be 1 to 260 working days"
)]
#[case(
    "deadline_days = 3",
    "deadline_days = 261",
    "steps[0].deadline_days: 261 must be 1 to 260 working days"
)]
#[case(
    "field = \"jumlah\"",
    "field = \"total\"",
    "steps[2].condition.field: no form field \"total\""
)]
#[case(
    "field = \"jumlah\"",
    "field = \"uraian\"",
    "steps[2].condition.field: \"uraian\" is not a number field; gt compares numbers"
)]
#[case(
    "value = \"50000000\"",
    "value = \"50 juta\"",
    "steps[2].condition.value: \"50 juta\" is not an integer"
)]
#[case(
    "deadline_days = 2\n",
    "deadline_days = 2\ncondition = { field = \"jumlah\", op = \"eq\", value = \"1\" }\n",
    "steps[4].condition: the sign step always applies: it has no condition"
)]
fn each_rule_is_reported_at_its_path(#[case] from: &str, #[case] to: &str, #[case] expected: &str) {
    assert!(VALID.contains(from), "the case edits {from:?}");
    let text = VALID.replacen(from, to, 1);
    assert_eq!(parse(&text).map(|_| ()), Err(vec![expected.to_string()]));
}

#[test]
fn every_problem_is_reported_not_only_the_first() {
    let text = VALID
        .replace("code = \"dokumen-anggaran\"", "code = \"X\"")
        .replace("classification = \"903\"", "classification = \"\"")
        .replace("name = \"tanggal\"", "name = \"jumlah\"")
        .replace("field = \"jumlah\"", "field = \"nilai\"")
        .replace("deadline_days = 3", "deadline_days = 0");
    assert_eq!(
        parse(&text).map(|_| ()),
        Err(vec![
            "code: \"X\" must be 3 to 60 of a-z, 0-9 and -".to_string(),
            "numbering.classification: classification code \"\" must be 1 to 20 characters of digits, letters, `.` and `-`".into(),
            "form[2].name: \"jumlah\" is already the name of form[1]".into(),
            "steps[0].deadline_days: 0 must be 1 to 260 working days".into(),
            "steps[2].condition.field: no form field \"nilai\"".into(),
        ])
    );
}

#[rstest]
#[case(
    "",
    "steps: has 0 steps; a service needs 1 to 20, the last one signing"
)]
#[case(
    "[[steps]]\nname = \"Tanda tangan\"\naction = \"sign\"\nassignees = { role = \"signer\" }\n",
    "steps: at least one paraf step must have no condition"
)]
fn the_route_as_a_whole_is_checked(#[case] steps: &str, #[case] expected: &str) {
    let text = format!("code = \"abc\"\nagency = \"DPMPTSP\"\nname = \"Layanan\"\n{steps}");
    assert_eq!(parse(&text).map(|_| ()), Err(vec![expected.to_string()]));
}

#[rstest]
#[case("code = \"abc\"\ncode = \"abd\"\n", "line 2, column 1")]
#[case(
    "code = \"abc\"\nagency = \"A\"\nname = \"x\"\nurl = \"x\"\n",
    "line 4, column 1"
)]
#[case(
    "code = \"abc\"\n[[form]]\nname = \"a\"\nkind = \"angka\"\n",
    "line 4, column 8"
)]
#[case(
    "code = \"abc\"\n[[steps]]\nname = \"a\"\naction = \"paraf\"\nassignees = { jabatan = \"x\" }\n",
    "line 5, column 15"
)]
fn toml_errors_say_their_line_and_column(#[case] text: &str, #[case] path: &str) {
    let problems = ServiceDefinition::parse_toml(text).expect_err("refused");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].path, path, "{problems:?}");
}

#[test]
fn several_services_in_one_file_are_refused_with_a_hint() {
    let text = "[[service]]\ncode = \"abc\"\n\n[[service]]\ncode = \"abd\"\n";
    let problems = ServiceDefinition::parse_toml(text).expect_err("refused");
    assert!(
        problems[0].message.contains("one file holds one service"),
        "{problems:?}"
    );
}

#[test]
fn an_oversized_file_is_refused_before_parsing() {
    let text = format!("# {}\n{VALID}", "x".repeat(MAX_DEFINITION_BYTES));
    let problems = ServiceDefinition::parse_toml(&text).expect_err("refused");
    assert!(
        problems[0].message.contains("at most 65536"),
        "{problems:?}"
    );
}

#[test]
fn check_reports_the_rules_of_a_definition_built_by_hand() {
    let mut d = parse(VALID).expect("valid");
    d.code = "baru".into();
    if let Some(n) = d.numbering.as_mut() {
        n.classification = "9/3".into();
    }
    d.steps.swap(0, 4);
    let problems: Vec<String> = d
        .check()
        .expect_err("refused")
        .iter()
        .map(|p| p.path.clone())
        .collect();
    assert_eq!(
        problems,
        [
            "code",
            "numbering.classification",
            "steps[0].action",
            "steps[4].action"
        ]
    );
}

#[test]
fn export_reads_back_to_the_same_definition() {
    let d = parse(VALID).expect("valid");
    let text = d.to_toml();
    assert!(
        text.contains("assignees = { role = \"verifier\", position = \"Verifikator Anggaran\" }"),
        "{text}"
    );
    assert!(text.contains("mode = { k_of_n = 2 }"), "{text}");
    assert!(
        !text.contains("mode = \"any\""),
        "the default mode is left out"
    );
    assert_eq!(parse(&text), Ok(d));
}

proptest! {
    /// Any text survives export: quotes, backslashes, line breaks, control characters.
    #[test]
    fn any_text_survives_the_round_trip(description in "\\PC*", weird in "[\"\\\\\\n\\t\\u{7f}\\u{1}a-z ]{0,20}") {
        let mut d = parse(VALID).expect("valid");
        d.description = description;
        d.description_en = weird.clone();
        d.steps[0].name = format!("Verifikasi {}", weird.replace(char::is_control, ""));
        let back = ServiceDefinition::parse_toml(&d.to_toml());
        // Only what the checks refuse (control characters) may fail, and then never silently.
        match back {
            Ok(read) => prop_assert_eq!(read, d),
            Err(problems) => prop_assert!(problems.iter().all(|p| p.path.starts_with("description") || p.path.starts_with("steps[0].name")), "{:?}", problems),
        }
    }
}
