//! The agency admin's side of the integration API: their agency's applications, each with its
//! webhook URL and its keys; registering an application, making a key (its token shown once),
//! revoking one, and setting the webhook URL. Every call checks that the user is an admin and
//! acts only on their own agency's applications and keys: another agency's are "not found".

use sahih_store::{Agency, ApiApplication, ApiKey, StoreError, User};

use super::api::Scope;
use super::{App, IssuedKey};
use crate::AppError;

/// The longest webhook URL accepted, characters.
pub const MAX_WEBHOOK_URL_CHARS: usize = 500;

/// One application of the admin's agency with its keys, newest first (revoked ones too).
#[derive(Debug, Clone)]
pub struct ApplicationKeys {
    /// The application.
    pub application: ApiApplication,
    /// Its keys, newest first.
    pub keys: Vec<ApiKey>,
}

/// Everything the admin's API page lists.
#[derive(Debug, Clone)]
pub struct ApiOverview {
    /// The admin's agency.
    pub agency: Agency,
    /// Its applications by code, each with its keys.
    pub applications: Vec<ApplicationKeys>,
}

/// A webhook URL as stored: trimmed, absolute `http://` or `https://` (RFC 3986 §4.3), at most
/// [`MAX_WEBHOOK_URL_CHARS`] characters of visible ASCII (non-ASCII percent-encoded), with a
/// host and, if given, a port 1–65535; no user name or password in it (they would show on
/// this page and in the delivery log).
///
/// Errors: `E_BAD_WEBHOOK_URL` saying which rule the text broke.
pub fn checked_webhook_url(url: &str) -> Result<String, AppError> {
    let bad = |why: &str| AppError::bad_input("E_BAD_WEBHOOK_URL", format!("webhook URL: {why}"));
    let url = url.trim();
    if url.is_empty() {
        return Err(bad("empty"));
    }
    if url.chars().count() > MAX_WEBHOOK_URL_CHARS {
        return Err(bad("longer than 500 characters"));
    }
    if !url.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad(
            "only visible ASCII characters (no spaces; percent-encode the others)",
        ));
    }
    let lower = url.to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &url["https://".len()..]
    } else if lower.starts_with("http://") {
        &url["http://".len()..]
    } else {
        return Err(bad("an absolute URL starting with http:// or https://"));
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(bad("no user name or password in the URL"));
    }
    let (host, port) = match authority.strip_prefix('[') {
        // An IPv6 literal, RFC 3986 §3.2.2.
        Some(v6) => {
            let (inside, after) = v6
                .split_once(']')
                .ok_or_else(|| bad("unclosed [ in the host"))?;
            if inside.is_empty()
                || !inside
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() || b":.".contains(&b))
            {
                return Err(bad("not an IPv6 address between [ ]"));
            }
            match after {
                "" => (inside, None),
                p => (
                    inside,
                    Some(p.strip_prefix(':').ok_or_else(|| bad("junk after ]"))?),
                ),
            }
        }
        None => match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    let host_ok = !host.is_empty()
        && (authority.starts_with('[')
            || host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
    if !host_ok {
        return Err(bad("no valid host name"));
    }
    if let Some(port) = port
        && !port
            .parse::<u16>()
            .is_ok_and(|p| p != 0 && port.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad("the port is not a number from 1 to 65535"));
    }
    Ok(url.to_owned())
}

impl App {
    /// The admin's agency with its applications and their keys.
    ///
    /// Errors: those of [`App::admin_agency`] (`E_WRONG_ROLE`, `E_NOT_YOUR_AGENCY`).
    pub fn admin_api(&self, admin: &User) -> Result<ApiOverview, AppError> {
        let agency = self.admin_agency(admin)?;
        let mut keys = self.store.api_keys(None, Some(agency.id))?;
        let applications = self
            .store
            .api_applications(Some(agency.id))?
            .into_iter()
            .map(|application| {
                let (mine, others) = keys
                    .drain(..)
                    .partition(|k: &ApiKey| k.application == application.user);
                keys = others;
                ApplicationKeys {
                    application,
                    keys: mine,
                }
            })
            .collect();
        Ok(ApiOverview {
            agency,
            applications,
        })
    }

    /// The admin's agency's application with `code`.
    ///
    /// Errors: those of [`App::admin_agency`]; `E_NOT_FOUND` for no such application in the
    /// admin's agency (another agency's included: its existence is not revealed).
    pub fn admin_api_application(
        &self,
        admin: &User,
        code: &str,
    ) -> Result<ApiApplication, AppError> {
        let agency = self.admin_agency(admin)?;
        match self.store.api_application_by_code(code.trim())? {
            Some(app) if app.agency == agency.id => Ok(app),
            _ => Err(AppError::NotFound),
        }
    }

    /// Registers an application of the admin's agency: code (3–40 of `a-z 0-9 -`, starting
    /// with a letter) and display name (1–120 characters).
    ///
    /// Errors: those of [`App::admin_agency`]; `E_BAD_INPUT` for a bad code or name;
    /// `E_APPLICATION_CODE_TAKEN` (409) when any agency's application (or a user's login
    /// `app.<code>`) has the code.
    pub fn admin_register_application(
        &self,
        admin: &User,
        code: &str,
        name: &str,
    ) -> Result<ApiApplication, AppError> {
        let agency = self.admin_agency(admin)?;
        let taken = || AppError::Refused {
            code: "E_APPLICATION_CODE_TAKEN",
            message: format!("an application with the code {:?} exists", code.trim()),
        };
        if self
            .store
            .api_application_by_code(&code.trim().to_lowercase())?
            .is_some()
        {
            return Err(taken());
        }
        match self.ensure_api_application(agency.id, code, name) {
            Err(AppError::Store(StoreError::LoginTaken)) => Err(taken()),
            other => other,
        }
    }

    /// Makes a key with `scopes` for the admin's application `code`; its token is in the
    /// answer only (only its SHA-256 is kept).
    ///
    /// Errors: those of [`App::admin_api_application`]; `E_BAD_SCOPE` for no scope.
    pub fn admin_create_api_key(
        &self,
        admin: &User,
        code: &str,
        scopes: &[Scope],
    ) -> Result<(ApiApplication, IssuedKey), AppError> {
        let application = self.admin_api_application(admin, code)?;
        let key = self.create_api_key(application.user, scopes, Some(admin.id))?;
        Ok((application, key))
    }

    /// Revokes the key `key_id` of one of the admin's agency's applications; it stops working
    /// at once. Revoking a revoked key changes nothing.
    ///
    /// Errors: those of [`App::admin_agency`]; `E_NOT_FOUND` for no such key in the agency.
    pub fn admin_revoke_api_key(&self, admin: &User, key_id: &str) -> Result<(), AppError> {
        let agency = self.admin_agency(admin)?;
        self.store.revoke_api_key(key_id, Some(agency.id))?;
        Ok(())
    }

    /// Sets (`Some`, checked by [`checked_webhook_url`]) or clears (`None`) the webhook URL of
    /// the admin's application `code`. Deliveries start with the next status change.
    ///
    /// Errors: those of [`App::admin_api_application`]; `E_BAD_WEBHOOK_URL`.
    pub fn admin_set_webhook(
        &self,
        admin: &User,
        code: &str,
        url: Option<&str>,
    ) -> Result<ApiApplication, AppError> {
        let url = url.map(checked_webhook_url).transpose()?;
        let application = self.admin_api_application(admin, code)?;
        self.store
            .set_api_webhook(application.user, url.as_deref())?;
        self.store
            .api_application(application.user)?
            .ok_or(AppError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case("https://portal.dpmptsp.kota.go.id/sahih/webhook", true)]
    #[case("  http://127.0.0.1:8088/hook?x=1  ", true)]
    #[case("HTTPS://Portal.Example/hook", true)]
    #[case("http://[::1]:9000/hook", true)]
    #[case("http://localhost", true)]
    #[case("", false)]
    #[case("portal.example/hook", false)]
    #[case("ftp://portal.example/hook", false)]
    #[case("javascript:alert(1)", false)]
    #[case("https://", false)]
    #[case("https:///path", false)]
    #[case("https://user:pass@portal.example/", false)]
    #[case("https://portal.example:0/", false)]
    #[case("https://portal.example:99999/", false)]
    #[case("https://portal.example:+80/", false)]
    #[case("https://portal example/", false)]
    #[case("https://portal.example/\u{e9}", false)]
    #[case("https://[::1/", false)]
    #[case("https://[::1]x/", false)]
    fn webhook_urls_are_absolute_http_with_a_host(#[case] url: &str, #[case] ok: bool) {
        let checked = checked_webhook_url(url);
        assert_eq!(checked.is_ok(), ok, "{url:?}: {checked:?}");
        if let Err(e) = checked {
            assert_eq!(e.code(), "E_BAD_WEBHOOK_URL");
        }
    }

    #[test]
    fn a_webhook_url_of_500_characters_is_taken_and_501_refused() {
        let base = "https://portal.example/";
        let at = |n: usize| format!("{base}{}", "a".repeat(n - base.len()));
        assert!(checked_webhook_url(&at(MAX_WEBHOOK_URL_CHARS)).is_ok());
        assert!(checked_webhook_url(&at(MAX_WEBHOOK_URL_CHARS + 1)).is_err());
    }
}
