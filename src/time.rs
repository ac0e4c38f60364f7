//! Time as the job counts it: days since 1970-01-01 (polars' `Date`),
//! report periods ([`Granularity`]: days, ISO weeks from Monday, calendar
//! months, each written as its first day), the week of a day, which posts
//! a run analyses by their date ([`Window`]) and the stretch of time the
//! trends show ([`TimeAxis`]).
//!
//! Dates are the calendar days posts are written with; every date the
//! job keeps lies in the years 1 to 9999 (`ingest::Years::HOLDABLE`), so
//! the arithmetic here never leaves chrono's range.

use chrono::{Datelike, NaiveDate, NaiveDateTime};

/// How posts are grouped in time.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    /// Calendar days.
    Day,
    /// ISO weeks, Monday to Sunday.
    Week,
    /// Calendar months.
    Month,
}

impl Granularity {
    /// The first day of the period holding `date`.
    pub fn period_start(self, date: NaiveDate) -> NaiveDate {
        match self {
            Granularity::Day => date,
            Granularity::Week => {
                date - chrono::Duration::days(date.weekday().num_days_from_monday() as i64)
            }
            Granularity::Month => date.with_day(1).expect("day 1 exists"),
        }
    }

    /// The first day of the period after the one starting at `start`.
    pub fn next_start(self, start: NaiveDate) -> NaiveDate {
        match self {
            Granularity::Day => start + chrono::Duration::days(1),
            Granularity::Week => start + chrono::Duration::days(7),
            Granularity::Month => start
                .checked_add_months(chrono::Months::new(1))
                .expect("dates stay in range"),
        }
    }

    /// Lower-case name, as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Granularity::Day => "day",
            Granularity::Week => "week",
            Granularity::Month => "month",
        }
    }
}

/// A calendar day as the job keeps it: days since 1970-01-01 (polars'
/// physical `Date`). Serialised as the number alone.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct Day(pub i32);

impl Day {
    /// The day of `date`.
    pub fn of(date: NaiveDate) -> Day {
        Day(epoch_days(date))
    }

    /// As a calendar date.
    pub fn date(self) -> NaiveDate {
        from_epoch_days(self.0)
    }

    /// The first day of its period of `g`.
    pub fn period(self, g: Granularity) -> Day {
        Day::of(g.period_start(self.date()))
    }

    /// The Monday of its week.
    pub fn week(self) -> Day {
        Day(week_of(self.0))
    }
}

/// Minutes after midnight of a time of day.
pub fn minute_of_day(t: chrono::NaiveTime) -> u16 {
    use chrono::Timelike;
    (t.hour() * 60 + t.minute()) as u16
}

/// A report period in the sums: its first day, or `None` for posts
/// without a date (a table without a `date` column).
pub type Period = Option<Day>;

/// Days since 1970-01-01, polars' physical representation of a `Date`.
pub fn epoch_days(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid")).num_days() as i32
}

/// The inverse of [`epoch_days`].
pub fn from_epoch_days(days: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid") + chrono::Duration::days(days as i64)
}

/// The Monday of the week of `day` (days since 1970-01-01, a Thursday).
pub fn week_of(day: i32) -> i32 {
    day - (day + 3).rem_euclid(7)
}

/// Which posts a run analyses, by their date: those inside `--since` /
/// `--until` (both inclusive) and dated no later than the day after the
/// run's moment (`--now`, a day's slack for time zones).
/// The moment is a fact of the run, not a setting: it is left out of the
/// window's serde form, which keys what the cache keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Window {
    /// First day analysed.
    pub since: Option<NaiveDate>,
    /// Last day analysed.
    pub until: Option<NaiveDate>,
    /// The run's moment.
    #[serde(skip)]
    pub now: Option<NaiveDateTime>,
}

/// What becomes of an accepted post, by its date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// It is analysed.
    Analysed,
    /// Outside `--since`/`--until`: counted, not analysed.
    OutsideWindow,
    /// Dated after the run's moment: rejected for this run.
    Future,
}

impl Window {
    /// Whether a post dated `day` is inside `--since`/`--until`; undated
    /// posts always are.
    pub fn in_window(&self, day: Option<NaiveDate>) -> bool {
        match day {
            Some(d) => self.since.is_none_or(|s| d >= s) && self.until.is_none_or(|u| d <= u),
            None => true,
        }
    }

    /// The last day a post may be dated: the day after the run's moment.
    pub fn last_day(&self) -> Option<NaiveDate> {
        self.now.and_then(|n| n.date().succ_opt())
    }

    /// What becomes of an accepted post dated `day`.
    pub fn verdict(&self, day: Option<NaiveDate>) -> Verdict {
        match (day, self.last_day()) {
            (Some(d), Some(last)) if d > last => Verdict::Future,
            _ if !self.in_window(day) => Verdict::OutsideWindow,
            _ => Verdict::Analysed,
        }
    }
}

/// How far outside the bulk of an archive's dates a post may lie and
/// still be drawn on its time axis: a year before its first percentile,
/// or after its last.
pub const AXIS_MARGIN_DAYS: i32 = 365;

/// The stretch of time the trends, charts and events show, and what was
/// left off it.
///
/// The rule: a post dated more than [`AXIS_MARGIN_DAYS`] before the first
/// percentile of the analysed posts' dates, or as far after the 99th, is
/// analysed (it has its theme in `assignments.csv`) but its period is not
/// on the time axis — a scraper's `1970-01-01` must not stretch every
/// chart by decades. An archive of fewer than 100 dated posts has no
/// percentile apart from its ends, so nothing is left off it. The axis
/// runs whole report periods: a post whose period holds an on-axis post is
/// on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeAxis {
    /// First day of the first period on the axis.
    pub first_period: NaiveDate,
    /// First day of the last period on the axis.
    pub last_period: NaiveDate,
    /// Earliest and latest day of a post on the axis.
    pub span: (NaiveDate, NaiveDate),
    /// Posts left off it.
    pub off: u64,
    /// Earliest and latest day of a post left off it.
    pub off_span: Option<(NaiveDate, NaiveDate)>,
}

impl TimeAxis {
    /// The axis of posts counted per day (`days`: days since 1970-01-01 →
    /// posts), in periods of `g`; `None` without dated posts.
    pub fn of(days: &std::collections::BTreeMap<Day, u64>, g: Granularity) -> Option<TimeAxis> {
        let total: u64 = days.values().sum();
        if total == 0 {
            return None;
        }
        // The first day whose cumulative count passes 1% (floored) of the
        // posts, and the same from the end.
        let tail = total / 100;
        let mut seen = 0u64;
        let p1 = days
            .iter()
            .find(|(_, &n)| {
                seen += n;
                seen > tail
            })
            .map(|(&d, _)| d.0)?;
        seen = 0;
        let p99 = days
            .iter()
            .rev()
            .find(|(_, &n)| {
                seen += n;
                seen > tail
            })
            .map(|(&d, _)| d.0)?;
        let (lo, hi) = (p1 - AXIS_MARGIN_DAYS, p99 + AXIS_MARGIN_DAYS);
        let on: Vec<i32> = days
            .keys()
            .map(|d| d.0)
            .filter(|d| (lo..=hi).contains(d))
            .collect();
        let first_period = g.period_start(from_epoch_days(*on.first()?));
        let last_period = g.period_start(from_epoch_days(*on.last()?));
        let holds = |d: i32| {
            let p = g.period_start(from_epoch_days(d));
            p >= first_period && p <= last_period
        };
        let mut off = 0u64;
        let mut span: Option<(i32, i32)> = None;
        let mut off_span: Option<(i32, i32)> = None;
        for (&Day(d), &n) in days {
            let slot = if holds(d) {
                &mut span
            } else {
                off += n;
                &mut off_span
            };
            *slot = Some(slot.map_or((d, d), |(a, b)| (a.min(d), b.max(d))));
        }
        let (a, b) = span?;
        Some(TimeAxis {
            first_period,
            last_period,
            span: (from_epoch_days(a), from_epoch_days(b)),
            off,
            off_span: off_span.map(|(a, b)| (from_epoch_days(a), from_epoch_days(b))),
        })
    }

    /// Whether `period` (a period's first day; `None` for undated posts)
    /// is on the axis.
    pub fn holds_period(&self, period: Period) -> bool {
        period.is_some_and(|p| p.date() >= self.first_period && p.date() <= self.last_period)
    }

    /// Whether `day` falls in a period on the axis.
    pub fn holds_day(&self, day: Day, g: Granularity) -> bool {
        self.holds_period(Some(day.period(g)))
    }
}

/// Whether the first and the last period are only partly covered by the
/// posts (`first` and `last` are the earliest and latest post dates).
pub fn partial_ends(first: NaiveDate, last: NaiveDate, g: Granularity) -> (bool, bool) {
    let first_period = g.period_start(first);
    let last_period_end = g.next_start(g.period_start(last)) - chrono::Duration::days(1);
    (first > first_period, last < last_period_end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday() {
        // 1970-01-05 was a Monday, 2024-07-15 too.
        assert_eq!(week_of(4), 4);
        assert_eq!(week_of(10), 4);
        assert_eq!(week_of(3), -3);
        let d = NaiveDate::from_ymd_opt(2024, 7, 18).unwrap();
        assert_eq!(
            Day::of(d).week().date(),
            NaiveDate::from_ymd_opt(2024, 7, 15).unwrap()
        );
    }
}
