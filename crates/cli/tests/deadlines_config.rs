//! `sahih serve` refuses bad deadline settings (holidays, escalate_after_days) with one line
//! naming the key, before opening anything.

mod support;

use std::process::Output;

use support::Instance;

fn serve(config: &str, env: &[(&str, &str)]) -> (Output, Instance, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("sahih.toml");
    std::fs::write(&file, config).expect("config");
    let instance = Instance::new(dir.path().join("data"));
    let mut cmd = instance.sahih(&["serve", "--no-demo", "--bind", "127.0.0.1:0"]);
    cmd.arg("--config")
        .arg(&file)
        .env_remove("SAHIH_HOLIDAYS")
        .env_remove("SAHIH_ESCALATE_AFTER_DAYS");
    for (k, v) in env {
        cmd.env(k, v);
    }
    (cmd.output().expect("run sahih"), instance, dir)
}

#[test]
fn bad_deadline_settings_stop_serve_with_one_line() {
    for (config, env, says) in [
        (
            "holidays = [\"2026-12-25\", \"25-12-2026\"]\n",
            &[][..],
            "holidays: holiday \"25-12-2026\" is not a date written YYYY-MM-DD",
        ),
        (
            "escalate_after_days = 261\n",
            &[][..],
            "escalate_after_days must be between 0 and 260, not 261",
        ),
        (
            "",
            &[("SAHIH_HOLIDAYS", "2026-12-25,2026-02-30")][..],
            "holiday \"2026-02-30\"",
        ),
    ] {
        let (out, instance, _dir) = serve(config, env);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{config}: {stderr}");
        assert!(stderr.contains(says), "{config}: {stderr}");
        assert!(
            !instance.dir.exists() && !instance.has_tables(),
            "nothing is created before the settings are valid"
        );
    }
}
