//! Trend (an algorithm of the report stage, layer 7): how many posts each theme has per period, and its share.
//!
//! A period is a calendar day, an ISO week (starting Monday) or a calendar
//! month, written as its first date. The table has one row per (period,
//! theme) for every period that has at least one post and every theme, with
//! `count` 0 where the theme had no post, and `share` = count / all posts of
//! the period, so the shares of a period sum to 1; `share_smoothed` is a
//! centred rolling mean of the share, and `partial` marks a first or last
//! period the posts do not fully cover (a half month must not read as a
//! drop). The counting, the grid, the shares and the smoothing are done
//! with polars.
//!
//! On top of the table: bursts of each theme ([`burst`], Kleinberg's
//! automaton on counts against period totals) and each theme's momentum,
//! its share over the last few periods against its long-run share.

pub mod burst;
pub mod facet;

use chrono::NaiveDate;
use polars::prelude::*;

use crate::error::{Error, Result};
use crate::ids::ThemeIdx;
use crate::time::{from_epoch_days, partial_ends, Granularity};
use burst::BurstParams;

/// Parameters of the trend stage.
#[derive(Debug, Clone, PartialEq, clap::Args, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct TrendParams {
    /// Length of a trend period: day, week (ISO, from Monday) or month.
    #[arg(long, value_enum, default_value_t = Granularity::Month, help_heading = "Trends")]
    pub granularity: Granularity,

    /// Periods in the centred rolling mean of each theme's share
    /// (`share_smoothed`; 1 = no smoothing).
    #[arg(long, default_value_t = 3, value_name = "N", help_heading = "Trends")]
    pub smooth: usize,

    /// Periods that count as "now" when comparing a theme's recent share
    /// with its long-run share.
    #[arg(long, default_value_t = 3, value_name = "N", help_heading = "Trends")]
    pub recent: usize,

    /// Burst detection: a burst is a run of periods where the theme is this
    /// many times more frequent than its long-run share (Kleinberg's s).
    #[arg(long, default_value_t = 2.0, value_name = "S", help_heading = "Trends")]
    pub burst_scale: f64,

    /// Burst detection: cost of entering a burst (Kleinberg's γ); higher
    /// finds fewer, stronger bursts.
    #[arg(long, default_value_t = 1.0, value_name = "G", help_heading = "Trends")]
    pub burst_gamma: f64,

    /// Also count theme shares within each value of this field
    /// (`trends_by_facet.csv`, a section of index.html): a front-matter
    /// field such as `categories` or `tags`, a table column, `outlet` (the
    /// feed a post came from, see --outlet) or `credit` (the outlet
    /// credited in the text, e.g. `（新华社）`). May be repeated.
    #[arg(
        long = "facet",
        id = "facet",
        value_name = "FIELD",
        help_heading = "Trends"
    )]
    #[serde(rename = "facet")]
    pub facets: Vec<String>,
}

impl Default for TrendParams {
    fn default() -> Self {
        crate::flags::defaults()
    }
}

impl TrendParams {
    /// Checks the values.
    pub fn check(&self) -> Result<()> {
        if !(1..=99).contains(&self.smooth) {
            return Err(Error::param("--smooth", "must be between 1 and 99 periods"));
        }
        if !(1..=99).contains(&self.recent) {
            return Err(Error::param("--recent", "must be between 1 and 99 periods"));
        }
        if !(self.burst_scale > 1.0 && self.burst_scale <= 100.0) {
            return Err(Error::param(
                "--burst-scale",
                "must be above 1 and at most 100",
            ));
        }
        if !(self.burst_gamma > 0.0 && self.burst_gamma <= 100.0) {
            return Err(Error::param(
                "--burst-gamma",
                "must be above 0 and at most 100",
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for n in &self.facets {
            if n.trim().is_empty() || n.trim() != n {
                return Err(Error::param(
                    "--facet",
                    format!("'{n}' is not a field name"),
                ));
            }
            if matches!(n.as_str(), "title" | "date" | "text") {
                return Err(Error::param(
                    "--facet",
                    format!("'{n}' is unique to each post; a facet groups posts (categories, tags, source, …)"),
                ));
            }
            if !seen.insert(n) {
                return Err(Error::param("--facet", format!("'{n}' is given twice")));
            }
        }
        Ok(())
    }

    /// Period length.
    pub fn get_granularity(&self) -> Granularity {
        self.granularity
    }
    /// Recent window.
    pub fn get_recent(&self) -> usize {
        self.recent
    }
    /// Burst parameters.
    pub fn get_burst(&self) -> BurstParams {
        BurstParams {
            scale: self.burst_scale,
            gamma: self.burst_gamma,
        }
    }
}

/// Builds the trend table, sorted by period then theme: `period` (Date),
/// `theme_id` (u32), `count` (u32), `share` (f64), `share_smoothed` (f64,
/// centred rolling mean over `smooth` periods of the theme) and `partial`
/// (bool: the first or last period, not fully covered by the posts).
/// `counts` holds (period start in days since 1970-01-01, theme id, posts);
/// `ids` lists every theme id, so themes without posts get their rows too;
/// `span` is the earliest and latest post date.
pub fn trend_table(
    counts: &[(i32, u32, u64)],
    ids: &[u32],
    span: Option<(NaiveDate, NaiveDate)>,
    params: &TrendParams,
) -> Result<DataFrame> {
    let k = ids.len();
    let err = |e| Error::polars("building the trend table", e);
    let g = params.granularity;
    let mut distinct: Vec<i32> = counts.iter().map(|c| c.0).collect();
    distinct.sort_unstable();
    distinct.dedup();
    let (first_partial, last_partial) = match span {
        Some((a, b)) => partial_ends(a, b, g),
        None => (false, false),
    };
    let first = distinct.first().copied().unwrap_or(0);
    let last = distinct.last().copied().unwrap_or(0);

    let posts = DataFrame::new(
        counts.len(),
        vec![
            Column::new(
                "period".into(),
                counts.iter().map(|c| c.0).collect::<Vec<_>>(),
            ),
            Column::new(
                "theme_id".into(),
                counts.iter().map(|c| c.1).collect::<Vec<_>>(),
            ),
            Column::new(
                "posts".into(),
                counts.iter().map(|c| c.2).collect::<Vec<_>>(),
            ),
        ],
    )
    .map_err(err)?;
    let grid_periods: Vec<i32> = distinct
        .iter()
        .flat_map(|&p| std::iter::repeat_n(p, k))
        .collect();
    let grid_themes: Vec<u32> = (0..distinct.len())
        .flat_map(|_| ids.iter().copied())
        .collect();
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
        .agg([col("posts").sum().cast(DataType::UInt32).alias("count")]);
    let period_total = col("count").sum().over([col("period")]).map_err(err)?;
    let smoothed = col("share")
        .rolling_mean(RollingOptionsFixedWindow {
            window_size: params.smooth,
            min_periods: 1,
            center: true,
            ..Default::default()
        })
        .over([col("theme_id")])
        .map_err(err)?;
    let partial = (col("period").eq(lit(first)).and(lit(first_partial)))
        .or(col("period").eq(lit(last)).and(lit(last_partial)));
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
        .sort(["theme_id", "period"], SortMultipleOptions::default())
        .with_column(smoothed.alias("share_smoothed"))
        .with_column(partial.alias("partial"))
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
    /// Whether each period is only partly covered by the posts.
    pub partial: Vec<bool>,
    /// Posts of each theme in each period.
    pub count: Vec<Vec<u32>>,
    /// Share of each theme in each period.
    pub share: Vec<Vec<f64>>,
    /// Smoothed share of each theme in each period.
    pub smoothed: Vec<Vec<f64>>,
}

impl TrendMatrix {
    /// Reads a table made by [`trend_table`] for the themes `ids` (theme
    /// `ids[t]` becomes row `t` of the arrays).
    pub fn from_table(df: &DataFrame, ids: &[u32]) -> Result<Self> {
        let k = ids.len();
        let index: std::collections::HashMap<u32, usize> =
            ids.iter().enumerate().map(|(t, &id)| (id, t)).collect();
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
        let f64_col = |name: &str| df.column(name).and_then(|c| c.f64().cloned()).map_err(err);
        let share = f64_col("share")?;
        let smoothed = f64_col("share_smoothed")?;
        let partial = df
            .column("partial")
            .and_then(|c| c.bool().cloned())
            .map_err(err)?;
        let mut m = TrendMatrix {
            count: vec![Vec::new(); k],
            share: vec![Vec::new(); k],
            smoothed: vec![Vec::new(); k],
            ..Default::default()
        };
        for i in 0..df.height() {
            let (Some(p), Some(t)) = (period.get(i), theme.get(i)) else {
                continue;
            };
            let date = from_epoch_days(p);
            if m.periods.last() != Some(&date) {
                m.periods.push(date);
                m.partial.push(partial.get(i).unwrap_or(false));
            }
            let Some(&t) = index.get(&t) else {
                continue;
            };
            m.count[t].push(count.get(i).unwrap_or(0));
            m.share[t].push(share.get(i).unwrap_or(0.0));
            m.smoothed[t].push(smoothed.get(i).unwrap_or(0.0));
        }
        Ok(m)
    }

    /// Posts of all themes in each period.
    pub fn totals(&self) -> Vec<u32> {
        let mut totals = vec![0u32; self.periods.len()];
        for row in &self.count {
            totals.iter_mut().zip(row).for_each(|(t, &c)| *t += c);
        }
        totals
    }
}

/// A burst of one theme, with dates.
#[derive(Debug, Clone, PartialEq)]
pub struct ThemeBurst {
    /// The theme.
    pub theme: ThemeIdx,
    /// First period of the burst.
    pub start: NaiveDate,
    /// Last period of the burst.
    pub end: NaiveDate,
    /// Log-likelihood gained over the theme's usual rate.
    pub strength: f64,
    /// The period of the burst with the largest share.
    pub peak: NaiveDate,
    /// That share.
    pub peak_share: f64,
    /// Whether the burst runs into the last period.
    pub ongoing: bool,
}

/// Every burst of every theme, newest first (then strongest first).
pub fn bursts(m: &TrendMatrix, params: &TrendParams) -> Vec<ThemeBurst> {
    let totals = m.totals();
    let last = m.periods.len().saturating_sub(1);
    let mut out: Vec<ThemeBurst> = m
        .count
        .iter()
        .enumerate()
        .flat_map(|(t, counts)| {
            burst::detect(counts, &totals, params.get_burst())
                .into_iter()
                .map(move |b| (t, b))
        })
        .map(|(t, b)| {
            let peak = (b.start..=b.end)
                .max_by(|&i, &j| m.share[t][i].total_cmp(&m.share[t][j]).then(j.cmp(&i)))
                .unwrap_or(b.start);
            ThemeBurst {
                theme: ThemeIdx(t as u32),
                start: m.periods[b.start],
                end: m.periods[b.end],
                strength: b.strength,
                peak: m.periods[peak],
                peak_share: m.share[t][peak],
                ongoing: b.end == last,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.start
            .cmp(&a.start)
            .then(b.strength.total_cmp(&a.strength))
            .then(a.theme.cmp(&b.theme))
    });
    out
}

/// A theme's recent share against its long-run share.
#[derive(Debug, Clone, PartialEq)]
pub struct Momentum {
    /// The theme.
    pub theme: ThemeIdx,
    /// Share of the theme in the last `recent` periods' posts.
    pub recent_share: f64,
    /// Share of the theme in all posts.
    pub long_run_share: f64,
    /// `recent_share − long_run_share`.
    pub change: f64,
    /// `recent_share / long_run_share` (0 when the theme has no post).
    pub ratio: f64,
}

/// Momentum of every theme over the last `recent` periods, in theme order.
pub fn momentum(m: &TrendMatrix, params: &TrendParams) -> Vec<Momentum> {
    let n = m.periods.len();
    let from = n.saturating_sub(params.recent);
    let totals = m.totals();
    let recent_total: u64 = totals[from..].iter().map(|&x| x as u64).sum();
    let all_total: u64 = totals.iter().map(|&x| x as u64).sum();
    m.count
        .iter()
        .enumerate()
        .map(|(t, counts)| {
            let recent: u64 = counts[from..].iter().map(|&x| x as u64).sum();
            let all: u64 = counts.iter().map(|&x| x as u64).sum();
            let recent_share = recent as f64 / recent_total.max(1) as f64;
            let long_run_share = all as f64 / all_total.max(1) as f64;
            Momentum {
                theme: ThemeIdx(t as u32),
                recent_share,
                long_run_share,
                change: recent_share - long_run_share,
                ratio: if long_run_share > 0.0 {
                    recent_share / long_run_share
                } else {
                    0.0
                },
            }
        })
        .collect()
}

/// The momenta ordered as `momentum.csv` lists them: largest gain in share
/// first (ties by theme order).
pub fn largest_gain_first(momentum: &[Momentum]) -> Vec<&Momentum> {
    let mut rows: Vec<&Momentum> = momentum.iter().collect();
    rows.sort_by(|a, b| b.change.total_cmp(&a.change).then(a.theme.cmp(&b.theme)));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::epoch_days;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// The trend table of posts given one by one (date, theme id).
    fn table_of(dates: &[NaiveDate], themes: &[u32], ids: &[u32], p: &TrendParams) -> DataFrame {
        let mut counts: std::collections::BTreeMap<(i32, u32), u64> = Default::default();
        for (d, &t) in dates.iter().zip(themes) {
            *counts
                .entry((epoch_days(p.granularity.period_start(*d)), t))
                .or_default() += 1;
        }
        let counts: Vec<(i32, u32, u64)> =
            counts.into_iter().map(|((p, t), c)| (p, t, c)).collect();
        let span = dates
            .iter()
            .min()
            .zip(dates.iter().max())
            .map(|(a, b)| (*a, *b));
        trend_table(&counts, ids, span, p).unwrap()
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
    fn partial_periods_are_those_the_posts_do_not_cover() {
        let g = Granularity::Month;
        assert_eq!(
            partial_ends(d("2022-09-24"), d("2026-08-22"), g),
            (true, true)
        );
        assert_eq!(
            partial_ends(d("2022-09-01"), d("2026-08-31"), g),
            (false, false)
        );
        assert_eq!(
            partial_ends(d("2024-01-01"), d("2024-01-07"), Granularity::Week),
            (false, false)
        );
        assert_eq!(
            partial_ends(d("2024-01-03"), d("2024-01-03"), Granularity::Day),
            (false, false)
        );
    }

    #[test]
    fn smoothing_bursts_and_momentum_follow_the_counts() {
        // Theme 1 surges in the last two of eight months.
        let mut dates = Vec::new();
        let mut themes = Vec::new();
        for m in 1..=8u32 {
            for i in 0..20u32 {
                dates.push(NaiveDate::from_ymd_opt(2024, m, 1 + i % 28).unwrap());
                let surge = m >= 7 && i < 10;
                themes.push(if surge || i == 0 { 1 } else { 0 });
            }
        }
        let p = TrendParams::default();
        let t = table_of(&dates, &themes, &[0, 1], &p);
        let m = TrendMatrix::from_table(&t, &[0, 1]).unwrap();
        assert_eq!(m.periods.len(), 8);
        // Centred mean of 3: month 2 of theme 1 = mean of months 1-3.
        assert!((m.smoothed[1][1] - 0.05).abs() < 1e-12);
        assert!((m.smoothed[1][7] - (0.5 + 0.5) / 2.0).abs() < 1e-12);
        // Posts run from 1 January to 20 August: August is partial.
        assert_eq!(
            m.partial,
            [false, false, false, false, false, false, false, true]
        );
        let b = bursts(&m, &p);
        assert_eq!(b.len(), 1, "{b:?}");
        assert_eq!(b[0].theme, ThemeIdx(1));
        assert_eq!(b[0].start, d("2024-07-01"));
        assert!(b[0].ongoing);
        let mo = momentum(&m, &p);
        // Last 3 months: 1 + 10 + 10 of 60 posts; all months: 26 of 160.
        assert!((mo[1].recent_share - 21.0 / 60.0).abs() < 1e-12);
        assert!((mo[1].long_run_share - 26.0 / 160.0).abs() < 1e-12);
        assert!((mo[1].change - (21.0 / 60.0 - 26.0 / 160.0)).abs() < 1e-12);
        assert!((mo[1].ratio - (21.0 / 60.0) / (26.0 / 160.0)).abs() < 1e-12);
    }

    #[test]
    fn momentum_compares_the_recent_periods_with_all_and_lists_gains_first() {
        // Four months of 20 posts; per month the posts of themes 0, 1, 2:
        // theme 0 fades, theme 1 rises, theme 2 stays about level.
        let per_month = [[10u32, 0, 10], [10, 2, 8], [4, 8, 8], [2, 10, 8]];
        let mut dates = Vec::new();
        let mut themes = Vec::new();
        for (m, counts) in per_month.iter().enumerate() {
            let mut day = 1;
            for (t, &c) in counts.iter().enumerate() {
                for _ in 0..c {
                    dates.push(NaiveDate::from_ymd_opt(2024, m as u32 + 1, day).unwrap());
                    themes.push(t as u32);
                    day += 1;
                }
            }
        }
        let p = TrendParams {
            recent: 2,
            ..Default::default()
        };
        let t = table_of(&dates, &themes, &[0, 1, 2], &p);
        let m = TrendMatrix::from_table(&t, &[0, 1, 2]).unwrap();
        let mo = momentum(&m, &p);
        // Recent = the last two months (40 posts); long run = all 80.
        let want = [
            (6.0 / 40.0, 26.0 / 80.0),
            (18.0 / 40.0, 20.0 / 80.0),
            (16.0 / 40.0, 34.0 / 80.0),
        ];
        for (t, (recent, long)) in want.into_iter().enumerate() {
            let got = &mo[t];
            assert_eq!(got.theme.get(), t);
            assert!((got.recent_share - recent).abs() < 1e-12, "{got:?}");
            assert!((got.long_run_share - long).abs() < 1e-12, "{got:?}");
            assert!((got.change - (recent - long)).abs() < 1e-12, "{got:?}");
            assert!((got.ratio - recent / long).abs() < 1e-12, "{got:?}");
        }
        // momentum.csv order: the riser (+0.20), the level one (-0.025),
        // the fading one (-0.175).
        let order: Vec<usize> = largest_gain_first(&mo)
            .iter()
            .map(|x| x.theme.get())
            .collect();
        assert_eq!(order, [1, 2, 0]);
        // Equal changes keep theme order.
        let mut tied = mo.clone();
        tied[0].change = tied[2].change;
        let order: Vec<usize> = largest_gain_first(&tied)
            .iter()
            .map(|x| x.theme.get())
            .collect();
        assert_eq!(order, [1, 0, 2]);
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
        let t = table_of(&dates, &themes, &[0, 1, 2], &TrendParams::default());
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
        let m = TrendMatrix::from_table(&t, &[0, 1, 2]).unwrap();
        assert_eq!(m.periods, vec![d("2024-01-01"), d("2024-03-01")]);
        assert_eq!(m.count[1], vec![2, 0]);
        assert_eq!(m.share[2], vec![0.0, 1.0]);
    }
}
