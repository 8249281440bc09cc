//! `sahih apikey create|list|revoke|webhook`: the integration API's keys of agency
//! applications (the licensing portal, the travel-order system, e-budgeting, local tax), made
//! and revoked by an operator on the server. A key's token is printed once, alone on standard
//! output (`TOKEN=$(sahih apikey create …)`); only its SHA-256 is stored. Exit status 0 when
//! done; 1 when refused (one line on stderr with a stable code: `E_BAD_SCOPE`, `E_NOT_FOUND`,
//! `E_NOT_YOUR_AGENCY`, `E_NAME_REQUIRED`, `E_BAD_INPUT`); 2 when it could not be done (the
//! database could not be read or written); 3 for a usage mistake.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use sahih_store::{ApiApplication, ApiKey, Store};
use sahih_web::app::{AppConfig, DeadlineSettings, Scope};
use sahih_web::{App, AppError};
use sahih_workflow::AgencyId;

#[derive(Subcommand)]
pub enum ApikeyCommand {
    /// Make a key for an agency application, registering the application first if it is new
    /// (then --name is required). Prints the token alone on standard output (shown once) and
    /// a note on standard error.
    Create {
        /// The agency's code, e.g. DPMPTSP.
        #[arg(long, value_name = "CODE")]
        agency: String,
        /// The application's code: 3 to 40 of a-z, 0-9 and dash, e.g. portal-perizinan.
        #[arg(long, value_name = "CODE")]
        application: String,
        /// The application's display name (required when it is new), e.g. "Portal Perizinan".
        #[arg(long)]
        name: Option<String>,
        /// An operation the key allows: documents:submit, documents:submit-direct,
        /// documents:read, verify (repeat, or separate with commas; default: documents:submit,
        /// documents:read, verify).
        #[arg(long = "scope", value_name = "SCOPE", value_delimiter = ',')]
        scopes: Vec<String>,
        /// Also set the application's webhook URL (its signing secret is printed on stderr).
        #[arg(long, value_name = "URL")]
        webhook: Option<String>,
        #[command(flatten)]
        instance: Instance,
    },
    /// List keys (never their secrets): key id, application, agency, scopes, when made, last
    /// used and revoked.
    List {
        /// Only the keys of this agency's applications.
        #[arg(long, value_name = "CODE")]
        agency: Option<String>,
        #[command(flatten)]
        instance: Instance,
    },
    /// Revoke a key: it stops working at once. Revoking a revoked key changes nothing.
    Revoke {
        /// The key id (the part after `sahih_` in the token), or the whole token.
        #[arg(value_name = "KEY_ID")]
        key_id: String,
        #[command(flatten)]
        instance: Instance,
    },
    /// Set (printing its signing secret on standard output) or clear an application's webhook
    /// URL. Status changes from now on are posted there.
    #[command(group(clap::ArgGroup::new("what").required(true).args(["url", "clear"])))]
    Webhook {
        /// The application's code.
        #[arg(long, value_name = "CODE")]
        application: String,
        /// The URL status changes are posted to (https://, or http:// for a local test).
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        /// Stop posting status changes.
        #[arg(long)]
        clear: bool,
        #[command(flatten)]
        instance: Instance,
    },
}

/// Which instance: its data directory, or its database.
#[derive(Args)]
pub struct Instance {
    /// The instance's data directory (its SQLite database sahih.db unless --database).
    #[arg(long, env = "SAHIH_DATA", value_name = "DIR")]
    data: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://HOST/DATABASE (default:
    /// sqlite://DIR/sahih.db, DIR being --data).
    #[arg(long, env = "SAHIH_DATABASE_URL", value_name = "URL")]
    database: Option<String>,
}

impl Instance {
    /// The application services over the instance's existing database. Key operations never
    /// sign, verify or write the transparency log, so the log key is a throwaway one that
    /// signs nothing (the instance's own key may not even be on this machine).
    pub(crate) fn open(&self) -> anyhow::Result<App> {
        let data = self.data.clone().unwrap_or_else(|| PathBuf::from("data"));
        let url = crate::database::url(&data, self.database.as_deref());
        crate::database::require_existing(&url)?;
        let store = Store::open(&url, &data.join("blobs"))?;
        let config = AppConfig {
            upload_limit: 1024 * 1024,
            city: String::new(),
            chain: Vec::new(),
            trust_anchors: Vec::new(),
            verification_cache: std::env::temp_dir().join("sahih-apikey-no-cache"),
            log_key: std::sync::Arc::new(
                sahih_tlog::SignerKey::generate("sahih.local/apikey-cli")
                    .context("making a throwaway log key")?,
            ),
            deadlines: DeadlineSettings::default(),
            timestamping: Default::default(),
        };
        Ok(App::new(store, config))
    }
}

/// How a run ended, as the exit status says it.
pub(crate) enum Outcome {
    /// 1: refused; the line says why, with its code.
    Refused(String, &'static str),
    /// 2: could not be done.
    Failed(anyhow::Error),
}

impl From<AppError> for Outcome {
    /// A server fault of the application services could not be done (2); anything else was
    /// refused (1).
    fn from(e: AppError) -> Outcome {
        use actix_web::ResponseError;
        if e.status_code().is_server_error() {
            Outcome::Failed(e.into())
        } else {
            Outcome::Refused(e.to_string(), e.code())
        }
    }
}

impl From<sahih_store::StoreError> for Outcome {
    fn from(e: sahih_store::StoreError) -> Outcome {
        AppError::from(e).into()
    }
}

impl From<anyhow::Error> for Outcome {
    fn from(e: anyhow::Error) -> Outcome {
        Outcome::Failed(e)
    }
}

pub fn run(command: ApikeyCommand) -> ExitCode {
    let result = match command {
        ApikeyCommand::Create {
            agency,
            application,
            name,
            scopes,
            webhook,
            instance,
        } => create(
            &instance,
            &agency,
            &application,
            name.as_deref(),
            &scopes,
            webhook.as_deref(),
        ),
        ApikeyCommand::List { agency, instance } => list(&instance, agency.as_deref()),
        ApikeyCommand::Revoke { key_id, instance } => revoke(&instance, &key_id),
        ApikeyCommand::Webhook {
            application,
            url,
            clear,
            instance,
        } => webhook(&instance, &application, if clear { None } else { url }),
    };
    finish(result)
}

/// The exit status of a run, its reason on stderr: 0 done, 1 refused, 2 failed.
pub(crate) fn finish(result: Result<(), Outcome>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Outcome::Refused(message, code)) => {
            eprintln!("sahih: {message} ({code})");
            ExitCode::FAILURE
        }
        Err(Outcome::Failed(e)) => {
            eprintln!("sahih: {}", crate::one_line(&e));
            ExitCode::from(2)
        }
    }
}

/// The scopes named, each checked; [`Scope::DEFAULT`] when none. Errors: `E_BAD_SCOPE`.
fn scopes_of(names: &[String]) -> Result<Vec<Scope>, AppError> {
    if names.is_empty() {
        return Ok(Scope::DEFAULT.to_vec());
    }
    names.iter().map(|n| Scope::parse(n)).collect()
}

/// A webhook URL, by the admin page's rules ([`sahih_web::app::api_admin::checked_webhook_url`]).
/// Errors: `E_BAD_WEBHOOK_URL`.
fn checked_webhook(url: &str) -> Result<String, Outcome> {
    Ok(sahih_web::app::api_admin::checked_webhook_url(url)?)
}

/// The agency with this code (as written, or in capitals). Errors: `E_NOT_FOUND`.
fn agency_id(store: &Store, code: &str) -> Result<AgencyId, Outcome> {
    let code = code.trim();
    let found = match store.agency_by_code(code)? {
        Some(a) => Some(a),
        None => store.agency_by_code(&code.to_uppercase())?,
    };
    found
        .map(|a| a.id)
        .ok_or_else(|| Outcome::Refused(format!("no agency {code:?}"), "E_NOT_FOUND"))
}

/// The application with this code. Errors: `E_NOT_FOUND`.
fn application_by_code(store: &Store, code: &str) -> Result<ApiApplication, Outcome> {
    let code = code.trim().to_lowercase();
    store
        .api_application_by_code(&code)?
        .ok_or_else(|| Outcome::Refused(format!("no application {code:?}"), "E_NOT_FOUND"))
}

/// An agency's code, for display.
fn agency_code(store: &Store, id: AgencyId) -> Result<String, Outcome> {
    Ok(store
        .agency(id)?
        .map_or_else(|| id.0.to_string(), |a| a.code))
}

fn create(
    instance: &Instance,
    agency: &str,
    application: &str,
    name: Option<&str>,
    scope_names: &[String],
    webhook_url: Option<&str>,
) -> Result<(), Outcome> {
    let scopes = scopes_of(scope_names)?;
    let webhook_url = webhook_url.map(checked_webhook).transpose()?;
    let app = instance.open()?;
    let agency_id = agency_id(app.store(), agency)?;
    let code = application.trim().to_lowercase();
    let name = match (app.store().api_application_by_code(&code)?, name) {
        (Some(existing), _) if existing.agency != agency_id => {
            return Err(Outcome::Refused(
                format!(
                    "application {code:?} belongs to agency {}, not {agency}",
                    agency_code(app.store(), existing.agency)?
                ),
                "E_NOT_YOUR_AGENCY",
            ));
        }
        (Some(existing), _) => existing.name,
        (None, Some(name)) => name.to_owned(),
        (None, None) => {
            return Err(Outcome::Refused(
                format!("application {code:?} is new: give its display name with --name"),
                "E_NAME_REQUIRED",
            ));
        }
    };
    let registered = app.ensure_api_application(agency_id, &code, &name)?;
    let issued = app.create_api_key(registered.user, &scopes, None)?;
    let agency = agency_code(app.store(), registered.agency)?;
    let mut names: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    println!("{}", issued.token.as_str());
    eprintln!(
        "key {} made for application {} ({agency}), scopes {}; its token, on standard \
         output, is shown once: store it now",
        issued.key_id,
        registered.code,
        names.join(",")
    );
    if let Some(url) = webhook_url {
        app.store().set_api_webhook(registered.user, Some(&url))?;
        eprintln!(
            "webhook {url} set; its signing secret: {}",
            registered.webhook_secret
        );
    }
    Ok(())
}

/// A time as `YYYY-MM-DDTHH:MM:SSZ`, or `-`.
fn when(at: Option<i64>) -> String {
    at.and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| "-".to_owned())
}

fn list(instance: &Instance, agency: Option<&str>) -> Result<(), Outcome> {
    let app = instance.open()?;
    let store = app.store();
    let agency = agency.map(|a| agency_id(store, a)).transpose()?;
    let keys = store.api_keys(None, agency)?;
    let applications = store.api_applications(agency)?;
    let mut rows = vec![
        [
            "KEY ID",
            "APPLICATION",
            "AGENCY",
            "SCOPES",
            "CREATED",
            "LAST USED",
            "REVOKED",
        ]
        .map(str::to_owned),
    ];
    for k in &keys {
        rows.push(row(store, k, &applications)?);
    }
    let widths: Vec<usize> = (0..7)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for r in &rows {
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        println!("{}", line.join("  ").trim_end());
    }
    if keys.is_empty() {
        eprintln!("no keys");
    }
    Ok(())
}

/// One key's row of the table.
fn row(store: &Store, k: &ApiKey, applications: &[ApiApplication]) -> Result<[String; 7], Outcome> {
    let app = applications.iter().find(|a| a.user == k.application);
    let agency = match app {
        Some(a) => agency_code(store, a.agency)?,
        None => "-".to_owned(),
    };
    Ok([
        k.key_id.clone(),
        app.map_or_else(|| "-".to_owned(), |a| a.code.clone()),
        agency,
        k.scopes.join(","),
        when(Some(k.created_at)),
        when(k.last_used_at),
        when(k.revoked_at),
    ])
}

fn revoke(instance: &Instance, key_id: &str) -> Result<(), Outcome> {
    // The whole token names its key too: sahih_<key id>_<secret>.
    let key_id = key_id.trim();
    let key_id = key_id
        .strip_prefix("sahih_")
        .and_then(|rest| rest.split('_').next())
        .unwrap_or(key_id);
    let app = instance.open()?;
    let already = app
        .store()
        .api_keys(None, None)?
        .into_iter()
        .find(|k| k.key_id == key_id)
        .and_then(|k| k.revoked_at);
    match app.store().revoke_api_key(key_id, None) {
        Ok(()) => {}
        Err(sahih_store::StoreError::NotFound) => {
            return Err(Outcome::Refused(
                format!("no key {key_id:?}"),
                "E_NOT_FOUND",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    match already {
        Some(at) => println!("key {key_id} was already revoked at {}", when(Some(at))),
        None => println!("key {key_id} revoked"),
    }
    Ok(())
}

fn webhook(instance: &Instance, application: &str, url: Option<String>) -> Result<(), Outcome> {
    let url = url.as_deref().map(checked_webhook).transpose()?;
    let app = instance.open()?;
    let registered = application_by_code(app.store(), application)?;
    app.store()
        .set_api_webhook(registered.user, url.as_deref())?;
    match url {
        Some(url) => {
            println!("{}", registered.webhook_secret);
            eprintln!(
                "webhook of {} set to {url}; the line above is its signing secret",
                registered.code
            );
        }
        None => eprintln!("webhook of {} cleared", registered.code),
    }
    Ok(())
}
