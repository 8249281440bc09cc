//! An agency's dashboard figures: documents by state, and the raw turnaround durations per
//! service and per step over a time window (summarized by `sahih_workflow::summarize`).

use std::collections::HashMap;
use std::ops::Range;

use diesel::prelude::*;
use sahih_workflow::{AgencyId, DocumentState, step_visits};

use crate::deadlines::{templates, to_states};
use crate::schema::{documents, events, services};
use crate::{DbConnection, ServiceId, Store, StoreError};

/// How many of an agency's documents are in one state now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateCount {
    /// The state (each review step counts apart: `InReview { step }`).
    pub state: DocumentState,
    /// How many documents.
    pub count: i64,
}

/// The turnaround of one service's documents closed in the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceTurnaround {
    /// The service.
    pub service_id: ServiceId,
    /// Its name.
    pub service_name: String,
    /// Seconds from submission to signature, one per document signed in the window.
    pub to_signed: Vec<i64>,
    /// Seconds from submission to closing (signed, rejected or withdrawn), one per document
    /// closed in the window.
    pub to_closed: Vec<i64>,
}

/// How long one step of a service's route held documents: visits that ended in the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepTurnaround {
    /// The service.
    pub service_id: ServiceId,
    /// Its name.
    pub service_name: String,
    /// The 0-based template step.
    pub step: u32,
    /// The step's name.
    pub step_name: String,
    /// Seconds from entering the step until leaving it (see `sahih_workflow::step_visits`),
    /// one per visit that ended in the window.
    pub durations: Vec<i64>,
}

/// An agency's dashboard figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyStats {
    /// Its documents by current state (all time), in state-code order; states without
    /// documents are left out.
    pub counts: Vec<StateCount>,
    /// Every service the agency runs, by id, with the durations of the window (maybe none).
    pub services: Vec<ServiceTurnaround>,
    /// Every step of those services, in service then step order.
    pub steps: Vec<StepTurnaround>,
}

const CLOSED: [DocumentState; 3] = [
    DocumentState::Signed,
    DocumentState::Rejected,
    DocumentState::Withdrawn,
];

impl Store {
    /// The dashboard figures of `agency`: its documents by state now, and the turnaround of
    /// the documents closed, and of the step visits ended, within `window` (Unix seconds,
    /// start included, end excluded). One transaction.
    ///
    /// Per-step times read the steps from each service's current template and each
    /// document's current form values.
    ///
    /// Errors: [`StoreError::Db`]; [`StoreError::Corrupt`] for an unreadable state or template.
    pub fn agency_stats(
        &self,
        agency: AgencyId,
        window: Range<i64>,
    ) -> Result<AgencyStats, StoreError> {
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            let mut services = agency_services(c, agency)?;
            let templates = templates(c, services.iter().map(|s| s.service_id))?;
            closings(c, agency, &window, &mut services)?;
            let mut steps = Vec::new();
            for s in &services {
                let Some((_, template)) = templates.get(&s.service_id) else {
                    continue;
                };
                for (index, step) in (0u32..).zip(&template.steps) {
                    steps.push(StepTurnaround {
                        service_id: s.service_id,
                        service_name: s.service_name.clone(),
                        step: index,
                        step_name: step.name.clone(),
                        durations: Vec::new(),
                    });
                }
            }
            step_durations(c, agency, &window, &templates, &mut steps)?;
            Ok(AgencyStats {
                counts: state_counts(c, agency)?,
                services,
                steps,
            })
        })
    }
}

fn state_counts(c: &mut DbConnection, agency: AgencyId) -> Result<Vec<StateCount>, StoreError> {
    documents::table
        .filter(documents::agency_id.eq(agency.0))
        .group_by(documents::state)
        .select((documents::state, diesel::dsl::count_star()))
        .order(documents::state.asc())
        .load::<(String, i64)>(c)?
        .into_iter()
        .map(|(code, count)| {
            Ok(StateCount {
                state: DocumentState::from_code(&code)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                count,
            })
        })
        .collect()
}

fn agency_services(
    c: &mut DbConnection,
    agency: AgencyId,
) -> Result<Vec<ServiceTurnaround>, StoreError> {
    let rows = services::table
        .filter(services::agency_id.eq(agency.0))
        .order(services::id.asc())
        .select((services::id, services::name))
        .load::<(i64, String)>(c)?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| ServiceTurnaround {
            service_id: ServiceId(id),
            service_name: name,
            to_signed: Vec::new(),
            to_closed: Vec::new(),
        })
        .collect())
}

/// Adds the submission-to-closing durations of the documents closed in `window`.
fn closings(
    c: &mut DbConnection,
    agency: AgencyId,
    window: &Range<i64>,
    services: &mut [ServiceTurnaround],
) -> Result<(), StoreError> {
    let closed: Vec<String> = CLOSED.iter().map(DocumentState::as_code).collect();
    let rows = events::table
        .inner_join(documents::table)
        .filter(documents::agency_id.eq(agency.0))
        .filter(events::to_state.eq_any(&closed))
        .filter(events::from_state.ne(events::to_state))
        .filter(events::at.ge(window.start))
        .filter(events::at.lt(window.end))
        .select((
            documents::service_id,
            documents::created_at,
            events::to_state,
            events::at,
        ))
        .load::<(i64, i64, String, i64)>(c)?;
    let signed = DocumentState::Signed.as_code();
    for (service, submitted, state, at) in rows {
        let Some(s) = services.iter_mut().find(|s| s.service_id.0 == service) else {
            continue;
        };
        let took = at.saturating_sub(submitted);
        if state == signed {
            s.to_signed.push(took);
        }
        s.to_closed.push(took);
    }
    Ok(())
}

/// Adds the durations of the step visits that ended in `window`.
fn step_durations(
    c: &mut DbConnection,
    agency: AgencyId,
    window: &Range<i64>,
    templates: &crate::deadlines::Templates,
    steps: &mut [StepTurnaround],
) -> Result<(), StoreError> {
    // A visit that ended in the window changed the document's state then, so the document's
    // last change is no earlier than the window's start.
    let docs = documents::table
        .filter(documents::agency_id.eq(agency.0))
        .filter(documents::updated_at.ge(window.start))
        .filter(documents::created_at.lt(window.end))
        .select((documents::id, documents::service_id, documents::form_json))
        .load::<(i64, i64, String)>(c)?;
    let ids: Vec<i64> = docs.iter().map(|d| d.0).collect();
    let mut states = to_states(c, &ids)?;
    let mut index: HashMap<(ServiceId, u32), usize> = HashMap::new();
    for (i, s) in steps.iter().enumerate() {
        index.insert((s.service_id, s.step), i);
    }
    for (id, service, form_json) in docs {
        let service = ServiceId(service);
        let Some((_, template)) = templates.get(&service) else {
            continue;
        };
        let form: Vec<(String, String)> = serde_json::from_str(&form_json)
            .map_err(|e| StoreError::Corrupt(format!("form of document {id}: {e}")))?;
        let history = states.remove(&id).unwrap_or_default();
        for visit in step_visits(history, template, &form) {
            let Some(left) = visit.left_at.filter(|t| window.contains(t)) else {
                continue;
            };
            if let Some(&i) = index.get(&(service, visit.step))
                && let Some(s) = steps.get_mut(i)
            {
                s.durations.push(left.saturating_sub(visit.entered_at));
            }
        }
    }
    Ok(())
}
