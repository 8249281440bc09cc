//! E-mail delivery: the settings of the SMTP relay, and the worker thread that sends what
//! [`App::notify`](crate::App::notify) queued in the mail outbox.
//!
//! Plain SMTP (RFC 5321) to the city's relay on a trusted network: no TLS and no
//! authentication yet (`smtp://host:port`); the relay does the rest. The worker wakes within
//! milliseconds after a notice queued mail, and every [`MAIL_TICK`] anyway (retries, other
//! nodes' mails); each send has a [`SEND_TIMEOUT`]. A failed mail is retried with exponential
//! backoff by the store (`Store::mark_mail_failed`). Logs name mails by their outbox id, never
//! by address or content.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{Message, SmtpTransport, Transport};
use sahih_store::{MailRetry, OutboxMail, Store};

/// How long the worker sleeps when nothing wakes it.
pub const MAIL_TICK: Duration = Duration::from_secs(30);

/// The longest one SMTP conversation may take.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(20);

/// Mails claimed per round.
const BATCH: i64 = 10;

/// Why the mail settings were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailConfigError {
    /// `smtp_url` is not `smtp://host[:port]`.
    #[error(
        "smtp_url {0:?} must be smtp://HOST[:PORT] (plain SMTP to a relay; smtps:// and \
         credentials are not supported yet)"
    )]
    SmtpUrl(String),
    /// `mail_from` is not an address (`noreply@kota.go.id`, `Sahih <noreply@kota.go.id>`).
    #[error("mail_from {0:?} is not an e-mail address such as \"Sahih <noreply@kota.go.id>\"")]
    From(String),
}

/// Where and as whom mail is sent: validated once at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSettings {
    /// The relay's host name or IP address (IPv6 without brackets).
    pub host: String,
    /// The relay's port (25 when the URL names none).
    pub port: u16,
    /// The sender, e.g. `Sahih Kota <noreply@kota.go.id>`.
    pub from: Mailbox,
}

impl MailSettings {
    /// Parses `smtp://HOST[:PORT]` (a trailing `/` allowed; `[v6]` for IPv6) and the sender
    /// address (RFC 5322 mailbox: `addr` or `Name <addr>`).
    ///
    /// Errors: [`MailConfigError::SmtpUrl`], [`MailConfigError::From`].
    pub fn parse(smtp_url: &str, mail_from: &str) -> Result<MailSettings, MailConfigError> {
        let (host, port) = parse_smtp_url(smtp_url.trim())
            .ok_or_else(|| MailConfigError::SmtpUrl(smtp_url.to_string()))?;
        let from = mail_from
            .trim()
            .parse::<Mailbox>()
            .map_err(|_| MailConfigError::From(mail_from.to_string()))?;
        Ok(MailSettings { host, port, from })
    }
}

fn parse_smtp_url(url: &str) -> Option<(String, u16)> {
    let rest = url.strip_prefix("smtp://")?.trim_end_matches('/');
    let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match rest.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        }
    };
    let plain = |c: char| c.is_ascii_alphanumeric() || ".-:_".contains(c);
    if host.is_empty() || !host.chars().all(plain) {
        return None;
    }
    let port = match port {
        None => 25,
        Some(p) => p.parse::<u16>().ok().filter(|p| *p != 0)?,
    };
    Some((host.to_string(), port))
}

/// "Mail was queued": shared by the application services (which notify it) and the worker.
pub(crate) type MailSignal = sahih_store::Wakeup;

/// The running mail worker: a thread that sends due outbox mails through the relay. Stopped
/// and joined when dropped (after the mail it is sending).
pub struct MailWorker {
    stop: Arc<AtomicBool>,
    signal: Arc<MailSignal>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for MailWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailWorker").finish_non_exhaustive()
    }
}

impl MailWorker {
    /// Starts the worker for `app`'s outbox, sending through `settings`' relay. `app` should
    /// have been made with mail on (`App::with_notify_settings`), or no mail is ever queued.
    ///
    /// Errors: the operating system could not start a thread.
    pub fn spawn(app: &crate::App, settings: MailSettings) -> std::io::Result<MailWorker> {
        let stop = Arc::new(AtomicBool::new(false));
        let signal = app.mail_signal();
        let store = app.store().clone();
        let thread = {
            let (stop, signal) = (stop.clone(), signal.clone());
            std::thread::Builder::new()
                .name("sahih-mail".into())
                .spawn(move || run(&store, &settings, &signal, &stop))?
        };
        Ok(MailWorker {
            stop,
            signal,
            thread: Some(thread),
        })
    }
}

impl Drop for MailWorker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        self.signal.notify();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(store: &Store, settings: &MailSettings, signal: &MailSignal, stop: &AtomicBool) {
    let transport = SmtpTransport::builder_dangerous(settings.host.as_str())
        .port(settings.port)
        .timeout(Some(SEND_TIMEOUT))
        .build();
    while !stop.load(Ordering::Acquire) {
        loop {
            let mails = match store.claim_due_mails(sahih_store::now(), BATCH) {
                Ok(mails) => mails,
                Err(e) => {
                    tracing::error!(code = e.code(), error = %e, "mail outbox unreadable");
                    break;
                }
            };
            if mails.is_empty() {
                break;
            }
            for mail in mails {
                deliver(store, &transport, &settings.from, &mail);
                if stop.load(Ordering::Acquire) {
                    return;
                }
            }
        }
        signal.wait(MAIL_TICK);
    }
}

/// Sends one mail and records the outcome.
fn deliver(store: &Store, transport: &SmtpTransport, from: &Mailbox, mail: &OutboxMail) {
    let outcome = message(from, mail).and_then(|m| {
        transport.send(&m).map(|_| ()).map_err(|e| {
            let kind = if e.is_permanent() {
                "permanent"
            } else if e.is_timeout() {
                "timeout"
            } else {
                "transient"
            };
            // The relay's reply may quote the address: only its kind and code are logged;
            // the whole reply is kept in the outbox row for the operator.
            let code = e.status().map(|c| c.to_string()).unwrap_or_default();
            tracing::warn!(mail.id = mail.id, kind, code = %code, "mail not accepted");
            e.to_string()
        })
    });
    let recorded = match outcome {
        Ok(()) => store.mark_mail_sent(mail.id).map(|()| {
            tracing::info!(mail.id = mail.id, "mail sent");
        }),
        Err(error) => store
            .mark_mail_failed(mail.id, &error, sahih_store::now())
            .map(|retry| match retry {
                MailRetry::At(at) => tracing::info!(mail.id = mail.id, retry_at = at, "mail retry"),
                MailRetry::GaveUp => {
                    tracing::error!(mail.id = mail.id, "mail given up after its last attempt");
                }
            }),
    };
    if let Err(e) = recorded {
        tracing::error!(mail.id = mail.id, code = e.code(), error = %e, "mail outcome not recorded");
    }
}

/// The message for an outbox row. Errors: the stored address or headers are unusable (the
/// reason, without the address).
fn message(from: &Mailbox, mail: &OutboxMail) -> Result<Message, String> {
    let to = mail
        .to
        .parse::<Mailbox>()
        .map_err(|_| "the recipient's address is not valid".to_string())?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.as_str())
        .message_id(None)
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.clone())
        .map_err(|e| format!("the message could not be built: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_name_a_relay_and_nothing_else() {
        let ok = |url: &str| {
            MailSettings::parse(url, "Sahih <noreply@kota.test>")
                .map(|s| (s.host, s.port))
                .ok()
        };
        assert_eq!(
            ok("smtp://127.0.0.1:2525"),
            Some(("127.0.0.1".into(), 2525))
        );
        assert_eq!(
            ok("smtp://relay.kota.test/"),
            Some(("relay.kota.test".into(), 25))
        );
        assert_eq!(ok("smtp://[::1]:25"), Some(("::1".into(), 25)));
        for bad in [
            "smtps://relay:465",
            "relay:25",
            "smtp://",
            "smtp://relay:0",
            "smtp://relay:99999",
            "smtp://user:pw@relay:25",
            "smtp://relay:25/path",
        ] {
            assert!(
                matches!(
                    MailSettings::parse(bad, "noreply@kota.test"),
                    Err(MailConfigError::SmtpUrl(_))
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            MailSettings::parse("smtp://relay", "not an address"),
            Err(MailConfigError::From(_))
        ));
        let s = MailSettings::parse("smtp://relay", "noreply@kota.test").expect("bare address");
        assert_eq!(s.from.email.to_string(), "noreply@kota.test");
    }
}
