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
    /// is delivered), recording each attempt: each application's on its own thread, the round
    /// waiting for all. Tests call it with an explicit `now` to step through the retries;
    /// `sahih serve`'s [`WebhookWorker`] runs the same steps without waiting for slow
    /// applications.
    ///
    /// Errors: `E_DATABASE` (what was sent before the error is recorded).
    pub fn deliver_webhooks(
        &self,
        client: &WebhookClient,
        now: i64,
    ) -> Result<DeliveryRound, AppError> {
        let clock = || now;
        let (clock, stop) = (&clock, &AtomicBool::new(false));
        let mut round = DeliveryRound {
            queued: self.queue_webhooks(now)?,
            ..DeliveryRound::default()
        };
        loop {
            let apps = self.store.due_webhook_applications(now)?;
            if apps.is_empty() {
                return Ok(round);
            }
            let results: Vec<Result<DeliveryRound, AppError>> = std::thread::scope(|s| {
                let threads: Vec<_> = apps
                    .iter()
                    .map(|&a| {
                        std::thread::Builder::new()
                            .spawn_scoped(s, move || {
                                self.deliver_application(client, clock, stop, a)
                            })
                            .map_err(|e| AppError::Internal(e.to_string()))
                    })
                    .collect();
                threads
                    .into_iter()
                    .map(|t| {
                        t?.join().unwrap_or_else(|_| {
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
        }
    }

    /// Queues the deliveries of the events committed since the last round; how many.
    fn queue_webhooks(&self, now: i64) -> Result<usize, AppError> {
        let mut queued = 0;
        loop {
            let n =
                self.store
                    .enqueue_webhook_deliveries(now, ENQUEUE_BATCH, crate::webhook::body)?;
            queued += n;
            if n == 0 {
                return Ok(queued);
            }
        }
    }

    /// Sends one application's due deliveries, one claim at a time (so the URL is read again
    /// for each, and nothing else is held by a lease), in order, until none is due or one
    /// fails: after a failure the application's other deliveries wait for the next round.
    /// `clock` gives the time (Unix seconds) of each step: every attempt is signed, and its
    /// retry scheduled, at the moment it is made.
    fn deliver_application(
        &self,
        client: &WebhookClient,
        clock: &(dyn Fn() -> i64 + Sync),
        stop: &AtomicBool,
        application: sahih_workflow::UserId,
    ) -> Result<DeliveryRound, AppError> {
        let mut round = DeliveryRound::default();
        while !stop.load(Ordering::Acquire) {
            let Some(delivery) = self
                .store
                .claim_due_webhooks_of(application, clock(), 1)?
                .into_iter()
                .next()
            else {
                break;
            };
            match client.attempt(&delivery, clock()) {
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

/// The worker's loop: queue new events, and start a delivery thread for each application
/// with something due that has none running; slow or stalled receivers hold up only their own
/// application's thread. Joins every thread before returning.
fn run(app: &App, stop: &Arc<AtomicBool>) {
    let client = WebhookClient::new();
    let busy: Arc<std::sync::Mutex<std::collections::HashSet<i64>>> = Arc::default();
    let mut threads: Vec<JoinHandle<()>> = Vec::new();
    while !stop.load(Ordering::Acquire) {
        if let Err(e) = start_due(app, &client, stop, &busy, &mut threads) {
            tracing::error!(code = e.code(), error = %e, "webhook round failed");
        }
        threads.retain(|t| !t.is_finished());
        app.webhooks.wait(WEBHOOK_TICK);
    }
    for t in threads {
        let _ = t.join();
    }
}

/// Queues new events and starts the delivery threads of applications with something due.
fn start_due(
    app: &App,
    client: &WebhookClient,
    stop: &Arc<AtomicBool>,
    busy: &Arc<std::sync::Mutex<std::collections::HashSet<i64>>>,
    threads: &mut Vec<JoinHandle<()>>,
) -> Result<(), AppError> {
    let now = sahih_store::now();
    app.queue_webhooks(now)?;
    for application in app.store.due_webhook_applications(now)? {
        let fresh = busy
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(application.0);
        if !fresh {
            continue;
        }
        let (app2, client, stop, busy2) = (app.clone(), client.clone(), stop.clone(), busy.clone());
        let spawned = std::thread::Builder::new()
            .name("sahih-webhook".into())
            .spawn(move || {
                if let Err(e) =
                    app2.deliver_application(&client, &sahih_store::now, &stop, application)
                {
                    tracing::error!(code = e.code(), error = %e, "webhook deliveries failed");
                }
                busy2
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .remove(&application.0);
                // What came due meanwhile is picked up by the next round.
                app2.wake_webhooks();
            });
        match spawned {
            Ok(t) => threads.push(t),
            Err(e) => {
                busy.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .remove(&application.0);
                tracing::error!(error = %e, "no thread for webhook deliveries");
            }
        }
    }
    Ok(())
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
