//! Working days and step deadlines in the city's time zone (WIB, UTC+07:00).
//!
//! A routing-template step has a deadline in working days ([`crate::Step::deadline_days`]).
//! Saturdays, Sundays and the city's holidays are not working days. A step entered on day D
//! with a deadline of N working days is due at the end (23:59:59 WIB) of the Nth working day
//! after D, whatever the hour it was entered at; N = 0 means the end of D itself.
//!
//! ```
//! use sahih_workflow::WorkingCalendar;
//! use time::macros::{date, datetime};
//!
//! let calendar = WorkingCalendar::new([date!(2026 - 12 - 25)]);
//! // Entered on Thursday 24 December 2026 at 10:00 WIB, due in 1 working day: Christmas and
//! // the weekend are skipped, so it is due at the end of Monday 28 December.
//! let entered = datetime!(2026-12-24 10:00 +7).unix_timestamp();
//! let due = calendar.due_at(entered, 1);
//! assert_eq!(due, datetime!(2026-12-28 23:59:59 +7).unix_timestamp());
//! // On Wednesday 30 December it is 2 working days late.
//! let now = datetime!(2026-12-30 08:00 +7).unix_timestamp();
//! assert_eq!(calendar.working_days_late(due, now), 2);
//! ```

use std::collections::BTreeSet;
use std::ops::Bound::{Excluded, Included};

use time::macros::{format_description, offset};
use time::{Date, Duration, OffsetDateTime, Time, UtcOffset, Weekday};

/// The city's time zone, Waktu Indonesia Barat (UTC+07:00, no daylight saving).
pub const WIB: UtcOffset = offset!(+7);

/// A holiday that is not a date written `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("holiday {0:?} is not a date written YYYY-MM-DD")]
pub struct BadHoliday(pub String);

impl BadHoliday {
    /// The stable error code, `E_BAD_HOLIDAY`.
    pub fn code(&self) -> &'static str {
        "E_BAD_HOLIDAY"
    }
}

/// Which days are working days: Monday to Friday, except the city's holidays.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkingCalendar {
    /// The city's holidays (national holidays, collective leave days, local holidays). A
    /// holiday on a Saturday or Sunday changes nothing.
    pub holidays: BTreeSet<Date>,
}

impl WorkingCalendar {
    /// A calendar with these holidays.
    pub fn new(holidays: impl IntoIterator<Item = Date>) -> WorkingCalendar {
        WorkingCalendar {
            holidays: holidays.into_iter().collect(),
        }
    }

    /// A calendar whose holidays are written `YYYY-MM-DD` (ISO 8601 calendar dates), as in the
    /// configuration's `holidays` list.
    ///
    /// # Errors
    /// [`BadHoliday`] naming the first entry that is not such a date (`E_BAD_HOLIDAY`).
    pub fn from_iso_dates<S: AsRef<str>>(dates: &[S]) -> Result<WorkingCalendar, BadHoliday> {
        let format = format_description!("[year]-[month]-[day]");
        dates
            .iter()
            .map(|s| {
                let s = s.as_ref();
                Date::parse(s.trim(), &format).map_err(|_| BadHoliday(s.to_owned()))
            })
            .collect::<Result<BTreeSet<Date>, _>>()
            .map(|holidays| WorkingCalendar { holidays })
    }

    /// Whether `day` is a working day: Monday to Friday and not a holiday.
    pub fn is_working_day(&self, day: Date) -> bool {
        is_weekday(day) && !self.holidays.contains(&day)
    }

    /// When a step entered at `entered_unix` (Unix seconds) with a deadline of `working_days`
    /// is due: the last second (23:59:59 WIB) of the `working_days`th working day after the
    /// WIB day of `entered_unix`, as Unix seconds; for 0, the last second of that day itself.
    /// Times outside the years 1–9999 are clamped to them.
    pub fn due_at(&self, entered_unix: i64, working_days: u32) -> i64 {
        let entered = wib_date(entered_unix);
        let mut day = add_weekdays(entered, working_days);
        let mut missing = self.weekday_holidays(entered, day);
        while missing > 0 {
            let Some(next) = day.next_day() else { break };
            day = next;
            if self.is_working_day(day) {
                missing -= 1;
            }
        }
        end_of_day(day)
    }

    /// How many working days late a step due at `due_unix` is at `now_unix` (Unix seconds):
    /// the working days that have begun (in WIB) after the due day, up to and including the
    /// day of `now_unix`. 0 until then: a step due on a Friday is 1 working day late from
    /// Monday 00:00 WIB, not over the weekend.
    pub fn working_days_late(&self, due_unix: i64, now_unix: i64) -> u32 {
        if now_unix <= due_unix {
            return 0;
        }
        let (due, now) = (wib_date(due_unix), wib_date(now_unix));
        let late = weekdays_between(due, now).saturating_sub(self.weekday_holidays(due, now));
        u32::try_from(late).unwrap_or(u32::MAX)
    }

    /// The holidays in `(after, until]` that fall on a weekday.
    fn weekday_holidays(&self, after: Date, until: Date) -> u64 {
        if until <= after {
            return 0;
        }
        let n = self
            .holidays
            .range((Excluded(after), Included(until)))
            .filter(|d| is_weekday(**d))
            .count();
        u64::try_from(n).unwrap_or(u64::MAX)
    }
}

fn is_weekday(day: Date) -> bool {
    !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// The WIB calendar day of a Unix time, clamped to the years 1–9999.
fn wib_date(unix: i64) -> Date {
    let min = first_day().midnight().assume_offset(WIB).unix_timestamp();
    let max = end_of_day(last_day());
    OffsetDateTime::from_unix_timestamp(unix.clamp(min, max))
        .map(|t| t.to_offset(WIB).date())
        .unwrap_or(first_day())
}

fn first_day() -> Date {
    Date::from_ordinal_date(1, 1).unwrap_or(Date::MIN)
}

fn last_day() -> Date {
    Date::from_ordinal_date(9999, 365).unwrap_or(Date::MAX)
}

/// The last second of `day` in WIB, Unix seconds.
fn end_of_day(day: Date) -> i64 {
    let last = Time::from_hms(23, 59, 59).unwrap_or(Time::MIDNIGHT);
    day.with_time(last).assume_offset(WIB).unix_timestamp()
}

/// The Mondays to Fridays in `(after, until]`; 0 when `until <= after`.
fn weekdays_between(after: Date, until: Date) -> u64 {
    let days = (until - after).whole_days();
    if days <= 0 {
        return 0;
    }
    let weeks = days / 7;
    let mut count = weeks * 5;
    let mut day = after.checked_add(Duration::weeks(weeks)).unwrap_or(until);
    while day < until {
        let Some(next) = day.next_day() else { break };
        day = next;
        if is_weekday(day) {
            count += 1;
        }
    }
    u64::try_from(count).unwrap_or(0)
}

/// The day on which `n` Mondays-to-Fridays after `start` have passed (`start` itself for 0),
/// a weekday unless `n` is 0; saturates at the last representable day.
fn add_weekdays(start: Date, n: u32) -> Date {
    if n == 0 {
        return start;
    }
    let weeks = i64::from((n - 1) / 5);
    let mut remaining = (n - 1) % 5 + 1;
    let Some(mut day) = start.checked_add(Duration::weeks(weeks)) else {
        return last_day();
    };
    while remaining > 0 {
        let Some(next) = day.next_day() else { break };
        day = next;
        if is_weekday(day) {
            remaining -= 1;
        }
    }
    day
}

#[cfg(test)]
mod tests {
    use rstest::rstest;
    use time::macros::{date, datetime};
    use time::{Date, OffsetDateTime};

    use super::*;

    fn unix(t: OffsetDateTime) -> i64 {
        t.unix_timestamp()
    }

    fn city() -> WorkingCalendar {
        // Christmas 2026 (a Friday), New Year 2027 (a Friday), and two holidays on a Saturday
        // that must change nothing.
        WorkingCalendar::new([
            date!(2026 - 12 - 25),
            date!(2026 - 12 - 26),
            date!(2027 - 01 - 01),
            date!(2026 - 11 - 28),
        ])
    }

    #[rstest]
    // Monday morning, 1 working day: end of Tuesday.
    #[case(datetime!(2026-11-23 09:00 +7), 1, date!(2026 - 11 - 24))]
    // The hour of entry does not matter: late on Monday is still "the day".
    #[case(datetime!(2026-11-23 23:59:59 +7), 1, date!(2026 - 11 - 24))]
    // Friday entry: the weekend is skipped.
    #[case(datetime!(2026-11-27 16:30 +7), 1, date!(2026 - 11 - 30))]
    #[case(datetime!(2026-11-27 16:30 +7), 3, date!(2026 - 12 - 02))]
    #[case(datetime!(2026-11-27 08:00 +7), 5, date!(2026 - 12 - 04))]
    // Entered on a Saturday (the Saturday holiday changes nothing): Monday is the first day.
    #[case(datetime!(2026-11-28 10:00 +7), 1, date!(2026 - 11 - 30))]
    #[case(datetime!(2026-11-28 10:00 +7), 5, date!(2026 - 12 - 04))]
    #[case(datetime!(2026-11-29 10:00 +7), 10, date!(2026 - 12 - 11))]
    // Christmas (Friday) is skipped.
    #[case(datetime!(2026-12-24 10:00 +7), 1, date!(2026 - 12 - 28))]
    #[case(datetime!(2026-12-23 10:00 +7), 2, date!(2026 - 12 - 28))]
    // Year end: New Year's Day (Friday) and the weekend are skipped.
    #[case(datetime!(2026-12-31 15:00 +7), 1, date!(2027 - 01 - 04))]
    #[case(datetime!(2026-12-28 09:00 +7), 5, date!(2027 - 01 - 05))]
    // 18:00 UTC on 31 December is already 1 January in WIB.
    #[case(datetime!(2026-12-31 18:00 UTC), 1, date!(2027 - 01 - 04))]
    #[case(datetime!(2026-12-31 16:59:59 UTC), 1, date!(2027 - 01 - 04))]
    #[case(datetime!(2026-12-30 17:00 UTC), 1, date!(2027 - 01 - 04))]
    #[case(datetime!(2026-12-30 16:59 UTC), 1, date!(2026 - 12 - 31))]
    // 0 working days: the end of the day of entry.
    #[case(datetime!(2026-11-27 16:30 +7), 0, date!(2026 - 11 - 27))]
    // Long deadlines: 20 working days = 4 weeks without holidays.
    #[case(datetime!(2026-11-02 09:00 +7), 20, date!(2026 - 11 - 30))]
    // The two weekday holidays push 20 working days by two.
    #[case(datetime!(2026-12-07 09:00 +7), 20, date!(2027 - 01 - 06))]
    fn due_at_end_of_nth_working_day(
        #[case] entered: OffsetDateTime,
        #[case] days: u32,
        #[case] due_day: Date,
    ) {
        let end = due_day
            .with_hms(23, 59, 59)
            .expect("time")
            .assume_offset(WIB);
        assert_eq!(city().due_at(unix(entered), days), unix(end));
    }

    #[rstest]
    // Not late before or at the deadline.
    #[case(datetime!(2026-11-30 23:59:59 +7), 0)]
    #[case(datetime!(2026-11-30 10:00 +7), 0)]
    // Late from the first second of the next working day.
    #[case(datetime!(2026-12-01 00:00 +7), 1)]
    #[case(datetime!(2026-12-01 17:00 +7), 1)]
    #[case(datetime!(2026-12-04 17:00 +7), 4)]
    // The weekend adds nothing; Monday does.
    #[case(datetime!(2026-12-06 12:00 +7), 4)]
    #[case(datetime!(2026-12-07 08:00 +7), 5)]
    // Over Christmas and New Year: 25 December and 1 January are not counted.
    #[case(datetime!(2027-01-04 08:00 +7), 23)]
    fn working_days_late_after_monday_deadline(#[case] now: OffsetDateTime, #[case] late: u32) {
        let due = unix(datetime!(2026-11-30 23:59:59 +7));
        assert_eq!(city().working_days_late(due, unix(now)), late);
    }

    #[test]
    fn friday_deadline_is_not_late_over_the_weekend() {
        let calendar = city();
        let due = calendar.due_at(unix(datetime!(2026-12-03 11:00 +7)), 1);
        assert_eq!(due, unix(datetime!(2026-12-04 23:59:59 +7)));
        let saturday = unix(datetime!(2026-12-05 09:00 +7));
        let monday = unix(datetime!(2026-12-07 00:00 +7));
        assert_eq!(calendar.working_days_late(due, saturday), 0);
        assert_eq!(calendar.working_days_late(due, monday), 1);
    }

    #[test]
    fn no_holidays_means_only_weekends_are_skipped() {
        let calendar = WorkingCalendar::default();
        let due = calendar.due_at(unix(datetime!(2026-12-24 10:00 +7)), 1);
        assert_eq!(due, unix(datetime!(2026-12-25 23:59:59 +7)));
    }

    #[test]
    fn extreme_times_do_not_panic() {
        let calendar = city();
        for t in [i64::MIN, -1, 0, i64::MAX] {
            for n in [0, 1, 260, u32::MAX] {
                let due = calendar.due_at(t, n);
                assert!(calendar.working_days_late(due, i64::MAX) < u32::MAX);
                assert_eq!(calendar.working_days_late(due, i64::MIN), 0);
            }
        }
    }

    #[rstest]
    #[case(&["2026-12-25", " 2027-01-01 "], Ok(2))]
    #[case(&["2026-12-25", "2026-12-25"], Ok(1))]
    #[case(&["2026-12-25", "25-12-2026"], Err("25-12-2026"))]
    #[case(&["2026-02-30"], Err("2026-02-30"))]
    #[case(&[""], Err(""))]
    fn holidays_parse_from_iso_dates(
        #[case] dates: &[&str],
        #[case] expected: Result<usize, &str>,
    ) {
        let parsed = WorkingCalendar::from_iso_dates(dates).map(|c| c.holidays.len());
        if let Err(e) = &parsed {
            assert_eq!(e.code(), "E_BAD_HOLIDAY");
        }
        assert_eq!(parsed, expected.map_err(|s| BadHoliday(s.to_owned())));
    }
}
