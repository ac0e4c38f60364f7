//! Stage 7, trend: how many posts each theme has per period, and its share.
//!
//! A period is a calendar day, an ISO week (starting Monday) or a calendar
//! month, written as its first date. The table has one row per (period,
//! theme) for every period that has at least one post and every theme, with
//! `count` 0 where the theme had no post, and `share` = count / all posts of
//! the period, so the shares of a period sum to 1. The counting, the
//! completion of the grid and the shares are done with polars.

use chrono::{Datelike, NaiveDate};
use polars::prelude::*;

use crate::error::{Error, Result};

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

/// Days since 1970-01-01, polars' physical representation of a `Date`.
pub fn epoch_days(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid")).num_days() as i32
}

/// The inverse of [`epoch_days`].
pub fn from_epoch_days(days: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid") + chrono::Duration::days(days as i64)
}

/// Builds the trend table: columns `period` (Date), `theme_id` (u32),
/// `count` (u32), `share` (f64), sorted by period then theme.
pub fn trend_table(
    dates: &[NaiveDate],
    themes: &[u32],
    k: usize,
    granularity: Granularity,
) -> Result<DataFrame> {
    let err = |e| Error::polars("building the trend table", e);
    let periods: Vec<i32> = dates
        .iter()
        .map(|d| epoch_days(granularity.period_start(*d)))
        .collect();
    let mut distinct = periods.clone();
    distinct.sort_unstable();
    distinct.dedup();

    let posts = DataFrame::new(
        periods.len(),
        vec![
            Column::new("period".into(), periods),
            Column::new("theme_id".into(), themes.to_vec()),
        ],
    )
    .map_err(err)?;
    let grid_periods: Vec<i32> = distinct
        .iter()
        .flat_map(|&p| std::iter::repeat_n(p, k))
        .collect();
    let grid_themes: Vec<u32> = (0..distinct.len()).flat_map(|_| 0..k as u32).collect();
    let grid = DataFrame::new(
        grid_periods.len(),
        vec![
            Column::new("period".into(), grid_periods),
            Column::new("theme_id".into(), grid_themes),
        ],
    )
    .map_err(err)?;

    let counts = posts
        .lazy()
        .group_by([col("period"), col("theme_id")])
        .agg([len().cast(DataType::UInt32).alias("count")]);
    let period_total = col("count").sum().over([col("period")]).map_err(err)?;
    grid.lazy()
        .join(
            counts,
            [col("period"), col("theme_id")],
            [col("period"), col("theme_id")],
            JoinArgs::new(JoinType::Left),
        )
        .with_column(col("count").fill_null(lit(0u32)))
        .with_column(
            (col("count").cast(DataType::Float64) / period_total.cast(DataType::Float64))
                .alias("share"),
        )
        .with_column(col("period").cast(DataType::Date))
        .sort(["period", "theme_id"], SortMultipleOptions::default())
        .collect()
        .map_err(err)
}

/// The trend table as dense arrays, for charts: `[theme][period]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrendMatrix {
    /// First day of each period, ascending.
    pub periods: Vec<NaiveDate>,
    /// Posts of each theme in each period.
    pub count: Vec<Vec<u32>>,
    /// Share of each theme in each period.
    pub share: Vec<Vec<f64>>,
}

impl TrendMatrix {
    /// Reads a table made by [`trend_table`] for `k` themes.
    pub fn from_table(df: &DataFrame, k: usize) -> Result<Self> {
        let err = |e| Error::polars("reading the trend table", e);
        let period = df
            .column("period")
            .and_then(|c| c.cast(&DataType::Int32))
            .map_err(err)?;
        let period = period.i32().map_err(err)?;
        let theme = df
            .column("theme_id")
            .and_then(|c| c.u32().cloned())
            .map_err(err)?;
        let count = df
            .column("count")
            .and_then(|c| c.u32().cloned())
            .map_err(err)?;
        let share = df
            .column("share")
            .and_then(|c| c.f64().cloned())
            .map_err(err)?;
        let mut m = TrendMatrix {
            periods: Vec::new(),
            count: vec![Vec::new(); k],
            share: vec![Vec::new(); k],
        };
        for i in 0..df.height() {
            let (Some(p), Some(t)) = (period.get(i), theme.get(i)) else {
                continue;
            };
            let date = from_epoch_days(p);
            if m.periods.last() != Some(&date) {
                m.periods.push(date);
            }
            let t = t as usize;
            m.count[t].push(count.get(i).unwrap_or(0));
            m.share[t].push(share.get(i).unwrap_or(0.0));
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn periods_start_on_the_first_day() {
        assert_eq!(
            Granularity::Week.period_start(d("2024-01-07")),
            d("2024-01-01")
        );
        assert_eq!(
            Granularity::Week.period_start(d("2024-01-08")),
            d("2024-01-08")
        );
        assert_eq!(
            Granularity::Week.period_start(d("2023-01-01")),
            d("2022-12-26")
        );
        assert_eq!(
            Granularity::Month.period_start(d("2024-02-29")),
            d("2024-02-01")
        );
        assert_eq!(
            Granularity::Day.period_start(d("2024-02-29")),
            d("2024-02-29")
        );
        assert_eq!(
            Granularity::Month.next_start(d("2024-12-01")),
            d("2025-01-01")
        );
    }

    #[test]
    fn counts_are_complete_and_shares_sum_to_one() {
        let dates = [
            d("2024-01-03"),
            d("2024-01-20"),
            d("2024-01-21"),
            d("2024-03-02"),
        ];
        let themes = [0u32, 1, 1, 2];
        let t = trend_table(&dates, &themes, 3, Granularity::Month).unwrap();
        // Two periods with posts (Jan, Mar) × three themes.
        assert_eq!(t.height(), 6);
        let count: Vec<u32> = t
            .column("count")
            .unwrap()
            .u32()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(count, vec![1, 2, 0, 0, 0, 1]);
        let share: Vec<f64> = t
            .column("share")
            .unwrap()
            .f64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert!((share[0] - 1.0 / 3.0).abs() < 1e-12);
        assert!((share[..3].iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((share[3..].iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(t.column("period").unwrap().dtype(), &DataType::Date);
        let m = TrendMatrix::from_table(&t, 3).unwrap();
        assert_eq!(m.periods, vec![d("2024-01-01"), d("2024-03-01")]);
        assert_eq!(m.count[1], vec![2, 0]);
        assert_eq!(m.share[2], vec![0.0, 1.0]);
    }
}
