//! Theme shares within each value of a facet: per outlet, per category, per
//! tag, per any front-matter field or table column (`--facet FIELD`).
//!
//! For every (facet, value, period, theme) with posts: `count`, the theme's
//! posts among that value's posts of the period, and `share`, that count
//! over all the value's posts of the period, so that within one value and
//! period the shares sum to 1. A post whose field holds a list counts once
//! under each of its values; a post without the field is not counted in
//! that facet. Rows with no post are left out (a tag facet can have
//! thousands of values). The counting is a polars group-by; the views for
//! the report page are read back from that one table.

use chrono::NaiveDate;
use polars::prelude::*;

use crate::error::{Error, Result};
use crate::time::from_epoch_days;

/// Builds `trends_by_facet`: `facet, value, period (Date), theme_id, count
/// (u32), share (f64)`, sorted by facet (in the order of `names`), value,
/// period and theme. `counts` holds (facet index, value, period start in
/// days since 1970-01-01, theme id, posts).
pub fn facet_table(names: &[String], counts: &[(u16, &str, i32, u32, u64)]) -> Result<DataFrame> {
    let err = |e| Error::polars("building the facet table", e);
    let rows = DataFrame::new(
        counts.len(),
        vec![
            Column::new(
                "facet_index".into(),
                counts.iter().map(|c| c.0 as u32).collect::<Vec<_>>(),
            ),
            Column::new(
                "value".into(),
                counts.iter().map(|c| c.1).collect::<Vec<_>>(),
            ),
            Column::new(
                "period".into(),
                counts.iter().map(|c| c.2).collect::<Vec<_>>(),
            ),
            Column::new(
                "theme_id".into(),
                counts.iter().map(|c| c.3).collect::<Vec<_>>(),
            ),
            Column::new(
                "posts".into(),
                counts.iter().map(|c| c.4).collect::<Vec<_>>(),
            ),
        ],
    )
    .map_err(err)?;
    let keys = [col("facet_index"), col("value"), col("period")];
    let total = col("count").sum().over(keys).map_err(err)?;
    let names = Series::new("facet".into(), names.to_vec());
    rows.lazy()
        .group_by([
            col("facet_index"),
            col("value"),
            col("period"),
            col("theme_id"),
        ])
        .agg([col("posts").sum().cast(DataType::UInt32).alias("count")])
        .with_column(
            (col("count").cast(DataType::Float64) / total.cast(DataType::Float64)).alias("share"),
        )
        .sort(
            ["facet_index", "value", "period", "theme_id"],
            SortMultipleOptions::default(),
        )
        .with_column(col("period").cast(DataType::Date))
        .collect()
        .and_then(|mut df| {
            let index = df.column("facet_index")?.u32()?.clone();
            let facet: Vec<&str> = index
                .iter()
                .map(|i| {
                    names
                        .str()
                        .ok()
                        .and_then(|s| s.get(i? as usize))
                        .unwrap_or("")
                })
                .collect();
            let facet = Column::new("facet".into(), facet);
            df.drop_in_place("facet_index")?;
            df.insert_column(0, facet)?;
            Ok(df)
        })
        .map_err(err)
}

/// One value of a facet, as the report page and its chart show it.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueView {
    /// The value (an outlet, a category…).
    pub value: String,
    /// Posts with this value, all periods.
    pub posts: u64,
    /// Posts per theme index (themes in report order).
    pub theme_posts: Vec<u64>,
    /// Posts per theme index in each period of the trend matrix:
    /// `counts[theme][period]`.
    pub counts: Vec<Vec<u32>>,
    /// The value's posts in each period.
    pub totals: Vec<u32>,
}

/// A facet as the report page shows it: its largest values.
#[derive(Debug, Clone, PartialEq)]
pub struct FacetView {
    /// The field name, as given to `--facet`.
    pub facet: String,
    /// How many distinct values the facet has.
    pub distinct: usize,
    /// The values with most posts, largest first (ties by value).
    pub values: Vec<ValueView>,
}

/// Reads the largest `top` values of every facet back from a table made by
/// [`facet_table`]. `ids` are the theme ids in report order, `periods` the
/// trend matrix's periods.
pub fn views(
    table: &DataFrame,
    names: &[String],
    ids: &[u32],
    periods: &[NaiveDate],
    top: usize,
) -> Result<Vec<FacetView>> {
    let err = |e| Error::polars("reading the facet table", e);
    let facet = table
        .column("facet")
        .and_then(|c| c.str().cloned())
        .map_err(err)?;
    let value = table
        .column("value")
        .and_then(|c| c.str().cloned())
        .map_err(err)?;
    let period = table
        .column("period")
        .and_then(|c| c.cast(&DataType::Int32))
        .map_err(err)?;
    let period = period.i32().map_err(err)?;
    let theme = table
        .column("theme_id")
        .and_then(|c| c.u32().cloned())
        .map_err(err)?;
    let count = table
        .column("count")
        .and_then(|c| c.u32().cloned())
        .map_err(err)?;
    let theme_index: std::collections::HashMap<u32, usize> =
        ids.iter().enumerate().map(|(t, &id)| (id, t)).collect();
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        // Rows of one facet are contiguous and sorted by value.
        let mut by_value: Vec<ValueView> = Vec::new();
        for i in 0..table.height() {
            if facet.get(i) != Some(name.as_str()) {
                continue;
            }
            let (Some(v), Some(p), Some(t), Some(c)) =
                (value.get(i), period.get(i), theme.get(i), count.get(i))
            else {
                continue;
            };
            if by_value.last().is_none_or(|last| last.value != v) {
                by_value.push(ValueView {
                    value: v.to_string(),
                    posts: 0,
                    theme_posts: vec![0; ids.len()],
                    counts: vec![vec![0; periods.len()]; ids.len()],
                    totals: vec![0; periods.len()],
                });
            }
            let view = by_value.last_mut().expect("pushed");
            let Some(&t) = theme_index.get(&t) else {
                continue;
            };
            let Ok(p) = periods.binary_search(&from_epoch_days(p)) else {
                continue;
            };
            view.posts += c as u64;
            view.theme_posts[t] += c as u64;
            view.counts[t][p] += c;
            view.totals[p] += c;
        }
        let distinct = by_value.len();
        by_value.sort_by(|a, b| b.posts.cmp(&a.posts).then(a.value.cmp(&b.value)));
        by_value.truncate(top);
        out.push(FacetView {
            facet: name.clone(),
            distinct,
            values: by_value,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::epoch_days;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, m, d).unwrap()
    }

    #[test]
    fn shares_within_a_value_and_period_sum_to_one() {
        let names = vec!["source".to_string(), "tags".to_string()];
        let jan = epoch_days(day(1, 1));
        let feb = epoch_days(day(2, 1));
        let counts = [
            (0u16, "新华社", jan, 0u32, 1u64),
            (0, "新华社", jan, 1, 1),
            (0, "证券时报", feb, 0, 1),
            (1, "财经", jan, 0, 1),
            (1, "财经", jan, 1, 2),
            (1, "央行", jan, 0, 1),
        ];
        let t = facet_table(&names, &counts).unwrap();
        let facet = t.column("facet").unwrap().str().unwrap().clone();
        let value = t.column("value").unwrap().str().unwrap().clone();
        let count = t.column("count").unwrap().u32().unwrap().clone();
        let share = t.column("share").unwrap().f64().unwrap().clone();
        let rows: Vec<(String, String, u32, f64)> = (0..t.height())
            .map(|i| {
                (
                    facet.get(i).unwrap().to_string(),
                    value.get(i).unwrap().to_string(),
                    count.get(i).unwrap(),
                    share.get(i).unwrap(),
                )
            })
            .collect();
        assert_eq!(rows[0], ("source".into(), "新华社".into(), 1, 0.5));
        assert_eq!(rows[1], ("source".into(), "新华社".into(), 1, 0.5));
        assert_eq!(rows[2], ("source".into(), "证券时报".into(), 1, 1.0));
        let cai: Vec<f64> = rows.iter().filter(|r| r.1 == "财经").map(|r| r.3).collect();
        assert!((cai[0] - 1.0 / 3.0).abs() < 1e-12 && (cai[1] - 2.0 / 3.0).abs() < 1e-12);
        let views = views(&t, &names, &[0, 1], &[day(1, 1), day(2, 1)], 10).unwrap();
        assert_eq!(views[1].values[0].value, "财经");
        assert_eq!(views[1].values[0].theme_posts, vec![1, 2]);
        assert_eq!(views[0].distinct, 2);
        assert_eq!(views[0].values[1].totals, vec![0, 1]);
    }
}
