//! Charts (presentation, layer 14): draw the themes and their trends with plotters.
//!
//! Charts, each written as PNG and SVG into the charts folder:
//! `theme_share_area` (stacked share per period of at most twelve bands:
//! every theme, or with more themes the super-themes of
//! [`crate::cluster::group`], with a legend and labels inside the larger
//! bands), `event_timeline` (the events as bars on a time axis, labelled), `theme_small_multiples` (one
//! line chart per theme), `theme_heatmap` (theme × period, darker = larger
//! share), `theme_top_terms` (bars of each theme's characteristic words),
//! `k_selection` (the scores of each k tried, when k was chosen),
//! `facet_<field>` per `--facet` (the theme shares of each of the field's
//! largest values over time) and one chart per theme in `themes/`.
//! A theme has the same colour in every chart. Text is drawn with a checked
//! CJK font — the one embedded in the binary, or `--font FILE` (see
//! [`font`]) — so Chinese never turns into boxes.

mod facet;
pub mod font;
mod heatmap;
mod k_selection;
mod small;
mod stacked;
pub mod terms;
mod timeline;
mod top_terms;

use facet::FacetShare;
use heatmap::Heatmap;
use k_selection::KSelection;
use small::{SmallMultiples, ThemeDetail};
use stacked::StackedShare;
use timeline::EventTimeline;
use top_terms::TopTerms;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use rayon::prelude::*;

use crate::analysis::Theme;
use crate::analysis::{Happenings, Trends};
use crate::cluster::group::Group;
use crate::cluster::select::KScore;
use crate::error::{Error, Result};
use crate::look::palette::{self, theme_color};
use crate::look::{facet_stem, period_label};
use crate::time::Granularity;

/// Parameters of the chart stage.
#[derive(Debug, Clone, PartialEq, clap::Args, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ChartParams {
    /// Chart size in pixels.
    #[arg(
        long,
        default_value = "1600x900",
        value_name = "WxH",
        help_heading = "Charts"
    )]
    pub chart_size: ChartSize,

    /// Font file with Chinese glyphs for the charts (default: the one built
    /// into the tool).
    #[arg(long, value_name = "FILE", help_heading = "Charts")]
    pub font: Option<PathBuf>,

    /// Do not draw charts.
    #[arg(long, help_heading = "Charts")]
    pub no_charts: bool,
}

impl Default for ChartParams {
    fn default() -> Self {
        crate::flags::defaults()
    }
}

impl ChartParams {
    /// Checks the values.
    pub fn check(&self) -> Result<()> {
        let ChartSize(width, height) = self.chart_size;
        if !(400..=8000).contains(&width) || !(300..=8000).contains(&height) {
            return Err(Error::param(
                "--chart-size",
                "width must be 400–8000 and height 300–8000 pixels",
            ));
        }
        Ok(())
    }

    /// (width, height) in pixels.
    pub fn get_size(&self) -> (u32, u32) {
        (self.chart_size.0, self.chart_size.1)
    }

    /// The explicit font file, if any.
    pub fn get_font(&self) -> Option<&Path> {
        self.font.as_deref()
    }
}

crate::serde_as_text!(ChartSize);

/// `--chart-size`: `WIDTHxHEIGHT` in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartSize(pub u32, pub u32);

impl From<(u32, u32)> for ChartSize {
    fn from((w, h): (u32, u32)) -> Self {
        ChartSize(w, h)
    }
}

impl std::str::FromStr for ChartSize {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        parse_size(s).map(ChartSize::from)
    }
}

impl std::fmt::Display for ChartSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}x{}", self.0, self.1)
    }
}

/// Parses `WxH` (e.g. `1600x900`).
pub fn parse_size(s: &str) -> std::result::Result<(u32, u32), String> {
    let (w, h) = s
        .split_once(['x', 'X', '×'])
        .ok_or_else(|| format!("'{s}' is not WIDTHxHEIGHT, e.g. 1600x900"))?;
    let parse = |v: &str| {
        v.trim()
            .parse::<u32>()
            .map_err(|_| format!("'{s}' is not WIDTHxHEIGHT, e.g. 1600x900"))
    };
    Ok((parse(w)?, parse(h)?))
}

/// What the charts show.
pub struct ChartInput<'a> {
    /// Themes, in report order (each carries its stable id).
    pub themes: &'a [Theme],
    /// Counts, shares, bursts per theme and period.
    pub trends: &'a Trends,
    /// Period length, for axis labels and titles.
    pub granularity: Granularity,
    /// Candidates scored by `--k auto` (empty when k was fixed).
    pub k_selection: &'a [KScore],
    /// The bands of the stacked share chart (super-themes).
    pub groups: &'a [Group],
    /// Events and rising words.
    pub happenings: &'a Happenings,
}

type DrawResult<DB> =
    std::result::Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// One chart, drawable on any plotters backend.
trait Chart: Sync {
    /// File name without extension, relative to the charts folder.
    fn stem(&self) -> String;
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        input: &ChartInput,
    ) -> DrawResult<DB>;
}

/// What [`draw_all`] drew.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawn {
    /// The files written.
    pub files: Vec<PathBuf>,
    /// The font they were drawn with: the `--font` file or
    /// [`font::EMBEDDED_NAME`].
    pub font: String,
}

/// Draws every chart into `dir` as PNG and SVG.
pub fn draw_all(dir: &Path, input: &ChartInput, params: &ChartParams) -> Result<Drawn> {
    let font = font::ensure_font(params.get_font())?;
    std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
    let themes_dir = dir.join("themes");
    std::fs::create_dir_all(&themes_dir).map_err(|e| Error::write(&themes_dir, e))?;
    let size = params.get_size();
    let (main, details) = rayon::join(
        || {
            let mut out = vec![
                render(&StackedShare, dir, input, size, true),
                render(&SmallMultiples, dir, input, size, true),
                render(&Heatmap, dir, input, size, true),
                render(&TopTerms, dir, input, size, true),
            ];
            if !input.k_selection.is_empty() {
                out.push(render(&KSelection, dir, input, size, true));
            }
            if !input.happenings.events.is_empty() {
                let rows = EventTimeline::shown(input).len() as u32;
                let height = (130 + 30 * rows).max(size.1 / 2);
                out.push(render(&EventTimeline, dir, input, (size.0, height), true));
            }
            for (f, view) in input.trends.facets.iter().enumerate() {
                out.push(render(
                    &FacetShare(f, view.facet.clone()),
                    dir,
                    input,
                    size,
                    true,
                ));
            }
            out
        },
        || {
            let detail = (size.0.min(1000), (size.1 / 3).max(260));
            (0..input.themes.len())
                .into_par_iter()
                .map(|t| {
                    render(
                        &ThemeDetail((t, input.themes[t].id)),
                        dir,
                        input,
                        detail,
                        false,
                    )
                })
                .collect::<Vec<_>>()
        },
    );
    let mut files = Vec::new();
    for drawn in main.into_iter().chain(details) {
        files.extend(drawn?);
    }
    Ok(Drawn {
        files,
        font: font.display().to_string(),
    })
}

/// Draws `chart` as PNG (and SVG when `svg`); returns the files written.
fn render<C: Chart>(
    chart: &C,
    dir: &Path,
    input: &ChartInput,
    size: (u32, u32),
    svg: bool,
) -> Result<Vec<PathBuf>> {
    crate::interrupt::check()?;
    let stem = chart.stem();
    let fail = |e: String| Error::Chart {
        name: stem.clone(),
        reason: e,
    };
    let png = dir.join(format!("{stem}.png"));
    {
        let root = BitMapBackend::new(&png, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
        chart.draw(&root, input).map_err(|e| fail(e.to_string()))?;
        root.present().map_err(|e| fail(e.to_string()))?;
    }
    let mut files = vec![png];
    if svg {
        let path = dir.join(format!("{stem}.svg"));
        {
            let root = SVGBackend::new(&path, size).into_drawing_area();
            root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
            chart.draw(&root, input).map_err(|e| fail(e.to_string()))?;
            root.present().map_err(|e| fail(e.to_string()))?;
        }
        files.push(path);
    }
    Ok(files)
}

fn text_style<'a>(size: f64) -> TextStyle<'a> {
    (font::FAMILY, size).into_font().color(&BLACK)
}

fn granularity_zh(g: Granularity) -> &'static str {
    match g {
        Granularity::Day => "按日",
        Granularity::Week => "按周",
        Granularity::Month => "按月",
    }
}

/// The colour of the theme at index `t`: by its id, so a theme keeps its
/// colour from one run to the next.
fn colour(input: &ChartInput, t: usize) -> RGBColor {
    theme_color(input.themes[t].id as usize)
}

/// A darker [`colour`] for text.
fn text_colour(input: &ChartInput, t: usize) -> RGBColor {
    palette::theme_text_color(input.themes[t].id as usize)
}

/// Rough width in pixels of `text` at `px`: CJK characters are one em,
/// others about half.
fn text_width(text: &str, px: f64) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.55 } else { 1.0 })
        .sum::<f64>()
        * px
}

/// "T3 春运·铁路·旅客" — how a theme is named in charts.
fn theme_name(t: &Theme) -> String {
    format!("T{} {}", t.id, t.label)
}

/// Cuts a name to `max` characters with an ellipsis.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// Index-based x range that also works for a single period.
fn x_range(n_periods: usize) -> std::ops::Range<f64> {
    if n_periods <= 1 {
        -0.5..0.5
    } else {
        0.0..(n_periods - 1) as f64
    }
}

fn x_formatter<'a>(periods: &'a [NaiveDate], g: Granularity) -> impl Fn(&f64) -> String + 'a {
    move |x: &f64| {
        let i = x.round();
        if (x - i).abs() > 1e-6 || i < 0.0 || i as usize >= periods.len() {
            String::new()
        } else {
            period_label(periods[i as usize], g)
        }
    }
}

/// Number of x labels that fit: about one per 110 pixels.
fn x_label_count(width: u32, n_periods: usize) -> usize {
    ((width / 110) as usize).clamp(2, 24).min(n_periods.max(2))
}

/// Splits `n` panels into a grid that suits a wide canvas: (rows, cols).
fn grid(n: usize) -> (usize, usize) {
    let cols = ((n as f64 * 1.8).sqrt().ceil() as usize).clamp(1, 10);
    let rows = n.div_ceil(cols).max(1);
    (rows, cols)
}

/// Draws one theme's share over time into `area`: the raw share as a faint
/// line, the smoothed share bold, burst periods shaded in the theme's colour
/// and partial periods in grey. `x_labels` labels on the time axis.
fn draw_theme_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    input: &ChartInput,
    t: usize,
    font_px: f64,
    x_labels: usize,
) -> DrawResult<DB> {
    let m = &input.trends.matrix;
    let periods = &m.periods;
    let raw = &m.share[t];
    let smooth = &m.smoothed[t];
    let max = raw.iter().copied().fold(0.0, f64::max).max(1e-3) * 1.1;
    let (w, _) = area.dim_in_pixel();
    let mut chart = ChartBuilder::on(area)
        .caption(
            shorten(&theme_name(&input.themes[t]), (w as f64 / font_px) as usize),
            text_style(font_px + 1.0).color(&text_colour(input, t)),
        )
        .margin(6)
        .x_label_area_size(font_px * 1.8)
        .y_label_area_size(font_px * 3.2)
        .build_cartesian_2d(x_range(periods.len()), 0f64..max)?;
    let fmt = x_formatter(periods, input.granularity);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(x_labels)
        .y_labels(4)
        .x_label_formatter(&fmt)
        .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
        .label_style(text_style(font_px * 0.8))
        .draw()?;
    let band = |from: usize, to: usize| [(from as f64 - 0.5, 0.0), (to as f64 + 0.5, max)];
    let bursts = input.trends.bursts.iter().filter(|b| b.theme.get() == t);
    chart.draw_series(bursts.map(|b| {
        let from = periods.binary_search(&b.start).unwrap_or(0);
        let to = periods.binary_search(&b.end).unwrap_or(from);
        Rectangle::new(band(from, to), colour(input, t).mix(0.18).filled())
    }))?;
    chart.draw_series(
        (0..periods.len())
            .filter(|&i| m.partial[i])
            .map(|i| Rectangle::new(band(i, i), BLACK.mix(0.08).filled())),
    )?;
    let pts = |v: &[f64]| -> Vec<(f64, f64)> {
        v.iter().enumerate().map(|(i, &s)| (i as f64, s)).collect()
    };
    chart.draw_series(LineSeries::new(
        pts(raw),
        colour(input, t).mix(0.35).stroke_width(1),
    ))?;
    chart.draw_series(LineSeries::new(
        pts(smooth),
        colour(input, t).stroke_width(2),
    ))?;
    Ok(())
}

const PANEL_NOTE: &str = "粗线 = 平滑占比，细线 = 原始占比，色块 = 爆发期，灰 = 数据不完整的周期 · bold: smoothed share, thin: raw, shaded: bursts, grey: partial periods";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("1600x900"), Ok((1600, 900)));
        assert_eq!(parse_size("800X600"), Ok((800, 600)));
        assert!(parse_size("big").is_err());
        let small = ChartParams {
            chart_size: ChartSize(10, 10),
            ..Default::default()
        };
        assert!(small.check().is_err());
    }

    #[test]
    fn grids_hold_every_panel() {
        for n in 1..70 {
            let (r, c) = grid(n);
            assert!(r * c >= n, "{n}");
            assert!(c <= 10);
        }
    }

    #[test]
    fn long_names_are_shortened_with_an_ellipsis() {
        assert_eq!(shorten("一二三四五", 3), "一二…");
        assert_eq!(shorten("一二", 3), "一二");
    }
}
