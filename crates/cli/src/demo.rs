//! `sahih demo`: a citizen applies with IN.pdf, the verifier gives paraf, the signing official
//! signs; all through the same application services the web app uses.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use sahih_web::app::Upload;
use sahih_web::seed::{DEMO_KEY_PASSPHRASE, DEMO_LOGINS, DEMO_SERVICE};
use sahih_workflow::{Command, Role};

use crate::config::{Config, ServeArgs, build_app};

#[derive(Args)]
pub struct DemoArgs {
    /// The citizen's PDF.
    #[arg(long)]
    input: PathBuf,
    /// Where to write signed.pdf and ca.pem.
    #[arg(long)]
    out: PathBuf,
    /// Run inside this instance's data directory (otherwise a fresh one under --out): its keys,
    /// and its SQLite database unless --database names another.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Run inside the instance with this database (sqlite://PATH or postgres://…; with
    /// PostgreSQL give --data too, for the instance's keys).
    #[arg(long, env = "SAHIH_DATABASE_URL")]
    database: Option<String>,
    /// Directory of the development certificates.
    #[arg(long, env = "SAHIH_CERTS")]
    certs: Option<PathBuf>,
    /// PAdES level of the official's signature: b-b, b-t, b-lt or b-lta (default b-t with
    /// --tsa, else b-b).
    #[arg(long, value_parser = parse_level)]
    level: Option<sahih_signing::Level>,
    /// The TSA for b-t and up: an RFC 3161 http(s) URL, or `builtin`.
    #[arg(long)]
    tsa: Option<String>,
}

fn parse_level(s: &str) -> Result<sahih_signing::Level, String> {
    s.parse()
}

fn login(app: &sahih_web::App, role: Role) -> anyhow::Result<sahih_store::User> {
    let l = DEMO_LOGINS
        .iter()
        .find(|l| l.role == role)
        .context("no demo login for this role")?;
    app.authenticate(l.login, l.password)
        .map_err(|e| anyhow::anyhow!("logging in as {}: {e}", l.login))
}

pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let data = match (&args.data, &args.database) {
        (Some(d), _) => Some(d.clone()),
        (None, None) => Some(args.out.join("data")),
        (None, Some(_)) => None,
    };
    let cfg = Config::resolve(ServeArgs::default())?;
    let cfg = Config {
        database: args
            .database
            .clone()
            .or_else(|| {
                data.as_ref()
                    .map(|d| format!("sqlite://{}", d.join("sahih.db").display()))
            })
            .unwrap_or(cfg.database.clone()),
        data: data.unwrap_or(cfg.data.clone()),
        certs: args.certs.clone().unwrap_or(cfg.certs.clone()),
        demo: true,
        signing_level: args.level.or(cfg.signing_level),
        tsa: args.tsa.clone().or(cfg.tsa.clone()),
        ..cfg
    };
    if cfg.signing_level.is_some_and(|l| l.needs_tsa()) && cfg.tsa.is_none() {
        anyhow::bail!(
            "--level {} needs --tsa URL|builtin",
            cfg.signing_level.map(|l| l.as_str()).unwrap_or_default()
        );
    }
    let app = build_app(&cfg)?;
    let pdf =
        std::fs::read(&args.input).with_context(|| format!("reading {}", args.input.display()))?;
    let filename = args
        .input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "berkas.pdf".into());
    let fail = |step: &str, e: sahih_web::AppError| anyhow::anyhow!("{step}: {e} ({})", e.code());

    let citizen = login(&app, Role::Citizen)?;
    let values = [
        ("nama_usaha", "Warung Makan Sederhana"),
        ("bidang_usaha", "Kuliner"),
        ("alamat_usaha", "Jl. Merdeka No. 17"),
        ("mulai_usaha", "2024-03-01"),
    ];
    let doc = app
        .submit(
            &citizen,
            DEMO_SERVICE,
            |name| {
                values
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            },
            &Upload {
                filename,
                bytes: pdf,
            },
        )
        .map_err(|e| fail("submitting", e))?;
    println!("submitted application {}", doc.public_id);

    let verifier = login(&app, Role::Verifier)?;
    app.act(&verifier, &doc.public_id, Command::Paraf, None, None)
        .map_err(|e| fail("paraf", e))?;
    println!("paraf given by {}", verifier.name);

    let signer = login(&app, Role::Signer)?;
    let signed_doc = app
        .sign(
            &signer,
            &doc.public_id,
            DEMO_KEY_PASSPHRASE.as_bytes(),
            None,
        )
        .map_err(|e| fail("signing", e))?;
    println!("signed by {}", signer.name);
    if let Some(code) = &signed_doc.verification_code {
        println!("public verification: /v/{code} (on the server `sahih serve` runs on this data)");
    }

    // Into the log's next checkpoint now, as `serve`'s sequencer would within a second.
    app.log_flush().map_err(|e| fail("sequencing the log", e))?;
    let signed = app
        .signed_pdf(&citizen, &doc.public_id)
        .map_err(|e| fail("downloading", e))?;
    let out_pdf = args.out.join("signed.pdf");
    std::fs::write(&out_pdf, signed).with_context(|| format!("writing {}", out_pdf.display()))?;
    let ca = cfg.certs.join(sahih_signing::devca::CA_CERT_FILE);
    let out_ca = args.out.join("ca.pem");
    std::fs::copy(&ca, &out_ca).with_context(|| format!("copying {}", ca.display()))?;
    println!("wrote {} and {}", out_pdf.display(), out_ca.display());
    Ok(())
}
