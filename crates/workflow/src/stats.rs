//! Turnaround statistics: the median and the 90th percentile of durations, and the visits a
//! document paid to the steps of its route ([`step_visits`]).
//!
//! Percentiles are linearly interpolated between the two nearest ranks (Hyndman and Fan's
//! definition 7, the default of R, NumPy and spreadsheets' `PERCENTILE.INC`): the p-th
//! percentile of n sorted values x₀ … xₙ₋₁ lies at rank h = (n − 1) · p / 100, and is
//! x⌊h⌋ + (h − ⌊h⌋) · (x⌊h⌋₊₁ − x⌊h⌋). The median of an even count is thus the mean of the two
//! middle values. Computed in exact integer arithmetic and rounded half away from zero to whole
//! seconds.
//!
//! ```
//! use sahih_workflow::{Summary, summarize};
//!
//! // Four documents took 1, 2, 3 and 10 hours.
//! let hours = [1, 2, 3, 10].map(|h| h * 3600);
//! let s = summarize(&hours).expect("not empty");
//! assert_eq!(s, Summary { count: 4, median: 9000, p90: 28440 }); // 2 h 30 min, 7 h 54 min
//! ```

use crate::{DocumentState, RoutingTemplate};

/// The median and 90th percentile of a set of durations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// How many durations.
    pub count: usize,
    /// The median (50th percentile), seconds.
    pub median: i64,
    /// The 90th percentile, seconds.
    pub p90: i64,
}

/// The median and 90th percentile of `durations` (seconds, in any order); `None` when empty.
pub fn summarize(durations: &[i64]) -> Option<Summary> {
    let mut sorted = durations.to_vec();
    sorted.sort_unstable();
    Some(Summary {
        count: sorted.len(),
        median: percentile(&sorted, 50)?,
        p90: percentile(&sorted, 90)?,
    })
}

/// The `p`-th percentile (`p` in 0–100, larger is taken as 100) of `sorted` (ascending),
/// linearly interpolated between the nearest ranks (see the module docs); `None` when empty.
pub fn percentile(sorted: &[i64], p: u8) -> Option<i64> {
    let last = sorted.len().checked_sub(1)?;
    let p = u128::from(p.min(100));
    // h = last · p / 100 = index + fraction / 100.
    let scaled = u128::try_from(last).ok()? * p;
    let index = usize::try_from(scaled / 100).ok()?;
    let fraction = i128::try_from(scaled % 100).ok()?;
    let low = i128::from(*sorted.get(index)?);
    let Some(high) = sorted.get(index + 1) else {
        return i64::try_from(low).ok();
    };
    let delta = (i128::from(*high) - low) * fraction;
    // Round half away from zero: delta ≥ 0 since `sorted` ascends.
    let value = low + (delta + 50) / 100;
    i64::try_from(value).ok()
}

/// One stay of a document at a step of its route: from the moment the step became the pending
/// one ([`DocumentState::pending_step`]) until another step did, or the document was returned
/// to the applicant or closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepVisit {
    /// The 0-based template step.
    pub step: u32,
    /// When the step became the pending one, Unix seconds.
    pub entered_at: i64,
    /// When it stopped being the pending one, Unix seconds; `None` while it still is.
    pub left_at: Option<i64>,
}

/// The step visits of a document whose state went through `to_states` (the `to` state of each
/// transition, oldest first, with its time in Unix seconds), for its `template` and `form`.
///
/// A step is entered when the pending step changes, so the partial approvals of a parallel
/// group (the state stays, or goes from `Submitted` to `InReview` at the same step) do not end
/// the visit; returning the document to an earlier step starts a new visit there.
///
/// ```
/// use sahih_workflow::{DocumentState, RoutingTemplate, StepVisit, step_visits};
///
/// let template = RoutingTemplate::single_paraf(); // step 0: paraf, step 1: sign
/// let visits = step_visits(
///     [(DocumentState::Submitted, 100), (DocumentState::Approved, 160)],
///     &template,
///     &[],
/// );
/// assert_eq!(visits, [
///     StepVisit { step: 0, entered_at: 100, left_at: Some(160) },
///     StepVisit { step: 1, entered_at: 160, left_at: None },
/// ]);
/// ```
pub fn step_visits(
    to_states: impl IntoIterator<Item = (DocumentState, i64)>,
    template: &RoutingTemplate,
    form: &[(String, String)],
) -> Vec<StepVisit> {
    let mut visits: Vec<StepVisit> = Vec::new();
    let mut current: Option<u32> = None;
    for (state, at) in to_states {
        let pending = state.pending_step(template, form);
        if pending == current {
            continue;
        }
        if current.is_some()
            && let Some(open) = visits.last_mut()
        {
            open.left_at = Some(at);
        }
        if let Some(step) = pending {
            visits.push(StepVisit {
                step,
                entered_at: at,
                left_at: None,
            });
        }
        current = pending;
    }
    visits
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case(&[], None)]
    #[case(&[7], Some((7, 7)))]
    #[case(&[1, 2], Some((2, 2)))] // 1.5 rounds up; p90 at rank 0.9: 1.9 → 2
    #[case(&[10, 20], Some((15, 19)))]
    #[case(&[1, 2, 3, 4, 5], Some((3, 5)))] // p90 at rank 3.6: 4.6 → 5
    #[case(&[5, 1, 4, 2, 3], Some((3, 5)))] // order does not matter
    #[case(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], Some((6, 9)))] // 5.5 → 6; rank 8.1: 9.1 → 9
    #[case(&[0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000], Some((500, 900)))]
    #[case(&[60, 60, 60, 3600], Some((60, 2538)))] // rank 2.7: 60 + 0.7 · 3540
    fn median_and_p90(#[case] values: &[i64], #[case] expected: Option<(i64, i64)>) {
        let got = summarize(values);
        assert_eq!(got.map(|s| (s.median, s.p90)), expected);
        assert_eq!(got.map(|s| s.count), expected.map(|_| values.len()));
    }

    /// The linear-interpolation example of Wikipedia's "Percentile" article (C = 1 variant):
    /// the 40th percentile of 15, 20, 35, 40, 50 is 29.
    #[test]
    fn published_example() {
        let v = [15, 20, 35, 40, 50];
        assert_eq!(percentile(&v, 40), Some(29));
        assert_eq!(percentile(&v, 50), Some(35));
        assert_eq!(percentile(&v, 90), Some(46));
    }

    mod visits {
        use super::*;
        use crate::{Assignees, GroupMode, Step, StepAction};

        fn step(name: &str, action: StepAction) -> Step {
            Step {
                name: name.to_owned(),
                action,
                assignees: Assignees {
                    role: Some(crate::Role::Verifier),
                    ..Assignees::default()
                },
                mode: GroupMode::Any,
                condition: None,
                deadline_days: Some(2),
                cc: Vec::new(),
                approval_signature: false,
            }
        }

        /// Verifikasi (0), Kepala Bidang (1), then the signature (2).
        fn three_steps() -> RoutingTemplate {
            let mut sign = step("Penandatanganan", StepAction::Sign);
            sign.assignees.role = Some(crate::Role::Signer);
            RoutingTemplate {
                steps: vec![
                    step("Verifikasi", StepAction::Paraf),
                    step("Kepala Bidang", StepAction::Paraf),
                    sign,
                ],
            }
        }

        fn visit(step: u32, entered_at: i64, left_at: Option<i64>) -> StepVisit {
            StepVisit {
                step,
                entered_at,
                left_at,
            }
        }

        #[test]
        fn partial_approvals_do_not_end_a_visit() {
            use DocumentState::*;
            let states = [
                (Submitted, 0),
                (InReview { step: 0 }, 10), // one of two verifiers gave paraf
                (InReview { step: 1 }, 20),
                (InReview { step: 1 }, 25),
                (Approved, 40),
                (Signed, 50),
            ];
            assert_eq!(
                step_visits(states, &three_steps(), &[]),
                [
                    visit(0, 0, Some(20)),
                    visit(1, 20, Some(40)),
                    visit(2, 40, Some(50))
                ]
            );
        }

        #[test]
        fn returns_and_resubmissions_start_new_visits() {
            use DocumentState::*;
            let states = [
                (Submitted, 0),
                (InReview { step: 1 }, 10),
                (InReview { step: 0 }, 30), // returned to the previous step
                (InReview { step: 1 }, 35),
                (Returned, 60), // returned to the applicant
                (Submitted, 100),
                (Rejected, 130),
            ];
            assert_eq!(
                step_visits(states, &three_steps(), &[]),
                [
                    visit(0, 0, Some(10)),
                    visit(1, 10, Some(30)),
                    visit(0, 30, Some(35)),
                    visit(1, 35, Some(60)),
                    visit(0, 100, Some(130)),
                ]
            );
        }

        #[test]
        fn the_last_visit_stays_open() {
            let states = [(DocumentState::Submitted, 5), (DocumentState::Submitted, 9)];
            assert_eq!(
                step_visits(states, &three_steps(), &[]),
                [visit(0, 5, None)]
            );
            assert_eq!(step_visits([], &three_steps(), &[]), []);
        }
    }

    #[test]
    fn percentile_bounds() {
        let v = [3, 9, 27];
        assert_eq!(percentile(&v, 0), Some(3));
        assert_eq!(percentile(&v, 100), Some(27));
        assert_eq!(percentile(&v, 255), Some(27));
        assert_eq!(percentile(&[], 50), None);
    }

    #[test]
    fn extreme_values_do_not_overflow() {
        let v = [i64::MIN, i64::MAX];
        assert_eq!(percentile(&v, 0), Some(i64::MIN));
        assert_eq!(percentile(&v, 100), Some(i64::MAX));
        assert_eq!(percentile(&v, 50), Some(0));
    }
}
