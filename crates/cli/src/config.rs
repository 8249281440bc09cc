//! `sahih serve`, `sahih migrate`, `sahih keys dev-init`: one typed configuration, read from a
//! TOML file, then `SAHIH_*` environment variables, then flags (each overriding the previous),
//! validated once here. `serve` runs the transparency log's sequencer beside the web server.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use sahih_signing::load_certificates_pem;
use sahih_store::Store;
use sahih_web::seed::{DEMO_KEY_PASSPHRASE, DEMO_LOGINS, seed_demo};
use sahih_web::{App, AppConfig, AppState};
use serde::Deserialize;

#[derive(Args, Debug, Default)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "SAHIH_BIND")]
    bind: Option<String>,
    /// Data directory (SQLite database and blobs; with PostgreSQL the keys and caches only).
    #[arg(long, env = "SAHIH_DATA")]
    data: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://USER@HOST:PORT/DATABASE (default:
    /// sqlite://DATA/sahih.db, DATA being --data).
    #[arg(long, env = "SAHIH_DATABASE_URL")]
    database: Option<String>,
    /// TOML configuration file.
    #[arg(long, env = "SAHIH_CONFIG")]
    config: Option<PathBuf>,
    /// Directory of the development certificates (made by `keys dev-init` when missing).
    #[arg(long, env = "SAHIH_CERTS")]
    certs: Option<PathBuf>,
    /// Do not create the demo agency, service and users.
    #[arg(long)]
    no_demo: bool,
    /// Working days after a step's due day before overdue work escalates to the officers'
    /// supervisors (default 2).
    #[arg(long, env = "SAHIH_ESCALATE_AFTER_DAYS")]
    escalate_after_days: Option<u32>,
    /// The city's holidays (not working days), YYYY-MM-DD, comma-separated; replaces the
    /// file's list.
    #[arg(long, env = "SAHIH_HOLIDAYS", value_delimiter = ',')]
    holidays: Option<Vec<String>>,
    /// SMTP relay for notification e-mails, `smtp://HOST[:PORT]` (plain SMTP, no TLS); unset:
    /// notices in the app only.
    #[arg(long, env = "SAHIH_SMTP_URL")]
    smtp_url: Option<String>,
    /// Sender of notification e-mails, e.g. "Sahih <noreply@kota.go.id>" (with --smtp-url).
    #[arg(long, env = "SAHIH_MAIL_FROM")]
    mail_from: Option<String>,
    /// The integration API's sustained request rate per key, requests per minute (default
    /// 120); the file's `[api] requests_per_minute`.
    #[arg(long, env = "SAHIH_API_REQUESTS_PER_MINUTE")]
    api_requests_per_minute: Option<u32>,
    /// The integration API's burst per key: requests taken at once after a quiet spell
    /// (default 60); the file's `[api] burst`.
    #[arg(long, env = "SAHIH_API_BURST")]
    api_burst: Option<u32>,
    /// PAdES level of officers' signatures: b-b, b-t, b-lt or b-lta (default b-t when a TSA is
    /// set, else b-b); the file's `[signing] level`.
    #[arg(long, env = "SAHIH_SIGNING_LEVEL")]
    signing_level: Option<String>,
    /// The TSA: an RFC 3161 http(s) URL, or `builtin` (also served at POST /tsa); the file's
    /// `[signing] tsa`.
    #[arg(long, env = "SAHIH_TSA")]
    tsa: Option<String>,
}

/// The file's `[signing]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SigningFileConfig {
    level: Option<String>,
    tsa: Option<String>,
    /// Re-timestamp archived documents whose last timestamp's TSA certificate expires within
    /// this many days (default 180).
    archive_renew_days: Option<i64>,
    /// Refuse signing to officers without a TOTP second factor (default: true, false when
    /// serving the demo data).
    require_totp: Option<bool>,
    /// PKCS#11 module for officers' keys kept in a token.
    pkcs11_module: Option<PathBuf>,
    /// Where the official's visible signature goes: `PAGE,X,Y,W,H` or `none`.
    visible: Option<String>,
}

/// The file form of the configuration; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    bind: Option<String>,
    data: Option<PathBuf>,
    database: Option<String>,
    certs: Option<PathBuf>,
    upload_limit_mb: Option<usize>,
    city: Option<String>,
    secure_cookies: Option<bool>,
    demo: Option<bool>,
    trust_anchors: Option<Vec<PathBuf>>,
    log_origin: Option<String>,
    escalate_after_days: Option<u32>,
    holidays: Option<Vec<String>>,
    public_url: Option<String>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    api: Option<ApiFileConfig>,
    signing: Option<SigningFileConfig>,
}

/// The file's `[api]` table: the integration API's request rate per key.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ApiFileConfig {
    requests_per_minute: Option<u32>,
    burst: Option<u32>,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub data: PathBuf,
    pub database: String,
    pub certs: PathBuf,
    pub upload_limit: usize,
    pub city: String,
    pub secure_cookies: bool,
    pub demo: bool,
    /// PEM files of further trust anchors for public verification (national roots), beside
    /// the certs directory's CA.
    pub trust_anchors: Vec<PathBuf>,
    /// The transparency log's origin and key name, e.g. `sahih.kota.go.id/log`.
    pub log_origin: String,
    /// The address citizens reach the service at, `http(s)://host[:port]`, without a trailing
    /// `/`; none to use each request's own.
    pub public_url: Option<String>,
    /// Working days, holidays and when overdue work escalates.
    pub deadlines: sahih_web::app::DeadlineSettings,
    /// The SMTP relay and sender of notification e-mails; none: notices in the app only.
    pub mail: Option<sahih_web::mail::MailSettings>,
    /// The integration API's request rate per key (per node).
    pub api_rate: sahih_web::rate_limit::RateSettings,
    /// `[signing] require_totp`: officers without a TOTP second factor cannot sign. Default
    /// true; false when serving the demo data (its officers have no authenticator).
    pub require_totp: bool,
    /// `[signing] pkcs11_module`: the PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so)
    /// that opens officers' keys stored as PKCS#11 URIs.
    pub pkcs11_module: Option<PathBuf>,
    /// `[signing] level`: the PAdES level of officers' signatures; none: by the TSA.
    pub signing_level: Option<sahih_signing::Level>,
    /// `[signing] tsa`: `builtin` or an http(s) URL.
    pub tsa: Option<String>,
    /// `[signing] archive_renew_days`.
    pub archive_renew_days: i64,
    /// Where the official's visible signature goes (`[signing] visible`, default
    /// [`sahih_web::app::DEFAULT_PLACEMENT`]); none: invisible.
    pub specimen: Option<(sahih_signing::SpecimenPage, sahih_signing::Rect)>,
}

/// The API's rate from `[api] requests_per_minute` and `burst` (defaults 120 and 60), each at
/// least 1.
fn api_rate(
    per_minute: Option<u32>,
    burst: Option<u32>,
) -> anyhow::Result<sahih_web::rate_limit::RateSettings> {
    let default = sahih_web::rate_limit::RateSettings::default();
    let rate = sahih_web::rate_limit::RateSettings {
        per_minute: per_minute.unwrap_or(default.per_minute),
        burst: burst.unwrap_or(default.burst),
    };
    if rate.per_minute < 1 {
        bail!("api.requests_per_minute must be at least 1, not 0");
    }
    if rate.burst < 1 {
        bail!("api.burst must be at least 1, not 0");
    }
    Ok(rate)
}

/// The mail settings from `smtp_url` and `mail_from` (empty counts as unset): both or neither.
fn mail_settings(
    smtp_url: Option<String>,
    mail_from: Option<String>,
) -> anyhow::Result<Option<sahih_web::mail::MailSettings>> {
    let set = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
    match (set(smtp_url), set(mail_from)) {
        (None, None) => Ok(None),
        (Some(url), Some(from)) => Ok(Some(sahih_web::mail::MailSettings::parse(&url, &from)?)),
        (Some(_), None) => bail!("smtp_url is set but mail_from is not: set both, or neither"),
        (None, Some(_)) => bail!("mail_from is set but smtp_url is not: set both, or neither"),
    }
}

impl Config {
    pub fn resolve(args: ServeArgs) -> anyhow::Result<Config> {
        let file: FileConfig = match &args.config {
            Some(path) => toml::from_str(
                &std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?,
            )
            .with_context(|| format!("parsing {}", path.display()))?,
            None => FileConfig::default(),
        };
        let data = args
            .data
            .or(file.data)
            .unwrap_or_else(|| PathBuf::from("data"));
        let database = args
            .database
            .or(file.database)
            .unwrap_or_else(|| format!("sqlite://{}", data.join("sahih.db").display()));
        let bind = args
            .bind
            .or(file.bind)
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let log_origin = file
            .log_origin
            .unwrap_or_else(|| crate::logkey::DEFAULT_ORIGIN.into());
        if !sahih_tlog::is_valid_key_name(&log_origin) {
            bail!("log_origin {log_origin:?} must be non-empty, without spaces or '+'");
        }
        let public_url = file.public_url.map(|u| u.trim_end_matches('/').to_string());
        if let Some(url) = &public_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            bail!("public_url {url:?} must start with https:// or http://");
        }
        let mail = mail_settings(
            args.smtp_url.or(file.smtp_url),
            args.mail_from.or(file.mail_from),
        )?;
        let deadlines = deadline_settings(
            args.escalate_after_days.or(file.escalate_after_days),
            args.holidays.or(file.holidays),
        )?;
        let file_api = file.api.unwrap_or_default();
        let api_rate = api_rate(
            args.api_requests_per_minute
                .or(file_api.requests_per_minute),
            args.api_burst.or(file_api.burst),
        )?;
        let demo = file.demo.unwrap_or(true) && !args.no_demo;
        let signing = file.signing.unwrap_or_default();
        let signing_level = args
            .signing_level
            .or(signing.level)
            .map(|l| l.parse::<sahih_signing::Level>())
            .transpose()
            .map_err(|e| anyhow::anyhow!("signing level: {e}"))?;
        let tsa = args.tsa.or(signing.tsa).filter(|t| !t.trim().is_empty());
        if let Some(t) = &tsa
            && t != "builtin"
            && !(t.starts_with("http://") || t.starts_with("https://"))
        {
            bail!("signing tsa {t:?} must be `builtin` or an http(s) URL");
        }
        if signing_level.is_some_and(|l| l.needs_tsa()) && tsa.is_none() {
            bail!("signing level b-t and up needs a TSA: set [signing] tsa");
        }
        let archive_renew_days = signing.archive_renew_days.unwrap_or(180);
        if !(1..=3650).contains(&archive_renew_days) {
            bail!("signing.archive_renew_days must be between 1 and 3650");
        }
        let require_totp = signing.require_totp.unwrap_or(!demo);
        let pkcs11_module = signing.pkcs11_module.clone();
        let placement = signing
            .visible
            .clone()
            .unwrap_or_else(|| sahih_web::app::DEFAULT_PLACEMENT.into());
        let specimen = sahih_web::app::parse_placement(&placement)
            .map_err(|e| anyhow::anyhow!("[signing] visible {e}"))?;
        let upload_limit_mb = file.upload_limit_mb.unwrap_or(20);
        if !(1..=1024).contains(&upload_limit_mb) {
            bail!("upload_limit_mb must be between 1 and 1024, not {upload_limit_mb}");
        }
        Ok(Config {
            bind: bind
                .parse()
                .with_context(|| format!("--bind {bind:?} is not HOST:PORT"))?,
            data,
            database,
            certs: args
                .certs
                .or(file.certs)
                .unwrap_or_else(|| PathBuf::from("certs-dev")),
            upload_limit: upload_limit_mb * 1024 * 1024,
            city: file.city.unwrap_or_else(|| "Kota Sahih".into()),
            secure_cookies: file.secure_cookies.unwrap_or(false),
            demo,
            trust_anchors: file.trust_anchors.unwrap_or_default(),
            log_origin,
            public_url,
            deadlines,
            mail,
            api_rate,
            require_totp,
            pkcs11_module,
            signing_level,
            tsa,
            archive_renew_days,
            specimen,
        })
    }
}

/// The data directory, database URL and certificates directory of an instance as `serve` would
/// use them: the flags (or their `SAHIH_*` variables), else the configuration file's, else the
/// defaults (`data`, `sqlite://DATA/sahih.db`, `certs-dev`).
///
/// Errors: the configuration file cannot be read or is invalid.
pub fn instance_paths(
    config: Option<PathBuf>,
    data: Option<PathBuf>,
    database: Option<String>,
    certs: Option<PathBuf>,
) -> anyhow::Result<(PathBuf, String, PathBuf)> {
    let cfg = Config::resolve(ServeArgs {
        config,
        data,
        database,
        certs,
        ..ServeArgs::default()
    })?;
    Ok((cfg.data, cfg.database, cfg.certs))
}

/// The deadline settings from `escalate_after_days` (default 2, at most 260) and `holidays`
/// (YYYY-MM-DD each).
fn deadline_settings(
    escalate_after_days: Option<u32>,
    holidays: Option<Vec<String>>,
) -> anyhow::Result<sahih_web::app::DeadlineSettings> {
    use sahih_web::app::{DEFAULT_ESCALATE_AFTER_DAYS, MAX_ESCALATE_AFTER_DAYS};
    let escalate_after_days = escalate_after_days.unwrap_or(DEFAULT_ESCALATE_AFTER_DAYS);
    if escalate_after_days > MAX_ESCALATE_AFTER_DAYS {
        bail!(
            "escalate_after_days must be between 0 and {MAX_ESCALATE_AFTER_DAYS}, not \
             {escalate_after_days}"
        );
    }
    let holidays: Vec<String> = holidays
        .unwrap_or_default()
        .into_iter()
        .filter(|h| !h.trim().is_empty())
        .collect();
    let calendar = sahih_workflow::WorkingCalendar::from_iso_dates(&holidays)
        .map_err(|e| anyhow::anyhow!("holidays: {e}"))?;
    Ok(sahih_web::app::DeadlineSettings {
        calendar,
        escalate_after_days,
    })
}

/// Reads every certificate of the PEM files `paths`.
fn load_anchors(paths: &[PathBuf]) -> anyhow::Result<Vec<sahih_signing::Certificate>> {
    let mut anchors = Vec::new();
    for path in paths {
        let pem = std::fs::read_to_string(path)
            .with_context(|| format!("reading trust anchor {}", path.display()))?;
        let certs = load_certificates_pem(&pem)
            .with_context(|| format!("trust anchor {}", path.display()))?;
        if certs.is_empty() {
            bail!("trust anchor {} holds no certificate", path.display());
        }
        anchors.extend(certs);
    }
    Ok(anchors)
}

/// Opens the store, seeds the demo data when asked, and builds the application services with
/// the development CA as the embedded chain, and that CA plus the configured national roots as
/// the trust anchors of public verification.
pub fn build_app(cfg: &Config) -> anyhow::Result<App> {
    std::fs::create_dir_all(&cfg.data)
        .with_context(|| format!("creating {}", cfg.data.display()))?;
    let store = Store::open(&cfg.database, &cfg.data.join("blobs"))?;
    // Before any key or CA file is made: the files this node was given must be those of its
    // database (a node set up without them, or a data directory restored incompletely).
    crate::nodecheck::check(&store, &cfg.data, &cfg.certs)?;
    let national = load_anchors(&cfg.trust_anchors)?;
    let log_key = crate::logkey::load_or_create(&cfg.data, &cfg.log_origin)?;
    let mut config = AppConfig {
        upload_limit: cfg.upload_limit,
        city: cfg.city.clone(),
        chain: Vec::new(),
        trust_anchors: Vec::new(),
        verification_cache: cfg.data.join("verify-cache"),
        log_key: std::sync::Arc::new(log_key),
        deadlines: cfg.deadlines.clone(),
        timestamping: Default::default(),
    };
    if cfg.demo {
        seed_demo(&App::new(store.clone(), config.clone()), &cfg.certs)
            .map_err(|e| anyhow::anyhow!("seeding demo data: {e}"))?;
    }
    config.timestamping = timestamping(cfg)?;
    let ca = cfg.certs.join(sahih_signing::devca::CA_CERT_FILE);
    if ca.exists() {
        config.chain = load_certificates_pem(&std::fs::read_to_string(&ca)?)?;
    }
    config.trust_anchors = config.chain.iter().cloned().chain(national).collect();
    // Sequence what an earlier run left pending, and refuse a key file that is not the key
    // that signed this database's log (E_LOG_KEY_MISMATCH) before serving anything.
    store.log_sequence_all(&config.log_key, sahih_store::log::SEQUENCER_BATCH)?;
    // Sahih's own CA: the certs directory's; its certificates name the CRL under public_url.
    let public = cfg
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", cfg.bind));
    let ca = sahih_signing::ca::Ca::load_or_create(&cfg.certs)
        .with_context(|| format!("the CA in {}", cfg.certs.display()))?;
    if config.chain.is_empty() {
        config.chain = load_certificates_pem(ca.certificate_pem())?;
        config.trust_anchors = config
            .chain
            .iter()
            .cloned()
            .chain(config.trust_anchors)
            .collect();
    }
    Ok(App::new(store, config)
        .with_ca(ca, sahih_signing::ca::CaUrls::under(&public))
        .with_notify_settings(sahih_web::app::NotifySettings {
            mail: cfg.mail.is_some(),
            public_url: cfg.public_url.clone(),
        })
        .with_api_rate(cfg.api_rate)
        .with_second_factor(sahih_web::app::SecondFactorSettings {
            require_totp: cfg.require_totp,
            seal_key: Some(crate::secondfactor::load_or_create(&cfg.data)?),
        })
        .with_pkcs11_module(cfg.pkcs11_module.clone())
        .with_specimen(sahih_web::app::SpecimenSettings {
            placement: cfg.specimen,
            base_url: cfg
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{}", cfg.bind)),
        }))
}

/// The `[signing]` settings as the application services take them.
fn timestamping(cfg: &Config) -> anyhow::Result<sahih_web::timestamping::Timestamping> {
    use std::sync::Arc;
    let mut t = sahih_web::timestamping::Timestamping {
        renew_within_days: cfg.archive_renew_days,
        ..Default::default()
    };
    match cfg.tsa.as_deref() {
        Some("builtin") => {
            let tsa = Arc::new(crate::timestamp::builtin(&cfg.certs, cfg.demo)?);
            t.builtin = Some(tsa.clone());
            t.tsa = Some(tsa as Arc<dyn sahih_signing::TimeStamper + Send + Sync>);
        }
        Some(url) => t.tsa = Some(crate::timestamp::stamper(url, &cfg.certs, cfg.demo)?),
        None => {}
    }
    t.level = cfg
        .signing_level
        .unwrap_or(sahih_signing::Level::default_for(t.tsa.is_some()));
    Ok(t)
}

/// `sahih archive`: one re-timestamping pass; prints what it did.
pub fn archive(args: ServeArgs) -> anyhow::Result<()> {
    let cfg = Config::resolve(args)?;
    if cfg.tsa.is_none() {
        bail!("re-timestamping needs a TSA: set [signing] tsa or --tsa");
    }
    let app = build_app(&cfg)?;
    let report = app
        .archive_pass(time::OffsetDateTime::now_utc())
        .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
    println!(
        "examined {}, re-timestamped {}, failed {}",
        report.examined,
        report.retimestamped.len(),
        report.failed.len()
    );
    for (doc, code) in &report.failed {
        eprintln!("document {}: {code}", doc.0);
    }
    if report.failed.is_empty() {
        Ok(())
    } else {
        bail!(
            "{} documents could not be re-timestamped",
            report.failed.len()
        )
    }
}

pub fn serve(args: ServeArgs) -> anyhow::Result<()> {
    init_tracing();
    let cfg = Config::resolve(args)?;
    let app = build_app(&cfg)?;
    // The log's single sequencer: about a second after each commit at most; stopped and
    // joined when `serve` returns.
    let _sequencer =
        sahih_store::log::Sequencer::spawn(app.store().clone(), app.config().log_key.clone())
            .context("starting the log sequencer")?;
    // Overdue work escalates to the supervisors: looked for at start, then every 5 minutes.
    let _escalation =
        sahih_web::app::EscalationWorker::spawn(app.clone(), sahih_web::app::ESCALATION_TICK)
            .context("starting the escalation job")?;
    // Archived documents are re-timestamped before their last timestamp's TSA certificate
    // expires: looked for at start, then daily (when a TSA is configured).
    let _archive = match cfg.tsa {
        Some(_) => Some(
            sahih_web::app::ArchiveWorker::spawn(app.clone(), sahih_web::app::ARCHIVE_TICK)
                .context("starting the re-timestamping job")?,
        ),
        None => None,
    };
    // Notification e-mails: sent within moments of each notice, retried with backoff.
    let _mail = match cfg.mail.clone() {
        Some(settings) => Some(
            sahih_web::mail::MailWorker::spawn(&app, settings)
                .context("starting the mail worker")?,
        ),
        None => None,
    };
    // Webhooks of the agency applications: signed status changes, retried with backoff.
    let _webhooks =
        sahih_web::app::WebhookWorker::spawn(&app).context("starting the webhook worker")?;
    let verifier_key = app.log_verifier_key();
    let state = actix_web::web::Data::new(AppState {
        app,
        secure_cookies: cfg.secure_cookies,
        public_url: cfg.public_url.clone(),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let server = actix_web::HttpServer::new(move || {
            actix_web::App::new()
                .app_data(state.clone())
                .configure(sahih_web::configure)
        })
        // Bounded connections per worker (actix's default is 25,000), so that held-open
        // connections run out before file descriptors do; request heads must arrive in 5 s.
        .max_connections(1024)
        .client_request_timeout(std::time::Duration::from_secs(5))
        .bind(cfg.bind)
        .with_context(|| format!("binding {}", cfg.bind))?;
        let addr = server.addrs().first().copied().unwrap_or(cfg.bind);
        if cfg.demo {
            print_logins(&cfg);
        }
        tracing::info!(database = %cfg.database, "listening on {addr}");
        println!("Transparency log key (GET /log/key): {verifier_key}");
        // Printed once the socket is bound: scripts and tests wait for this line.
        println!("Open http://{addr}/");
        server.run().await.context("serving")
    })
}

fn print_logins(cfg: &Config) {
    println!("Sahih demo logins (development only):");
    for l in &DEMO_LOGINS {
        println!(
            "  {:<10} login {:<14} password {}",
            l.role.as_str(),
            l.login,
            l.password
        );
    }
    println!("  signing key passphrase of the officers: {DEMO_KEY_PASSPHRASE}");
    println!(
        "  development CA: {} (trust it to validate what this instance signs)",
        cfg.certs.join(sahih_signing::devca::CA_CERT_FILE).display()
    );
}

pub fn migrate(database: Option<String>) -> anyhow::Result<()> {
    let url = database.unwrap_or_else(|| "sqlite://data/sahih.db".into());
    let blobs = std::env::temp_dir().join(format!("sahih-migrate-{}", std::process::id()));
    let store = Store::connect(&url, &blobs);
    let _ = std::fs::remove_dir(&blobs);
    let ran = store?.migrate()?;
    let plural = if ran == 1 { "" } else { "s" };
    println!(
        "database {} is up to date (applied {ran} migration{plural})",
        sahih_store::dialect::redacted(&url)
    );
    Ok(())
}

pub fn dev_init(dir: &Path) -> anyhow::Result<()> {
    let officers = sahih_web::seed::demo_officers();
    let creds = sahih_signing::devca::dev_init(dir, &officers, DEMO_KEY_PASSPHRASE.as_bytes())?;
    println!(
        "development CA: {}",
        dir.join(sahih_signing::devca::CA_CERT_FILE).display()
    );
    for c in creds {
        println!(
            "  {} (key: {}, passphrase {DEMO_KEY_PASSPHRASE})",
            c.cert.display(),
            c.key.display()
        );
    }
    Ok(())
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SAHIH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(toml: &str, args: ServeArgs) -> anyhow::Result<Config> {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("sahih.toml");
        std::fs::write(&file, toml).expect("config");
        Config::resolve(ServeArgs {
            config: Some(file),
            ..args
        })
    }

    #[test]
    fn the_api_rate_comes_from_the_file_then_the_flags_and_reaches_the_app() {
        let defaults = resolve("", ServeArgs::default()).expect("config");
        assert_eq!(
            defaults.api_rate,
            sahih_web::rate_limit::RateSettings::default()
        );
        let cfg = resolve(
            "[api]\nrequests_per_minute = 30\nburst = 5\n",
            ServeArgs {
                api_burst: Some(7),
                ..ServeArgs::default()
            },
        )
        .expect("config");
        assert_eq!(
            (cfg.api_rate.per_minute, cfg.api_rate.burst),
            (30, 7),
            "the flag (or SAHIH_API_BURST) overrides the file"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let db = sahih_store::testing::TestDatabase::new(dir.path());
        let cfg = Config {
            data: dir.path().join("data"),
            database: db.url.clone(),
            certs: dir.path().join("certs"),
            demo: false,
            ..cfg
        };
        let app = build_app(&cfg).expect("app");
        assert_eq!(app.api_limiter().settings(), cfg.api_rate);
    }

    #[test]
    fn totp_is_required_unless_serving_the_demo_data_or_turned_off() {
        for (toml, required) in [
            ("", false),
            ("demo = false\n", true),
            ("demo = false\n[signing]\nrequire_totp = false\n", false),
            ("[signing]\nrequire_totp = true\n", true),
        ] {
            let cfg = resolve(toml, ServeArgs::default()).expect("config");
            assert_eq!(cfg.require_totp, required, "{toml:?}");
        }
        let no_demo = resolve(
            "",
            ServeArgs {
                no_demo: true,
                ..ServeArgs::default()
            },
        )
        .expect("config");
        assert!(no_demo.require_totp, "--no-demo is a configured instance");
    }

    #[test]
    fn an_api_rate_below_one_or_an_unknown_key_is_refused_with_its_name() {
        for (toml, args, says) in [
            (
                "[api]\nburst = 0\n",
                ServeArgs::default(),
                "api.burst must be at least 1",
            ),
            (
                "",
                ServeArgs {
                    api_requests_per_minute: Some(0),
                    ..ServeArgs::default()
                },
                "api.requests_per_minute must be at least 1",
            ),
            (
                "[api]\nrate = 10\n",
                ServeArgs::default(),
                "unknown field `rate`",
            ),
        ] {
            let err = resolve(toml, args).expect_err(toml);
            assert!(format!("{err:#}").contains(says), "{toml}: {err:#}");
        }
    }

    #[test]
    fn the_signing_level_needs_a_tsa_and_defaults_to_b_t_with_one() {
        for (toml, says) in [
            ("[signing]\nlevel = \"b-t\"\n", "needs a TSA"),
            (
                "[signing]\nlevel = \"b-x\"\ntsa = \"builtin\"\n",
                "unknown level",
            ),
            (
                "[signing]\ntsa = \"ftp://tsa\"\n",
                "must be `builtin` or an http(s) URL",
            ),
            ("[signing]\narchive_renew_days = 0\n", "archive_renew_days"),
            ("[signing]\nlevels = \"b-t\"\n", "unknown field `levels`"),
        ] {
            let err = resolve(toml, ServeArgs::default()).expect_err(toml);
            assert!(format!("{err:#}").contains(says), "{toml}: {err:#}");
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let cfg = resolve(
            "[signing]\ntsa = \"builtin\"\n",
            ServeArgs {
                certs: Some(dir.path().join("certs")),
                ..ServeArgs::default()
            },
        )
        .expect("config");
        let t = timestamping(&cfg).expect("timestamping");
        assert_eq!(t.level, sahih_signing::Level::BT);
        assert!(
            t.builtin.is_some(),
            "the built-in TSA is served at POST /tsa"
        );
        let plain = resolve("", ServeArgs::default()).expect("config");
        assert_eq!(
            timestamping(&plain).expect("t").level,
            sahih_signing::Level::BB
        );
    }

    #[test]
    fn the_readmes_configuration_sample_is_a_configuration_sahih_reads() {
        let readme = include_str!("../../../README.md");
        let start = readme
            .find("```toml\nbind = ")
            .expect("README has the sample");
        let body = &readme[start + "```toml\n".len()..];
        let sample = &body[..body.find("```").expect("the sample ends")];
        let parsed: Result<FileConfig, _> = toml::from_str(sample);
        assert!(
            parsed.is_ok(),
            "README.md's configuration sample: {:?}",
            parsed.err()
        );
    }
}
