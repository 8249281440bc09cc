//! Re-timestamping of archived documents (ETSI EN 319 142-1 §5.5, PAdES B-LTA): before the
//! certificate of a signed document's last timestamp expires, a DSS with the validation data
//! of everything in it and a fresh document timestamp are appended (incremental updates: every
//! earlier signature stays intact), and the result becomes the document's signed file.
//! [`App::archive_pass`] runs once; the [`ArchiveWorker`] of `sahih serve` runs it daily.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use sahih_signing::docts::{archive_timestamp, last_timestamp};
use sahih_store::ArchiveState;
use sahih_workflow::DocumentId;
use time::OffsetDateTime;

use super::App;
use super::deadlines::StopSignal;
use crate::AppError;

/// How often `sahih serve` looks for documents to re-timestamp.
pub const ARCHIVE_TICK: Duration = Duration::from_secs(24 * 60 * 60);

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArchiveReport {
    /// Signed documents looked at.
    pub examined: usize,
    /// Documents given a new document timestamp.
    pub retimestamped: Vec<DocumentId>,
    /// Documents that needed one but did not get it, with the stable code of why.
    pub failed: Vec<(DocumentId, &'static str)>,
}

impl App {
    /// Re-timestamps every signed document whose last timestamp's TSA certificate expires
    /// before `now` + `[signing] archive_renew_days`: appends a DSS and a document timestamp
    /// from the configured TSA, stores the file (content-addressed) and makes it the
    /// document's signed file. Documents without any timestamp (B-B) are left alone. Each
    /// file is read once: what it holds is recorded, so later passes skip it. The TSA is
    /// asked outside any transaction; a failure leaves the document as it was.
    ///
    /// Errors: `E_DATABASE` reading the documents; per-document failures are in the report.
    pub fn archive_pass(&self, now: OffsetDateTime) -> Result<ArchiveReport, AppError> {
        let settings = &self.config.timestamping;
        let horizon = (now + time::Duration::days(settings.renew_within_days)).unix_timestamp();
        let mut report = ArchiveReport::default();
        for state in self.store.archive_states()? {
            report.examined += 1;
            let due = match state.tsa_not_after {
                Some(None) => false,
                Some(Some(t)) => t <= horizon,
                None => match self.note_file(&state) {
                    Ok(t) => t.is_some_and(|t| t <= horizon),
                    Err(e) => {
                        report.failed.push((state.document, e.code()));
                        continue;
                    }
                },
            };
            if !due {
                continue;
            }
            match self.retimestamp(&state, horizon) {
                Ok(()) => report.retimestamped.push(state.document),
                Err(e) => {
                    tracing::warn!(document = state.document.0, code = e.code(), error = %e,
                        "re-timestamping failed");
                    report.failed.push((state.document, e.code()));
                }
            }
        }
        Ok(report)
    }

    /// Reads a signed file never read before and records its last timestamp's TSA
    /// certificate expiry (Unix seconds; `None` without a timestamp).
    fn note_file(&self, state: &ArchiveState) -> Result<Option<i64>, AppError> {
        let pdf = self.store.blobs().get(&state.sha256)?;
        let last = self
            .pdf_gate
            .run(|| last_timestamp(&pdf))
            .map_err(|_| AppError::Busy)??;
        let not_after = last.map(|l| l.tsa_not_after.unix_timestamp());
        self.store
            .archive_note(state.document, &state.sha256, not_after)?;
        Ok(not_after)
    }

    /// Appends a DSS and a document timestamp to the document's signed file and swaps it in.
    fn retimestamp(&self, state: &ArchiveState, horizon: i64) -> Result<(), AppError> {
        let settings = &self.config.timestamping;
        let tsa = settings.tsa.clone().ok_or_else(|| {
            AppError::from(sahih_signing::SigningError::Timestamp {
                detail: "no TSA is configured ([signing] tsa)".into(),
            })
        })?;
        let pdf = self.store.blobs().get(&state.sha256)?;
        let mut out = Vec::with_capacity(pdf.len() + 64 * 1024);
        let revocation = self.revocation_source(true)?;
        let last = self
            .pdf_gate
            .run(|| {
                archive_timestamp(
                    &pdf,
                    &mut out,
                    tsa.as_ref(),
                    Some(&revocation as &dyn sahih_signing::RevocationSource),
                )?;
                last_timestamp(&out)
            })
            .map_err(|_| AppError::Busy)??;
        let not_after = last.map(|l| l.tsa_not_after.unix_timestamp());
        if not_after.is_none_or(|t| t <= horizon) {
            // Storing it would only make the next pass do it again.
            return Err(sahih_signing::SigningError::Timestamp {
                detail: "the TSA's own certificate expires within the renewal window".into(),
            }
            .into());
        }
        let sha = self.store.blobs().put(&out)?;
        self.store
            .archive_replace(state.document, &state.sha256, &sha, not_after)?;
        tracing::info!(document = state.document.0, "re-timestamped (B-LTA)");
        Ok(())
    }
}

/// The running re-timestamping job: a thread that calls [`App::archive_pass`] at start and
/// every `tick`. Stopped and joined when dropped.
pub struct ArchiveWorker {
    signal: Arc<StopSignal>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for ArchiveWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArchiveWorker").finish_non_exhaustive()
    }
}

impl ArchiveWorker {
    /// Starts the job for `app`, every `tick` ([`ARCHIVE_TICK`] in `sahih serve`).
    ///
    /// Errors: the operating system could not start a thread.
    pub fn spawn(app: App, tick: Duration) -> std::io::Result<ArchiveWorker> {
        let signal = Arc::new(StopSignal::default());
        let thread = {
            let signal = signal.clone();
            std::thread::Builder::new()
                .name("sahih-archive".into())
                .spawn(move || {
                    loop {
                        match app.archive_pass(OffsetDateTime::now_utc()) {
                            Ok(r) if !r.failed.is_empty() => tracing::warn!(
                                failed = r.failed.len(),
                                done = r.retimestamped.len(),
                                "re-timestamping left documents out"
                            ),
                            Ok(_) => {}
                            Err(e) => {
                                tracing::error!(code = e.code(), error = %e, "re-timestamping failed")
                            }
                        }
                        if signal.sleep(tick) {
                            break;
                        }
                    }
                })?
        };
        Ok(ArchiveWorker {
            signal,
            thread: Some(thread),
        })
    }
}

impl Drop for ArchiveWorker {
    fn drop(&mut self) {
        self.signal.stop();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
