//! Deadlines of the step a document waits at, and the escalation of overdue work to the
//! officers' supervisors.
//!
//! A step's deadline is counted in working days ([`sahih_workflow::WorkingCalendar`]) from the
//! moment the document reached it; a document is overdue once a working day has begun after
//! its due day. [`App::escalate_overdue`], called every few minutes by the
//! [`EscalationWorker`] of `sahih serve`, tells the supervisors (`users.supervisor_id`) of the
//! step's officers once per visit of the step, after [`DeadlineSettings::escalate_after_days`].

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use sahih_store::{Document, Service};
use sahih_workflow::{DocumentId, Step, WorkingCalendar};

use super::{App, Notice, NoticeDocument, NoticeKind};
use crate::AppError;

/// Working days after the due day before overdue work escalates, unless configured.
pub const DEFAULT_ESCALATE_AFTER_DAYS: u32 = 2;

/// The largest accepted `escalate_after_days` (a year of working days, as the longest step
/// deadline, `sahih_workflow::MAX_DEADLINE_DAYS`).
pub const MAX_ESCALATE_AFTER_DAYS: u32 = sahih_workflow::MAX_DEADLINE_DAYS;

/// How often `sahih serve` looks for overdue work to escalate.
pub const ESCALATION_TICK: Duration = Duration::from_secs(5 * 60);

/// How deadlines are counted and when overdue work escalates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineSettings {
    /// Working days: Monday to Friday except the city's holidays.
    pub calendar: WorkingCalendar,
    /// Escalate a step once it is this many working days late (0 and 1 alike: as soon as it is
    /// late at all).
    pub escalate_after_days: u32,
}

impl Default for DeadlineSettings {
    /// No holidays; escalation after [`DEFAULT_ESCALATE_AFTER_DAYS`].
    fn default() -> Self {
        DeadlineSettings {
            calendar: WorkingCalendar::default(),
            escalate_after_days: DEFAULT_ESCALATE_AFTER_DAYS,
        }
    }
}

/// Where a document stands against the deadline of the step it waits at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    /// The pending step (0-based index into the service's template).
    pub step: u32,
    /// Its name.
    pub step_name: String,
    /// When the document reached the step, Unix seconds.
    pub entered_at: i64,
    /// When it is due: the last second (23:59:59 WIB) of its last working day, Unix seconds.
    pub due_at: i64,
    /// Working days late now (see `WorkingCalendar::working_days_late`); 0 when on time.
    pub days_late: u32,
}

impl Deadline {
    /// Whether the document is late at its step.
    pub fn overdue(&self) -> bool {
        self.days_late > 0
    }
}

impl App {
    /// The deadlines, at `now` (Unix seconds), of those of `docs` that wait at a step with a
    /// deadline (`Step::deadline_days`); the others are left out. Reads the step entry times of
    /// all of `docs` at once.
    ///
    /// Errors: `E_DATABASE`, `E_STORAGE_CORRUPT`.
    pub fn deadlines(
        &self,
        docs: &[Document],
        now: i64,
    ) -> Result<HashMap<DocumentId, Deadline>, AppError> {
        let timed: Vec<Document> = docs
            .iter()
            .filter(|d| !d.state.is_terminal())
            .cloned()
            .collect();
        if timed.is_empty() {
            return Ok(HashMap::new());
        }
        let services = self.store.services()?;
        let entered = self.store.pending_entered_at(&timed)?;
        let calendar = &self.config.deadlines.calendar;
        let mut out = HashMap::new();
        for doc in &timed {
            let Some((index, step)) = pending_step(&services, doc) else {
                continue;
            };
            let (Some(days), Some(&entered_at)) = (step.deadline_days, entered.get(&doc.id)) else {
                continue;
            };
            let due_at = calendar.due_at(entered_at, days);
            out.insert(
                doc.id,
                Deadline {
                    step: index,
                    step_name: step.name.clone(),
                    entered_at,
                    due_at,
                    days_late: calendar.working_days_late(due_at, now),
                },
            );
        }
        Ok(out)
    }

    /// Escalates the overdue work of every agency at `now` (Unix seconds): each open document
    /// whose pending step is at least [`DeadlineSettings::escalate_after_days`] working days
    /// late, and whose current visit of that step was not escalated yet, is recorded as
    /// escalated and its step officers' supervisors get an `Overdue` notice. A step whose
    /// officers have no supervisor is skipped (and looked at again next time). Returns how many
    /// documents were escalated.
    ///
    /// Safe to call from several nodes at once: each visit escalates once (the store's key).
    ///
    /// Errors: `E_DATABASE`, `E_STORAGE_CORRUPT`; the notices themselves never fail it.
    pub fn escalate_overdue(&self, now: i64) -> Result<usize, AppError> {
        let threshold = self.config.deadlines.escalate_after_days.max(1);
        let services = self.store.services()?;
        let mut notices = Vec::new();
        let mut escalated = 0;
        for agency in self.store.agencies_with_open_documents()? {
            let docs = self.store.agency_open_documents(agency)?;
            let deadlines = self.deadlines(&docs, now)?;
            for doc in &docs {
                let Some(d) = deadlines.get(&doc.id).filter(|d| d.days_late >= threshold) else {
                    continue;
                };
                let Some((_, step)) = pending_step(&services, doc) else {
                    continue;
                };
                let supervisors = self
                    .store
                    .step_supervisors(doc.agency_id, &step.assignees)?;
                if supervisors.is_empty()
                    || !self.store.record_escalation(
                        doc.id,
                        d.step,
                        d.entered_at,
                        &supervisors,
                        now,
                    )?
                {
                    continue;
                }
                escalated += 1;
                let document = NoticeDocument {
                    id: doc.id,
                    public_id: doc.public_id.clone(),
                    service: service_name(&services, doc),
                };
                notices.extend(supervisors.into_iter().map(|user| Notice {
                    user,
                    kind: NoticeKind::Overdue {
                        step: d.step_name.clone(),
                        days_late: d.days_late,
                    },
                    document: Some(document.clone()),
                }));
            }
        }
        if escalated > 0 {
            tracing::info!(documents = escalated, "overdue work escalated");
        }
        self.notify(notices)?;
        Ok(escalated)
    }
}

/// The step `doc` waits at in its service's template, with its index.
fn pending_step<'a>(services: &'a [Service], doc: &Document) -> Option<(u32, &'a Step)> {
    let template = &services.iter().find(|s| s.id == doc.service_id)?.template;
    let index = doc.state.pending_step(template, &doc.form)?;
    Some((index, template.step(index)?))
}

fn service_name(services: &[Service], doc: &Document) -> String {
    services
        .iter()
        .find(|s| s.id == doc.service_id)
        .map(|s| s.name.clone())
        .unwrap_or_default()
}

/// "Stop now": lets the worker's sleep end at once when it is dropped.
#[derive(Debug, Default)]
pub(super) struct StopSignal {
    stopped: Mutex<bool>,
    woken: Condvar,
}

impl StopSignal {
    pub(super) fn stop(&self) {
        *self.stopped.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.woken.notify_all();
    }

    /// Sleeps for `timeout` unless stopped meanwhile; returns whether stopped.
    pub(super) fn sleep(&self, timeout: Duration) -> bool {
        let stopped = self.stopped.lock().unwrap_or_else(PoisonError::into_inner);
        let (stopped, _) = self
            .woken
            .wait_timeout_while(stopped, timeout, |s| !*s)
            .unwrap_or_else(PoisonError::into_inner);
        *stopped
    }
}

/// The running escalation job: a thread that calls [`App::escalate_overdue`] at start and every
/// `tick`. Stopped and joined when dropped (at once, unless it is in the middle of a round).
pub struct EscalationWorker {
    signal: Arc<StopSignal>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for EscalationWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EscalationWorker").finish_non_exhaustive()
    }
}

impl EscalationWorker {
    /// Starts the job for `app`, every `tick` ([`ESCALATION_TICK`] in `sahih serve`).
    ///
    /// Errors: the operating system could not start a thread.
    pub fn spawn(app: App, tick: Duration) -> std::io::Result<EscalationWorker> {
        let signal = Arc::new(StopSignal::default());
        let thread = {
            let signal = signal.clone();
            std::thread::Builder::new()
                .name("sahih-escalation".into())
                .spawn(move || {
                    loop {
                        if let Err(e) = app.escalate_overdue(sahih_store::now()) {
                            tracing::error!(code = e.code(), error = %e, "escalation failed");
                        }
                        if signal.sleep(tick) {
                            break;
                        }
                    }
                })?
        };
        Ok(EscalationWorker {
            signal,
            thread: Some(thread),
        })
    }
}

impl Drop for EscalationWorker {
    fn drop(&mut self) {
        self.signal.stop();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests;
