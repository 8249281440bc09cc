//! The agency dashboard's figures: documents by state, overdue work, and the median and 90th
//! percentile turnaround per service and per step over a window of days.

use sahih_store::{Agency, User};
use sahih_workflow::{Role, Summary, summarize};

use super::App;
use crate::AppError;

/// The window the dashboard shows unless asked otherwise, days.
pub const DEFAULT_WINDOW_DAYS: u32 = 90;

/// The longest window the dashboard accepts, days (ten years).
pub const MAX_WINDOW_DAYS: u32 = 3660;

/// The states the dashboard counts, in the order it shows them (translation-key stems, as
/// `crate::views::state_key`).
const STATE_ORDER: [&str; 7] = [
    "submitted",
    "in_review",
    "returned",
    "approved",
    "signed",
    "rejected",
    "withdrawn",
];

/// How many of the agency's documents are in one state (every review step together).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateTotal {
    /// The state's translation-key stem, e.g. `in_review` (`state_in_review` is its label).
    pub key: &'static str,
    /// How many documents.
    pub count: i64,
}

/// One service's turnaround over the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceFigures {
    /// The service's name.
    pub service: String,
    /// Submission to signature, of the documents signed in the window; `None` without any.
    pub to_signed: Option<Summary>,
    /// Submission to closing (signed, rejected, withdrawn), of those closed in the window.
    pub to_closed: Option<Summary>,
}

/// One step's time over the window: from reaching the step until leaving it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepFigures {
    /// The service's name.
    pub service: String,
    /// The step's name.
    pub step: String,
    /// Of the visits that ended in the window; `None` without any.
    pub time: Option<Summary>,
}

/// Everything the dashboard shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dashboard {
    /// The agency.
    pub agency: Agency,
    /// The window's length, days.
    pub window_days: u32,
    /// The window's start and end, Unix seconds.
    pub window: (i64, i64),
    /// Documents by state now: submitted, in review (every step together), returned,
    /// approved, signed, rejected, withdrawn, in this order, zeros included.
    pub counts: Vec<StateTotal>,
    /// Open documents late at their step now.
    pub overdue: usize,
    /// Per service, in service order.
    pub services: Vec<ServiceFigures>,
    /// Per step, by service then step.
    pub steps: Vec<StepFigures>,
}

impl App {
    /// The dashboard of `user`'s agency at `now` (Unix seconds), over the last `window_days`
    /// days (clamped to 1..=[`MAX_WINDOW_DAYS`]). Officers and admins see their own agency's
    /// only.
    ///
    /// Errors: `E_WRONG_ROLE` for citizens and for users of no agency; `E_NOT_FOUND` when the
    /// agency is gone; `E_DATABASE`, `E_STORAGE_CORRUPT`.
    pub fn dashboard(
        &self,
        user: &User,
        window_days: u32,
        now: i64,
    ) -> Result<Dashboard, AppError> {
        let agency_id = match (user.role, user.agency_id) {
            (Role::Citizen, _) | (_, None) => return Err(AppError::Forbidden("E_WRONG_ROLE")),
            (_, Some(agency)) => agency,
        };
        let agency = self.store.agency(agency_id)?.ok_or(AppError::NotFound)?;
        let window_days = window_days.clamp(1, MAX_WINDOW_DAYS);
        let start = now.saturating_sub(i64::from(window_days) * 86_400);
        let stats = self
            .store
            .agency_stats(agency_id, start..now.saturating_add(1))?;
        let open = self.store.agency_open_documents(agency_id)?;
        let overdue = self
            .deadlines(&open, now)?
            .values()
            .filter(|d| d.overdue())
            .count();
        let counts = STATE_ORDER
            .iter()
            .map(|key| StateTotal {
                key,
                count: stats
                    .counts
                    .iter()
                    .filter(|c| crate::views::state_key(c.state) == *key)
                    .map(|c| c.count)
                    .sum(),
            })
            .collect();
        Ok(Dashboard {
            agency,
            window_days,
            window: (start, now),
            counts,
            overdue,
            services: stats
                .services
                .iter()
                .map(|s| ServiceFigures {
                    service: s.service_name.clone(),
                    to_signed: summarize(&s.to_signed),
                    to_closed: summarize(&s.to_closed),
                })
                .collect(),
            steps: stats
                .steps
                .iter()
                .map(|s| StepFigures {
                    service: s.service_name.clone(),
                    step: s.step_name.clone(),
                    time: summarize(&s.durations),
                })
                .collect(),
        })
    }
}
