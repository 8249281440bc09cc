//! Webhook delivery: the worker that turns the status changes of the applications' documents
//! into signed `POST`s to their webhook URLs ([`crate::webhook`] has the wire format), and the
//! agency admin's delivery log and replay.
//!
//! A round ([`App::deliver_webhooks`]) queues the deliveries of new events
//! (`Store::enqueue_webhook_deliveries`, bodies made by [`crate::webhook::body`]), then claims
//! what is due and sends it, one document's deliveries in the order of its events. A 2xx answer
//! delivers; any other answer (redirects are not followed), a timeout or a connection error
//! counts a failed attempt, retried after 30 s × 2^(failures − 1) by the store, given up after
//! `WEBHOOK_MAX_ATTEMPTS`. The [`WebhookWorker`] runs a round after every committed transition
//! (within milliseconds) and every [`WEBHOOK_TICK`] anyway (retries, other nodes' events, a
//! disposisi). Logs name deliveries by id, never by URL, body or secret.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use sahih_store::{Agency, DeliveryRetry, DueWebhook, User, WebhookDelivery};

use super::App;
use crate::AppError;
use crate::webhook::{SigningSecret, message_id, sign};

/// How long the worker sleeps when nothing wakes it.
pub const WEBHOOK_TICK: Duration = Duration::from_secs(5);

/// The longest a connection may take to open.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The longest one attempt may take, from connecting to the end of the answer.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// Deliveries claimed at once (their lease outlasts this many attempts at [`ATTEMPT_TIMEOUT`]).
const CLAIM_BATCH: i64 = 10;

/// Events turned into deliveries per application per transaction.
const ENQUEUE_BATCH: i64 = 200;

/// Rows of the delivery log shown per page.
pub const WEBHOOK_LOG_ROWS: i64 = 50;

/// The HTTP client of the deliveries: connect within [`CONNECT_TIMEOUT`], done within
/// [`ATTEMPT_TIMEOUT`], no redirects, HTTPS through rustls with the Mozilla roots; proxies
/// from the environment (`HTTPS_PROXY`, `NO_PROXY`), e.g. an egress proxy that keeps
/// deliveries off the internal network.
#[derive(Debug, Clone)]
pub struct WebhookClient {
    agent: ureq::Agent,
}

impl Default for WebhookClient {
    fn default() -> Self {
        WebhookClient::new()
    }
}

/// How one attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Attempt {
    /// The receiver answered 2xx.
    Delivered(u16),
    /// Any other answer (its status), or none.
    Failed(Option<u16>, String),
}

impl WebhookClient {
    /// The client with the timeouts above.
    pub fn new() -> WebhookClient {
        let agent = ureq::Agent::config_builder()
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(ATTEMPT_TIMEOUT))
            .max_redirects(0)
            .http_status_as_error(false)
            .user_agent(concat!("Sahih-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        WebhookClient { agent }
    }

    /// Posts `delivery`, signed for the attempt at `now` (Unix seconds).
    fn attempt(&self, delivery: &DueWebhook, now: i64) -> Attempt {
        let url = delivery.url.trim();
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Attempt::Failed(None, "the webhook URL is not http:// or https://".into());
        }
        let Ok(secret) = SigningSecret::parse(&delivery.secret) else {
            return Attempt::Failed(None, "the application's signing secret is unusable".into());
        };
        let id = message_id(&delivery.secret, delivery.id);
        let signature = sign(&secret, &id, now, delivery.body.as_bytes());
        let sent = self
            .agent
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", now.to_string())
            .header("webhook-signature", signature)
            .send(delivery.body.as_bytes());
        match sent {
            Ok(res) if res.status().is_success() => Attempt::Delivered(res.status().as_u16()),
            // Only the status is kept, never what the receiver said: a URL pointing inside the
            // city's network must not turn the delivery log into a way of reading it.
            Ok(res) => {
                let status = res.status();
                let mut error = format!("HTTP {}", status.as_u16());
                if let Some(reason) = status.canonical_reason() {
                    error = format!("{error} {reason}");
                }
                Attempt::Failed(Some(status.as_u16()), error)
            }
            Err(e) => Attempt::Failed(None, e.to_string()),
        }
    }
}

/// What a round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryRound {
    /// Deliveries queued from new events.
    pub queued: usize,
    /// Deliveries the receivers answered 2xx.
    pub delivered: usize,
    /// Failed attempts.
    pub failed: usize,
}

impl App {
    /// One round at `now` (Unix seconds): queues the deliveries of new events, then sends every
    /// delivery due until none is (each document's next one becomes due when the one before it
    /// is delivered), recording each attempt. `sahih serve`'s [`WebhookWorker`] calls it; tests
    /// call it with an explicit `now` to step through the retries.
    ///
    /// Errors: `E_DATABASE` (what was sent before the error is recorded).
    pub fn deliver_webhooks(
        &self,
        client: &WebhookClient,
        now: i64,
    ) -> Result<DeliveryRound, AppError> {
        self.delivery_round(client, &|| now, &AtomicBool::new(false))
    }

    /// A round, reading the time from `clock` (Unix seconds) at each step: every attempt is
    /// signed, and its retry scheduled, at the moment it is made.
    fn delivery_round(
        &self,
        client: &WebhookClient,
        clock: &(dyn Fn() -> i64 + Sync),
        stop: &AtomicBool,
    ) -> Result<DeliveryRound, AppError> {
        let mut round = DeliveryRound::default();
        loop {
            let queued =
                self.store
                    .enqueue_webhook_deliveries(clock(), ENQUEUE_BATCH, |event| {
                        crate::webhook::body(event)
                    })?;
            round.queued += queued;
            if queued == 0 {
                break;
            }
        }
        loop {
            let due = self.store.claim_due_webhooks(clock(), CLAIM_BATCH)?;
            if due.is_empty() {
                return Ok(round);
            }
            // Each application's deliveries go out on their own thread, so a receiver that
            // stalls delays only its own application; within one, they go in order, and
            // after a failure the rest wait (claimed, until their lease ends).
            let mut groups: Vec<Vec<&DueWebhook>> = Vec::new();
            for d in &due {
                match groups
                    .iter_mut()
                    .find(|g| g[0].application == d.application)
                {
                    Some(g) => g.push(d),
                    None => groups.push(vec![d]),
                }
            }
            let results: Vec<Result<DeliveryRound, AppError>> = std::thread::scope(|s| {
                let handles: Vec<_> = groups
                    .iter()
                    .map(|group| s.spawn(|| self.deliver_group(client, clock, stop, group)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join().unwrap_or_else(|_| {
                            Err(AppError::Internal("a webhook thread panicked".into()))
                        })
                    })
                    .collect()
            });
            for r in results {
                let r = r?;
                round.delivered += r.delivered;
                round.failed += r.failed;
            }
            if stop.load(Ordering::Acquire) {
                // What is left stays claimed until its lease ends, then goes out.
                return Ok(round);
            }
        }
    }

    /// Sends one application's claimed deliveries in order, stopping at the first failure.
    fn deliver_group(
        &self,
        client: &WebhookClient,
        clock: &(dyn Fn() -> i64 + Sync),
        stop: &AtomicBool,
        group: &[&DueWebhook],
    ) -> Result<DeliveryRound, AppError> {
        let mut round = DeliveryRound::default();
        for delivery in group {
            if stop.load(Ordering::Acquire) {
                break;
            }
            match client.attempt(delivery, clock()) {
                Attempt::Delivered(status) => {
                    self.store
                        .mark_webhook_delivered(delivery.id, status, clock())?;
                    tracing::info!(delivery.id = delivery.id, status, "webhook delivered");
                    round.delivered += 1;
                }
                Attempt::Failed(status, error) => {
                    let retry =
                        self.store
                            .mark_webhook_failed(delivery.id, status, &error, clock())?;
                    match retry {
                        DeliveryRetry::At(at) => tracing::info!(
                            delivery.id = delivery.id,
                            status,
                            retry_at = at,
                            "webhook not delivered"
                        ),
                        DeliveryRetry::GaveUp => tracing::warn!(
                            delivery.id = delivery.id,
                            status,
                            "webhook given up after its last attempt"
                        ),
                    }
                    round.failed += 1;
                    break;
                }
            }
        }
        Ok(round)
    }

    /// The admin's agency and one page of its applications' delivery log, newest first
    /// ([`WEBHOOK_LOG_ROWS`] rows, those older than delivery `before` when given).
    ///
    /// Errors: `E_WRONG_ROLE` (not an admin), `E_NOT_YOUR_AGENCY` (an admin of no agency).
    pub fn webhook_log(
        &self,
        admin: &User,
        before: Option<i64>,
    ) -> Result<(Agency, Vec<WebhookDelivery>), AppError> {
        let agency = self.admin_agency(admin)?;
        let rows = self
            .store
            .webhook_deliveries(agency.id, before, WEBHOOK_LOG_ROWS)?;
        Ok((agency, rows))
    }

    /// Replays delivery `id` of one of the admin's agency's applications: it is sent again at
    /// once (same `webhook-id` and body), with its attempts starting again, delivered before
    /// or not.
    ///
    /// Errors: `E_WRONG_ROLE`, `E_NOT_YOUR_AGENCY`; `E_NOT_FOUND` for no such delivery or
    /// another agency's (whose existence is not revealed).
    pub fn replay_webhook(&self, admin: &User, id: i64) -> Result<(), AppError> {
        let agency = self.admin_agency(admin)?;
        self.store
            .replay_webhook_delivery(id, agency.id, sahih_store::now())?;
        tracing::info!(delivery.id = id, admin = admin.id.0, "webhook replayed");
        self.wake_webhooks();
        Ok(())
    }

    /// Wakes the webhook worker: a transition was committed, or a delivery replayed.
    pub(crate) fn wake_webhooks(&self) {
        self.webhooks.notify();
    }
}

/// The running webhook worker: a thread that runs [`App::deliver_webhooks`] when woken and
/// every [`WEBHOOK_TICK`]. Stopped and joined when dropped (after the attempt it is making).
pub struct WebhookWorker {
    stop: Arc<AtomicBool>,
    signal: Arc<sahih_store::Wakeup>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for WebhookWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookWorker").finish_non_exhaustive()
    }
}

impl WebhookWorker {
    /// Starts the worker for `app`'s applications.
    ///
    /// Errors: the operating system could not start a thread.
    pub fn spawn(app: &App) -> std::io::Result<WebhookWorker> {
        let stop = Arc::new(AtomicBool::new(false));
        let signal = app.webhooks.clone();
        let thread = {
            let (stop, app) = (stop.clone(), app.clone());
            std::thread::Builder::new()
                .name("sahih-webhooks".into())
                .spawn(move || run(&app, &stop))?
        };
        Ok(WebhookWorker {
            stop,
            signal,
            thread: Some(thread),
        })
    }
}

fn run(app: &App, stop: &AtomicBool) {
    let client = WebhookClient::new();
    while !stop.load(Ordering::Acquire) {
        if let Err(e) = app.delivery_round(&client, &sahih_store::now, stop) {
            tracing::error!(code = e.code(), error = %e, "webhook round failed");
        }
        app.webhooks.wait(WEBHOOK_TICK);
    }
}

impl Drop for WebhookWorker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        self.signal.notify();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
