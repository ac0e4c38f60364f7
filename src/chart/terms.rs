//! The chart of `theme-trends terms --chart FILE`: each asked word's share
//! of the analysed posts, period by period, one line per word. PNG or SVG
//! by the file's extension. Assumes the rows of one term are in period
//! order and every term has the same periods (as `terms::term_trends`
//! gives them).

use std::path::Path;

use plotters::prelude::*;

use super::font::FAMILY;
use super::palette::theme_color;
use crate::error::{Error, Result};
use crate::terms::TermRow;
use crate::time::Granularity;

/// Draws the share of each term over time into `path` (`.png` or `.svg`).
pub fn draw_term_trends(
    path: &Path,
    rows: &[TermRow],
    granularity: Granularity,
    size: (u32, u32),
    font: Option<&Path>,
) -> Result<()> {
    super::font::ensure_font(font)?;
    let fail = |e: String| Error::Chart {
        name: path.display().to_string(),
        reason: e,
    };
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("png") => {
            let root = BitMapBackend::new(path, size).into_drawing_area();
            draw(&root, rows, granularity).map_err(|e| fail(e.to_string()))?;
            root.present().map_err(|e| fail(e.to_string()))
        }
        Some("svg") => {
            let root = SVGBackend::new(path, size).into_drawing_area();
            draw(&root, rows, granularity).map_err(|e| fail(e.to_string()))?;
            root.present().map_err(|e| fail(e.to_string()))
        }
        _ => Err(Error::param(
            "--chart",
            format!("{}: the file name must end in .png or .svg", path.display()),
        )),
    }
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    rows: &[TermRow],
    granularity: Granularity,
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let mut terms: Vec<&str> = Vec::new();
    for r in rows {
        if !terms.contains(&r.term.as_str()) {
            terms.push(&r.term);
        }
    }
    let periods: Vec<chrono::NaiveDate> = rows
        .iter()
        .filter(|r| r.term == terms[0])
        .map(|r| r.period)
        .collect();
    let n = periods.len().max(2);
    let top = rows
        .iter()
        .map(|r| r.share * 100.0)
        .fold(0.0, f64::max)
        .max(0.1)
        * 1.1;
    let mut chart = ChartBuilder::on(root)
        .caption(
            format!(
                "词频趋势 · share of posts containing the word, by {}",
                granularity.name()
            ),
            (FAMILY, 22),
        )
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..(n - 1) as f64, 0f64..top)?;
    let label_period = |x: &f64| {
        periods
            .get(x.round() as usize)
            .map(|d| {
                d.format(if granularity == Granularity::Month {
                    "%Y-%m"
                } else {
                    "%Y-%m-%d"
                })
                .to_string()
            })
            .unwrap_or_default()
    };
    chart
        .configure_mesh()
        .x_labels(8)
        .x_label_formatter(&label_period)
        .y_desc("% of posts")
        .label_style((FAMILY, 14))
        .axis_desc_style((FAMILY, 15))
        .draw()?;
    for (i, term) in terms.iter().enumerate() {
        let colour = theme_color(i);
        let points: Vec<(f64, f64)> = rows
            .iter()
            .filter(|r| r.term == *term)
            .enumerate()
            .map(|(x, r)| (x as f64, r.share * 100.0))
            .collect();
        chart
            .draw_series(LineSeries::new(points, colour.stroke_width(2)))?
            .label(term.to_string())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(3))
            });
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .label_font((FAMILY, 16))
        .position(SeriesLabelPosition::UpperLeft)
        .draw()?;
    Ok(())
}
