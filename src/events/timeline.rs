//! The time axis of the events stage: days, or weeks for a sparse archive,
//! indexed from the first one of the archive, with the posts of each.

use std::collections::BTreeMap;

use crate::aggregate::Daily;
use crate::analysis::EventUnit;
use crate::time::Day;

/// An archive whose median day (among days with posts) has at least this
/// many analysed posts has its events found by the day; a sparser one by
/// the week. A story of a day must stand out against its day's posts: at
/// a hundred posts a day, five posts of one story are a twentieth of them.
pub const DAY_UNIT_MEDIAN: f64 = 100.0;

/// The rule of [`unit_of`], as `run.json` states it.
pub fn unit_rule() -> String {
    format!(
        "days when the median of analysed posts per day (over days with posts) is at least {DAY_UNIT_MEDIAN}, else ISO weeks"
    )
}

/// The unit for an archive's days, and the median posts per day.
pub fn unit_of(daily: &BTreeMap<Day, Daily>) -> (EventUnit, f64) {
    let mut posts: Vec<u32> = daily.values().map(|d| d.posts).filter(|&p| p > 0).collect();
    if posts.is_empty() {
        return (EventUnit::Week, 0.0);
    }
    posts.sort_unstable();
    let n = posts.len();
    let median = if n % 2 == 1 {
        posts[n / 2] as f64
    } else {
        (posts[n / 2 - 1] as f64 + posts[n / 2] as f64) / 2.0
    };
    let unit = if median >= DAY_UNIT_MEDIAN {
        EventUnit::Day
    } else {
        EventUnit::Week
    };
    (unit, median)
}

/// The units of the archive: the first one's first day, and how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeline {
    /// Days or weeks.
    pub unit: EventUnit,
    /// First day of the first unit.
    pub first: Day,
    /// Units from the first to the last day with posts.
    pub n: usize,
}

impl Timeline {
    /// The timeline from `first` to `last` (days with posts) in `unit`.
    pub fn new(unit: EventUnit, first: Day, last: Day) -> Self {
        let start = Self::start_of(unit, first);
        let n = match unit {
            EventUnit::Day => (last.0 - start.0) as usize + 1,
            EventUnit::Week => ((last.0 - start.0) / 7) as usize + 1,
        };
        Timeline {
            unit,
            first: start,
            n,
        }
    }

    fn start_of(unit: EventUnit, d: Day) -> Day {
        match unit {
            EventUnit::Day => d,
            EventUnit::Week => d.week(),
        }
    }

    /// Days in one unit.
    pub fn length(&self) -> i32 {
        match self.unit {
            EventUnit::Day => 1,
            EventUnit::Week => 7,
        }
    }

    /// The longest an event may run, in units: a longer burst is a trend,
    /// listed among the rising words only.
    pub fn max_event_units(&self) -> usize {
        match self.unit {
            EventUnit::Day => 62,
            EventUnit::Week => 26,
        }
    }

    /// The index of the unit holding `day`, if it is on the timeline.
    pub fn index(&self, day: Day) -> Option<usize> {
        let i = (Self::start_of(self.unit, day).0 - self.first.0) / self.length();
        (i >= 0 && (i as usize) < self.n).then_some(i as usize)
    }

    /// The first day of unit `i`.
    pub fn start(&self, i: usize) -> Day {
        Day(self.first.0 + self.length() * i as i32)
    }

    /// The last day of unit `i`.
    pub fn end(&self, i: usize) -> Day {
        Day(self.start(i).0 + self.length() - 1)
    }

    /// Posts of each unit.
    pub fn totals(&self, daily: &BTreeMap<Day, Daily>) -> Vec<u32> {
        let mut totals = vec![0u32; self.n];
        for (&d, day) in daily {
            if let Some(i) = self.index(d) {
                totals[i] += day.posts;
            }
        }
        totals
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(posts: u32) -> Daily {
        Daily {
            posts,
            df: Vec::new(),
        }
    }

    #[test]
    fn dense_archives_go_by_the_day_and_sparse_ones_by_the_week() {
        let dense: BTreeMap<Day, Daily> = (0..10).map(|d| (Day(20_000 + d), day(1500))).collect();
        assert_eq!(unit_of(&dense), (EventUnit::Day, 1500.0));
        let sparse: BTreeMap<Day, Daily> = (0..10).map(|d| (Day(20_000 + d), day(14))).collect();
        assert_eq!(unit_of(&sparse).0, EventUnit::Week);
    }

    #[test]
    fn weeks_run_from_monday_and_days_from_the_first_day() {
        // 2024-07-18 is a Thursday; its week starts on Monday the 15th.
        let thu = Day::of(chrono::NaiveDate::from_ymd_opt(2024, 7, 18).unwrap());
        let t = Timeline::new(EventUnit::Week, thu, Day(thu.0 + 10));
        assert_eq!(t.first.date().to_string(), "2024-07-15");
        assert_eq!(t.n, 2);
        assert_eq!(t.index(Day(thu.0 + 4)), Some(1));
        assert_eq!(t.end(0).date().to_string(), "2024-07-21");
        let d = Timeline::new(EventUnit::Day, thu, Day(thu.0 + 10));
        assert_eq!(
            (d.n, d.index(thu), d.index(Day(thu.0 - 1))),
            (11, Some(0), None)
        );
    }
}
