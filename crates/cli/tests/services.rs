//! `sahih services validate|import|export` as an operator runs them on the shipped examples:
//! exit statuses, every problem with its file and path, and export reading back as imported.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::Instance;

fn sahih(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sahih"))
        .args(args)
        .env_remove("SAHIH_DATA")
        .env_remove("SAHIH_DATABASE_URL")
        .output()
        .expect("run sahih")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The example files, by name.
fn examples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/services");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("examples/services")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

fn args<'a>(head: &[&'a str], files: &'a [PathBuf]) -> Vec<&'a str> {
    let mut all = head.to_vec();
    all.extend(files.iter().map(|f| f.to_str().expect("utf-8 path")));
    all
}

#[test]
fn the_shipped_examples_are_valid_and_a_broken_copy_says_where() {
    let files = examples();
    assert_eq!(files.len(), 4, "{files:?}");
    let ok = sahih(&args(&["services", "validate"], &files));
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    assert_eq!(text(&ok.stdout).matches(": valid (").count(), 4);

    let tmp = tempfile::tempdir().expect("tempdir");
    let sppd = files
        .iter()
        .find(|f| f.ends_with("sppd.toml"))
        .expect("sppd");
    let broken = tmp.path().join("sppd.toml");
    let original = std::fs::read_to_string(sppd).expect("read");
    let edited = original
        .replace("name = \"bidang\"", "name = \"divisi\"")
        .replace("deadline_days = 2", "deadline_days = 0");
    std::fs::write(&broken, edited).expect("write");
    let bad = sahih(&args(
        &["services", "validate"],
        &[files[0].clone(), broken.clone()],
    ));
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad.stderr));
    let b = broken.display();
    let expected = [
        format!("{b}: steps[2].condition.field: no form field \"bidang\""),
        format!("{b}: steps[3].condition.field: no form field \"bidang\""),
        format!("{b}: steps[4].condition.field: no form field \"bidang\""),
        format!("{b}: steps[5].deadline_days: 0 must be 1 to 260 working days"),
    ];
    assert_eq!(text(&bad.stderr).lines().collect::<Vec<_>>(), expected);
    assert!(text(&bad.stdout).is_empty(), "nothing is called valid then");
}

/// `sahih SUBCOMMAND… --data DIR --database URL FILES…` on the instance.
fn on(instance: &Instance, head: &[&str], files: &[PathBuf]) -> Output {
    instance
        .sahih(head)
        .args(files)
        .output()
        .expect("run sahih")
}

#[test]
fn import_then_export_gives_back_the_same_services() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = Instance::new(tmp.path().join("data"));
    let files = examples();
    let import = on(&data, &["services", "import"], &files);
    assert!(import.status.success(), "{}", text(&import.stderr));
    let out = text(&import.stdout);
    assert!(
        out.contains("service sppd created, with its agency BAPPEDA"),
        "{out}"
    );
    let again = on(&data, &["services", "import"], &files);
    assert_eq!(text(&again.stdout).matches(" unchanged").count(), 4);

    let one = on(&data, &["services", "export", "sppd"], &[]);
    assert!(one.status.success(), "{}", text(&one.stderr));
    let original = std::fs::read_to_string(
        files
            .iter()
            .find(|f| f.ends_with("sppd.toml"))
            .expect("sppd"),
    )
    .expect("read");
    assert_eq!(
        sahih_workflow::ServiceDefinition::parse_toml(&text(&one.stdout)),
        sahih_workflow::ServiceDefinition::parse_toml(&original),
        "the exported file defines what the example defines"
    );

    let out_dir = tmp.path().join("export");
    let all = on(
        &data,
        &[
            "services",
            "export",
            "--out",
            out_dir.to_str().expect("utf-8"),
        ],
        &[],
    );
    assert!(all.status.success(), "{}", text(&all.stderr));
    let mut written: Vec<String> = std::fs::read_dir(&out_dir)
        .expect("out")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(
        written,
        [
            "dokumen-anggaran.toml",
            "sppd.toml",
            "surat-keterangan-usaha.toml",
            "tanda-terima-pajak.toml"
        ]
    );
    let exported: Vec<PathBuf> = written.iter().map(|w| out_dir.join(w)).collect();
    let valid = sahih(&args(&["services", "validate"], &exported));
    assert!(valid.status.success(), "{}", text(&valid.stderr));
}

#[test]
fn mistakes_get_their_exit_status_and_one_line() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = Instance::new(tmp.path().join("data"));

    let missing = on(&data, &["services", "export", "sppd"], &[]);
    assert_eq!(missing.status.code(), Some(2), "no database yet");
    assert!(text(&missing.stderr).contains("E_DATABASE_CONNECT"));
    assert!(!data.dir.exists(), "export creates no data directory");
    assert!(!data.has_tables(), "export creates no database");

    let files = examples();
    let import = on(&data, &["services", "import"], &files[..1]);
    assert!(import.status.success(), "{}", text(&import.stderr));
    let unknown = on(&data, &["services", "export", "no-such-service"], &[]);
    assert_eq!(unknown.status.code(), Some(1));
    assert_eq!(
        text(&unknown.stderr).trim(),
        "sahih: no service \"no-such-service\" (E_NOT_FOUND)"
    );

    let several = on(&data, &["services", "export", "a-b-c", "d-e-f"], &[]);
    assert_eq!(
        several.status.code(),
        Some(3),
        "several to stdout is a usage mistake"
    );
    assert_eq!(sahih(&["services", "validate"]).status.code(), Some(3));

    let unreadable = tmp.path().join("nothing.toml");
    let read = sahih(&["services", "validate", unreadable.to_str().expect("utf-8")]);
    assert_eq!(read.status.code(), Some(2));
    assert!(
        text(&read.stderr).starts_with("sahih: reading "),
        "{}",
        text(&read.stderr)
    );

    // Two files with one code would silently overwrite each other: refused, nothing imported.
    let twice = on(
        &data,
        &["services", "import"],
        &[files[1].clone(), files[1].clone()],
    );
    assert_eq!(twice.status.code(), Some(1));
    assert!(text(&twice.stderr).contains("is also the code of"));
}
