//! The officers at work: one thread per officer, logged in on node A or B (alternately), taking
//! documents from their queue and giving paraf or signing; some clicks deliberately doubled
//! (two officers of a pair, one on each node, post on the same document at the same instant).
//! Every answer the server gave is recorded: acknowledged actions (303), conflicts (409
//! `E_CONFLICT`); anything else fails the run. When node A goes down (`Shared::a_down`), its
//! officers carry on at node B with the same session, as behind a load balancer.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Barrier, Mutex};
use std::time::{Duration, Instant};

use sahih_e2e::http::{Browser, Resp};

use super::{Duty, Officer};

/// How many documents an officer takes from one look at the queue before looking again.
const CHUNK: usize = 50;
/// A pair's leader doubles every this many-th click with its partner.
const DUEL_EVERY: usize = 8;
/// How long a request may take before the run fails.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// An action the server acknowledged (303).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    /// The document's public id.
    pub doc: String,
    /// The officer's name.
    pub officer: String,
    /// Paraf or signature.
    pub duty: Duty,
}

/// The answers of one doubled click: the officers' names and the statuses and codes they got.
#[derive(Debug, Clone)]
pub struct Duel {
    /// The document.
    pub doc: String,
    /// What the two officers were told: (name, status, error code).
    pub answers: Vec<(String, u16, Option<String>)>,
}

/// What the officers share with each other and with the test.
#[derive(Debug)]
pub struct Shared {
    /// Node A's address.
    pub base_a: String,
    /// Node B's address.
    pub base_b: String,
    /// Set (before the kill) when node A goes down: the balancer sends everyone to B.
    pub a_down: AtomicBool,
    /// Set when a worker found a failure: the others stop.
    pub failed: AtomicBool,
    /// Verifier threads still working.
    pub verifiers_left: AtomicUsize,
    /// Every acknowledged action.
    pub acks: Mutex<Vec<Ack>>,
    /// Acknowledged signatures so far.
    pub signed: AtomicUsize,
    /// 409 `E_CONFLICT` answers (someone else acted first).
    pub conflicts: AtomicUsize,
    /// POSTs whose answer was lost with node A (committed or not: the end state tells).
    pub unanswered: AtomicUsize,
    /// Doubled clicks.
    pub duels: Mutex<Vec<Duel>>,
    /// How long the server took, by request kind (queue, page, paraf, sign).
    pub latencies: Mutex<BTreeMap<&'static str, Vec<Duration>>>,
    /// When the run must be over.
    pub deadline: Instant,
}

impl Shared {
    /// Shared state for a run on nodes `base_a` and `base_b`, failing after `limit`.
    pub fn new(base_a: &str, base_b: &str, limit: Duration) -> Shared {
        Shared {
            base_a: base_a.to_string(),
            base_b: base_b.to_string(),
            a_down: AtomicBool::new(false),
            failed: AtomicBool::new(false),
            verifiers_left: AtomicUsize::new(0),
            acks: Mutex::new(Vec::new()),
            signed: AtomicUsize::new(0),
            conflicts: AtomicUsize::new(0),
            unanswered: AtomicUsize::new(0),
            duels: Mutex::new(Vec::new()),
            latencies: Mutex::new(BTreeMap::new()),
            deadline: Instant::now() + limit,
        }
    }

    /// Marks the run failed and panics with `message`.
    fn fail(&self, message: String) -> ! {
        self.failed.store(true, Ordering::Release);
        panic!("{message}");
    }

    fn timed(&self, kind: &'static str, since: Instant) {
        self.latencies
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(kind)
            .or_default()
            .push(since.elapsed());
    }

    /// One line per request kind: count, median, 90th percentile, slowest.
    pub fn latency_report(&self) -> Vec<String> {
        let latencies = self
            .latencies
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        latencies
            .iter()
            .map(|(kind, times)| {
                let mut times = times.clone();
                times.sort_unstable();
                let at = |q: usize| times[(times.len() - 1) * q / 100].as_secs_f64();
                format!(
                    "{kind}: {} requests, median {:.2} s, p90 {:.2} s, slowest {:.2} s",
                    times.len(),
                    at(50),
                    at(90),
                    at(100)
                )
            })
            .collect()
    }

    fn acks(&self) -> std::sync::MutexGuard<'_, Vec<Ack>> {
        self.acks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// One officer's browser session, on node A or B.
pub struct Desk<'s> {
    officer: Officer,
    browser: Browser,
    on_a: bool,
    shared: &'s Shared,
}

impl<'s> Desk<'s> {
    /// Logs `officer` in on node A (`on_a`) or B.
    pub fn login(officer: &Officer, on_a: bool, shared: &'s Shared) -> Desk<'s> {
        let base = if on_a { &shared.base_a } else { &shared.base_b };
        let mut browser = Browser::at(base, Some(REQUEST_TIMEOUT));
        let res = browser.login(&officer.login, &officer.password);
        assert_eq!(
            res.location.as_deref(),
            Some("/petugas"),
            "{} cannot log in",
            officer.login
        );
        Desk {
            officer: officer.clone(),
            browser,
            on_a,
            shared,
        }
    }

    /// Follows the balancer: once node A is down, to node B.
    fn follow(&mut self) {
        if self.on_a && self.shared.a_down.load(Ordering::Acquire) {
            self.browser.switch_to(&self.shared.base_b);
            self.on_a = false;
        }
    }

    /// A transport failure: on node A after it went down, the balancer moves the officer on;
    /// anywhere else the run fails.
    fn lost(&mut self, what: &str, e: &ureq::Error) {
        if self.on_a && self.shared.a_down.load(Ordering::Acquire) {
            self.follow();
        } else {
            let node = if self.on_a { "A" } else { "B" };
            self.shared
                .fail(format!("{} {what} on node {node}: {e}", self.officer.login));
        }
    }

    /// GET `path` (again on B when A went away meanwhile); the session must still be valid.
    fn get(&mut self, path: &str) -> Resp {
        let kind = if path == "/petugas" { "queue" } else { "page" };
        loop {
            self.follow();
            let since = Instant::now();
            match self.browser.try_get(path) {
                Ok(res) if res.status == 200 => {
                    self.shared.timed(kind, since);
                    return res;
                }
                Ok(res) => self.shared.fail(format!(
                    "{} GET {path}: {} {:?} {:?}",
                    self.officer.login, res.status, res.location, res.error_code
                )),
                Err(e) => self.lost(&format!("GET {path}"), &e),
            }
        }
    }

    /// POST `form` to `path`: the answer, or `None` when node A went down before answering.
    fn post(&mut self, path: &str, form: &[(String, String)]) -> Option<Resp> {
        self.follow();
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (&**k, &**v)).collect();
        let since = Instant::now();
        match self.browser.try_post(path, &form) {
            Ok(res) => {
                let kind = match self.officer.duty {
                    Duty::Verifier => "paraf",
                    Duty::Signer => "sign",
                };
                self.shared.timed(kind, since);
                Some(res)
            }
            Err(e) => {
                self.lost(&format!("POST {path}"), &e);
                self.shared.unanswered.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    /// The document ids of the queue, in its order.
    fn queue(&mut self) -> Vec<String> {
        let page = self.get("/petugas").text();
        let mut ids: Vec<String> = Vec::new();
        for part in page.split("href=\"/petugas/dokumen/").skip(1) {
            let id: String = part.chars().take_while(char::is_ascii_hexdigit).collect();
            if id.len() == 32 && !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    }

    /// The action this officer's duty posts to for `doc`.
    fn action(&self, doc: &str) -> String {
        match self.officer.duty {
            Duty::Verifier => format!("/petugas/dokumen/{doc}/paraf"),
            Duty::Signer => format!("/petugas/dokumen/{doc}/tandatangani"),
        }
    }

    /// Opens `doc`; the form to post when the page offers this officer's action.
    fn open(&mut self, doc: &str) -> Option<Vec<(String, String)>> {
        let page = self.get(&format!("/petugas/dokumen/{doc}"));
        let mut form = page.form_fields(&self.action(doc))?;
        if self.officer.duty == Duty::Signer {
            form.push(("passphrase".into(), self.officer.passphrase.clone()));
        }
        Some(form)
    }

    /// Posts the action on `doc` and records the answer; the status (0: none came).
    fn submit(&mut self, doc: &str, form: &[(String, String)]) -> (u16, Option<String>) {
        let action = self.action(doc);
        let Some(res) = self.post(&action, form) else {
            return (0, None);
        };
        match (res.status, res.error_code.as_deref()) {
            (303, _) => {
                self.shared.acks().push(Ack {
                    doc: doc.to_string(),
                    officer: self.officer.name.clone(),
                    duty: self.officer.duty,
                });
                if self.officer.duty == Duty::Signer {
                    self.shared.signed.fetch_add(1, Ordering::AcqRel);
                }
            }
            (409, Some("E_CONFLICT")) => {
                self.shared.conflicts.fetch_add(1, Ordering::Relaxed);
            }
            (status, code) => self.shared.fail(format!(
                "{} POST {action}: {status} {code:?}: {}",
                self.officer.login,
                res.text().chars().take(600).collect::<String>()
            )),
        }
        (res.status, res.error_code)
    }
}

/// An officer at work, with (for a pair's leader) a second session of the partner.
pub struct Worker<'s> {
    /// The officer's own session.
    pub me: Desk<'s>,
    /// The partner's session, on the other node, for doubled clicks.
    pub partner: Option<Desk<'s>>,
}

impl Worker<'_> {
    /// Works the queue until it is empty for good (signers: once every verifier is done).
    pub fn run(mut self) {
        let shared = self.me.shared;
        let mut clicks = 0usize;
        loop {
            if shared.failed.load(Ordering::Acquire) {
                return;
            }
            if Instant::now() > shared.deadline {
                shared.fail(format!(
                    "{}: the run is past its deadline",
                    self.me.officer.login
                ));
            }
            let verifiers_done = shared.verifiers_left.load(Ordering::Acquire) == 0;
            let ids = self.me.queue();
            if ids.is_empty() {
                if self.me.officer.duty == Duty::Verifier || verifiers_done {
                    return;
                }
                // Nothing approved yet: look again shortly (polling the queue, as an
                // officer reloading the page).
                std::thread::sleep(Duration::from_secs(1));
                continue;
            }
            // Officers start at different places of the list, as people do.
            let start = self.me.officer.slot * ids.len() / 10;
            for doc in ids.iter().cycle().skip(start).take(CHUNK.min(ids.len())) {
                if shared.failed.load(Ordering::Acquire) {
                    return;
                }
                clicks += 1;
                if self.partner.is_some() && clicks.is_multiple_of(DUEL_EVERY) {
                    self.duel(doc);
                } else if let Some(form) = self.me.open(doc) {
                    self.me.submit(doc, &form);
                }
            }
        }
    }

    /// Both officers of the pair open `doc`, then post at the same instant, each on their own
    /// node.
    fn duel(&mut self, doc: &str) {
        let Some(partner) = self.partner.as_mut() else {
            return;
        };
        let (Some(mine), Some(theirs)) = (self.me.open(doc), partner.open(doc)) else {
            return;
        };
        let barrier = Barrier::new(2);
        let me = &mut self.me;
        let answers = std::thread::scope(|s| {
            let other = s.spawn(|| {
                barrier.wait();
                let (status, code) = partner.submit(doc, &theirs);
                (partner.officer.name.clone(), status, code)
            });
            barrier.wait();
            let (status, code) = me.submit(doc, &mine);
            let first = (me.officer.name.clone(), status, code);
            let second = other.join().unwrap_or_else(|_| {
                me.shared.fail("the partner's click panicked".into());
            });
            vec![first, second]
        });
        self.me
            .shared
            .duels
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(Duel {
                doc: doc.to_string(),
                answers,
            });
    }
}

/// Logs every officer in (officer `i` of a duty on node A when `i` is even, else B) and pairs
/// them: slot 2k leads, with a second session of slot 2k+1 on the other node.
pub fn workers<'s>(officers: &[Officer], shared: &'s Shared) -> Vec<Worker<'s>> {
    let mut out = Vec::new();
    for o in officers {
        let on_a = o.slot % 2 == 0;
        let partner = if on_a {
            officers
                .iter()
                .find(|p| p.duty == o.duty && p.slot == o.slot + 1)
                .map(|p| Desk::login(p, false, shared))
        } else {
            None
        };
        out.push(Worker {
            me: Desk::login(o, on_a, shared),
            partner,
        });
    }
    shared.verifiers_left.store(
        officers.iter().filter(|o| o.duty == Duty::Verifier).count(),
        Ordering::Release,
    );
    out
}

/// Runs every worker on its own thread, with `meanwhile` on this one; returns what
/// `meanwhile` returned once all are done. A worker's failure fails the run.
pub fn run_all<T>(workers: Vec<Worker<'_>>, meanwhile: impl FnOnce() -> T) -> T {
    let shared = workers.first().map(|w| w.me.shared);
    std::thread::scope(|s| {
        let handles: Vec<_> = workers
            .into_iter()
            .map(|w| {
                let duty = w.me.officer.duty;
                let shared = w.me.shared;
                s.spawn(move || {
                    w.run();
                    if duty == Duty::Verifier {
                        shared.verifiers_left.fetch_sub(1, Ordering::AcqRel);
                    }
                })
            })
            .collect();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(meanwhile));
        if result.is_err()
            && let Some(shared) = shared
        {
            shared.failed.store(true, Ordering::Release);
        }
        let mut failures = 0;
        for h in handles {
            if h.join().is_err() {
                failures += 1;
            }
        }
        let result = result.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        assert_eq!(
            failures, 0,
            "{failures} officers' threads failed (see above)"
        );
        if let Some(shared) = shared {
            assert!(!shared.failed.load(Ordering::Acquire), "the run failed");
        }
        result
    })
}
