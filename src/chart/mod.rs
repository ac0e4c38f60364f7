//! Stage 8, chart: draw the themes and their trends with plotters.
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

pub mod font;
pub mod palette;
pub mod terms;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use rayon::prelude::*;

use crate::analysis::{Happenings, Trends};
use crate::cluster::group::Group;
use crate::cluster::select::KScore;
use crate::error::{Error, Result};
use crate::label::Theme;
use crate::time::Granularity;
use palette::theme_color;

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

/// How a period is written on an axis.
pub fn period_label(d: NaiveDate, g: Granularity) -> String {
    match g {
        Granularity::Month => d.format("%Y-%m").to_string(),
        _ => d.format("%Y-%m-%d").to_string(),
    }
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

struct StackedShare;

impl Chart for StackedShare {
    fn stem(&self) -> String {
        "theme_share_area".into()
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        input: &ChartInput,
    ) -> DrawResult<DB> {
        let (w, h) = root.dim_in_pixel();
        let k = input.groups.len();
        let periods = &input.trends.matrix.periods;
        let legend_w = (w as f64 * 0.26) as u32;
        let (plot, legend) = root.split_horizontally(w - legend_w);
        let mut chart = ChartBuilder::on(&plot)
            .caption(
                format!(
                    "各主题占比（{}）· share of posts per theme{}",
                    granularity_zh(input.granularity),
                    if input.groups.len() < input.themes.len() {
                        " group"
                    } else {
                        ""
                    }
                ),
                text_style(26.0),
            )
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(x_range(periods.len()), 0f64..1f64)?;
        let fmt = x_formatter(periods, input.granularity);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(x_label_count(w - legend_w, periods.len()))
            .x_label_formatter(&fmt)
            .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
            .label_style(text_style(15.0))
            .draw()?;

        let xs: Vec<f64> = if periods.len() == 1 {
            vec![-0.5, 0.5]
        } else {
            (0..periods.len()).map(|i| i as f64).collect()
        };
        let share_at = |g: usize, i: usize| -> f64 {
            let col = if periods.len() == 1 { 0 } else { i };
            input.groups[g]
                .themes
                .iter()
                .map(|&t| input.trends.matrix.share[t][col])
                .sum()
        };
        let mut lower = vec![0f64; xs.len()];
        let mut bands = Vec::with_capacity(k);
        for t in 0..k {
            let upper: Vec<f64> = (0..xs.len()).map(|i| lower[i] + share_at(t, i)).collect();
            let mut pts: Vec<(f64, f64)> = xs.iter().copied().zip(upper.iter().copied()).collect();
            pts.extend(xs.iter().copied().zip(lower.iter().copied()).rev());
            chart.draw_series(std::iter::once(Polygon::new(
                pts,
                group_colour(&input.groups[t]).filled(),
            )))?;
            bands.push((lower.clone(), upper.clone()));
            lower = upper;
        }
        // Labels inside bands thick enough to hold them, thickest bands
        // first, never over an already placed label.
        let plot_h = h as f64 - 120.0;
        let mut spots: Vec<(usize, usize, f64)> = bands
            .iter()
            .enumerate()
            .map(|(t, (lo, up))| {
                let (best, thick) = (0..xs.len())
                    .map(|i| (i, up[i] - lo[i]))
                    .fold((0, 0.0), |a, b| if b.1 > a.1 { b } else { a });
                (t, best, thick)
            })
            .filter(|&(_, _, thick)| thick * plot_h >= 22.0)
            .collect();
        spots.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
        let mut placed: Vec<(i32, i32, i32, i32)> = Vec::new();
        let label_px = 15.0;
        for (t, best, _) in spots {
            let (lo, up) = &bands[t];
            let x = xs[best].clamp(
                xs[0] + (xs[xs.len() - 1] - xs[0]) * 0.06,
                xs[xs.len() - 1] - (xs[xs.len() - 1] - xs[0]) * 0.06,
            );
            let y = (lo[best] + up[best]) / 2.0;
            let text = shorten(&group_name(&input.groups[t]), 18);
            let (cx, cy) = chart.backend_coord(&(x, y));
            let half_w = (text_width(&text, label_px) / 2.0) as i32 + 4;
            let half_h = (label_px / 2.0) as i32 + 2;
            let rect = (cx - half_w, cy - half_h, cx + half_w, cy + half_h);
            if placed
                .iter()
                .any(|p| rect.0 < p.2 && p.0 < rect.2 && rect.1 < p.3 && p.1 < rect.3)
            {
                continue;
            }
            placed.push(rect);
            let style = text_style(label_px).pos(Pos::new(HPos::Center, VPos::Center));
            chart.draw_series(std::iter::once(Text::new(text, (x, y), style)))?;
        }

        // Legend: one row per theme, same order as the stack (top row = top band).
        let row_h = ((h as f64 - 80.0) / k.max(1) as f64).clamp(10.0, 30.0);
        let font_px = (row_h * 0.7).clamp(9.0, 17.0);
        legend.draw(&Text::new(
            "主题 · themes (share of all posts)",
            (8, 20),
            text_style(17.0),
        ))?;
        for (row, t) in (0..k).rev().enumerate() {
            let y = 48 + (row as f64 * row_h) as i32;
            legend.draw(&Rectangle::new(
                [(8, y), (8 + font_px as i32, y + font_px as i32)],
                group_colour(&input.groups[t]).filled(),
            ))?;
            let group = &input.groups[t];
            legend.draw(&Text::new(
                format!(
                    "{} ({:.1}%)",
                    shorten(&group_name(group), 22),
                    group.share * 100.0
                ),
                (14 + font_px as i32, y - 1),
                text_style(font_px),
            ))?;
        }
        Ok(())
    }
}

/// The colour of a band: its largest theme's; grey for "other".
fn group_colour(g: &Group) -> RGBColor {
    g.id.map_or(RGBColor(170, 170, 170), |id| theme_color(id as usize))
}

/// "T3 春运·铁路·旅客" for a band of one theme or a group, "其他 · other"
/// for the rest.
fn group_name(g: &Group) -> String {
    match g.id {
        Some(id) => format!("T{id} {}", g.label),
        None => g.label.clone(),
    }
}

/// The events on a time axis: one bar per event from its first to its
/// last post, in its theme's colour (grey when its posts span themes),
/// labelled with its id and words. The strongest [`EventTimeline::MAX`]
/// events are drawn, earliest at the top.
struct EventTimeline;

impl EventTimeline {
    const MAX: usize = 30;

    fn shown<'a>(input: &'a ChartInput) -> Vec<&'a crate::analysis::Event> {
        let mut ev: Vec<&crate::analysis::Event> = input.happenings.events.iter().collect();
        ev.sort_by(|a, b| b.strength.total_cmp(&a.strength).then(a.id.cmp(&b.id)));
        ev.truncate(Self::MAX);
        ev.sort_by(|a, b| a.start.cmp(&b.start).then(a.id.cmp(&b.id)));
        ev
    }
}

impl Chart for EventTimeline {
    fn stem(&self) -> String {
        "event_timeline".into()
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        input: &ChartInput,
    ) -> DrawResult<DB> {
        let shown = Self::shown(input);
        let periods = &input.trends.matrix.periods;
        let day = |d: NaiveDate| crate::time::epoch_days(d) as f64;
        let lo = periods.first().map_or(0.0, |&d| day(d));
        let hi = periods
            .last()
            .map_or(lo + 1.0, |&d| day(input.granularity.next_start(d)));
        let n = shown.len().max(1);
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!(
                    "事件时间线 · events ({} strongest of {}, by first and last post)",
                    shown.len(),
                    input.happenings.events.len()
                ),
                text_style(24.0),
            )
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(10)
            .build_cartesian_2d(lo..hi.max(lo + 1.0), 0f64..n as f64)?;
        let fmt = |x: &f64| {
            crate::time::from_epoch_days(x.round() as i32)
                .format("%Y-%m")
                .to_string()
        };
        let (w, _) = root.dim_in_pixel();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .disable_y_axis()
            .x_labels(((w / 120) as usize).clamp(2, 20))
            .x_label_formatter(&fmt)
            .label_style(text_style(14.0))
            .draw()?;
        let span = hi - lo;
        for (row, e) in shown.iter().enumerate() {
            let y = (n - 1 - row) as f64;
            let colour = e
                .theme
                .map_or(RGBColor(150, 150, 150), |t| colour(input, t));
            let (a, b) = (day(e.start), day(e.end) + 1.0);
            // At least a few pixels wide, so a one-day event shows.
            let b = b.max(a + span * 0.004);
            chart.draw_series(std::iter::once(Rectangle::new(
                [(a, y + 0.2), (b, y + 0.8)],
                colour.filled(),
            )))?;
            let text = shorten(&format!("E{} {}", e.id, e.label), 24);
            let right = b + span * 0.006;
            let fits = right + text_width(&text, 14.0) / w as f64 * span * 1.1 < hi;
            let (x, pos) = if fits {
                (right, Pos::new(HPos::Left, VPos::Center))
            } else {
                (a - span * 0.006, Pos::new(HPos::Right, VPos::Center))
            };
            chart.draw_series(std::iter::once(Text::new(
                text,
                (x, y + 0.5),
                text_style(14.0).pos(pos),
            )))?;
        }
        Ok(())
    }
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
    let bursts = input.trends.bursts.iter().filter(|b| b.theme == t);
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

struct SmallMultiples;

impl Chart for SmallMultiples {
    fn stem(&self) -> String {
        "theme_small_multiples".into()
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        input: &ChartInput,
    ) -> DrawResult<DB> {
        let (title, body) = root.split_vertically(56);
        title.draw(&Text::new(
            format!(
                "各主题占比走势（{}，各图纵轴独立）· share per theme, own scale",
                granularity_zh(input.granularity)
            ),
            (12, 6),
            text_style(22.0),
        ))?;
        title.draw(&Text::new(PANEL_NOTE, (12, 34), text_style(14.0)))?;
        let k = input.themes.len();
        let (rows, cols) = grid(k);
        let cells = body.split_evenly((rows, cols));
        let (_, cell_h) = cells.first().map(|c| c.dim_in_pixel()).unwrap_or((0, 0));
        let font_px = (cell_h as f64 / 11.0).clamp(9.0, 16.0);
        for (t, cell) in cells.iter().enumerate().take(k) {
            draw_theme_panel(cell, input, t, font_px, 3)?;
        }
        Ok(())
    }
}

/// One theme's trend, larger, for its section of the HTML page: (index,
/// id); the file is named by id.
struct ThemeDetail((usize, u32));

impl Chart for ThemeDetail {
    fn stem(&self) -> String {
        format!("themes/theme_{}", self.0 .1)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        input: &ChartInput,
    ) -> DrawResult<DB> {
        let (w, _) = root.dim_in_pixel();
        draw_theme_panel(
            root,
            input,
            self.0 .0,
            16.0,
            x_label_count(w, input.trends.matrix.periods.len()),
        )
    }
}

struct Heatmap;

impl Chart for Heatmap {
    fn stem(&self) -> String {
        "theme_heatmap".into()
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        input: &ChartInput,
    ) -> DrawResult<DB> {
        let (w, h) = root.dim_in_pixel();
        let periods = &input.trends.matrix.periods;
        let k = input.themes.len();
        let p = periods.len();
        let max = input
            .trends
            .matrix
            .share
            .iter()
            .flatten()
            .copied()
            .fold(0.0, f64::max)
            .max(1e-9);
        let font_px = ((h as f64 - 140.0) / k.max(1) as f64 * 0.7).clamp(9.0, 16.0);
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!(
                    "主题 × 时间热力图（{}，颜色越深占比越高，最深 = {:.1}%）· theme share heatmap",
                    granularity_zh(input.granularity),
                    max * 100.0
                ),
                text_style(22.0),
            )
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size((w as f64 * 0.2) as u32)
            .build_cartesian_2d((0..p).into_segmented(), (0..k).into_segmented())?;
        let label_of = |v: &SegmentValue<usize>| match v {
            SegmentValue::CenterOf(i) if *i < k => {
                shorten(&theme_name(&input.themes[k - 1 - i]), 20)
            }
            _ => String::new(),
        };
        let period_of = |v: &SegmentValue<usize>| match v {
            SegmentValue::CenterOf(i) if *i < p => period_label(periods[*i], input.granularity),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(x_label_count(w, p))
            .y_labels(k)
            .x_label_formatter(&period_of)
            .y_label_formatter(&label_of)
            .label_style(text_style(font_px))
            .draw()?;
        chart.draw_series((0..k).flat_map(|t| {
            let row = k - 1 - t;
            (0..p).map(move |i| {
                let v = (input.trends.matrix.share[t][i] / max).sqrt();
                let shade = RGBColor(
                    (255.0 - v * (255.0 - 8.0)) as u8,
                    (255.0 - v * (255.0 - 48.0)) as u8,
                    (255.0 - v * (255.0 - 107.0)) as u8,
                );
                Rectangle::new(
                    [
                        (SegmentValue::Exact(i), SegmentValue::Exact(row)),
                        (SegmentValue::Exact(i + 1), SegmentValue::Exact(row + 1)),
                    ],
                    shade.filled(),
                )
            })
        }))?;
        Ok(())
    }
}

struct TopTerms;

/// Bars shown per theme.
const BARS: usize = 8;

impl Chart for TopTerms {
    fn stem(&self) -> String {
        "theme_top_terms".into()
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        input: &ChartInput,
    ) -> DrawResult<DB> {
        let (title, body) = root.split_vertically(44);
        title.draw(&Text::new(
            "各主题特征词（c-TF-IDF 权重）· characteristic words per theme",
            (12, 10),
            text_style(22.0),
        ))?;
        let k = input.themes.len();
        let (rows, cols) = grid(k);
        let cells = body.split_evenly((rows, cols));
        let (cell_w, cell_h) = cells.first().map(|c| c.dim_in_pixel()).unwrap_or((0, 0));
        let font_px = (cell_h as f64 / (BARS as f64 + 3.0) * 0.75).clamp(9.0, 16.0);
        for (t, cell) in cells.iter().enumerate().take(k) {
            let terms: Vec<&(String, f32)> = input.themes[t].top_terms.iter().take(BARS).collect();
            let n = terms.len().max(1);
            let max = terms
                .iter()
                .map(|(_, w)| *w as f64)
                .fold(0.0, f64::max)
                .max(1e-9);
            let mut chart = ChartBuilder::on(cell)
                .caption(
                    shorten(
                        &theme_name(&input.themes[t]),
                        (cell_w as f64 / font_px) as usize,
                    ),
                    text_style(font_px + 1.0).color(&colour(input, t).mix(1.0)),
                )
                .margin(6)
                .x_label_area_size(0)
                .y_label_area_size(font_px * 5.5)
                .build_cartesian_2d(0f64..max * 1.05, (0..n).into_segmented())?;
            let term_of = |v: &SegmentValue<usize>| match v {
                SegmentValue::CenterOf(i) if *i < n => terms
                    .get(n - 1 - i)
                    .map(|(s, _)| shorten(s, 6))
                    .unwrap_or_default(),
                _ => String::new(),
            };
            chart
                .configure_mesh()
                .disable_mesh()
                .disable_x_axis()
                .y_labels(n)
                .y_label_formatter(&term_of)
                .label_style(text_style(font_px))
                .draw()?;
            chart.draw_series(terms.iter().enumerate().map(|(rank, (_, weight))| {
                let row = n - 1 - rank;
                Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(row)),
                        (*weight as f64, SegmentValue::Exact(row + 1)),
                    ],
                    colour(input, t).mix(0.85).filled(),
                )
            }))?;
        }
        Ok(())
    }
}

/// The file stem of the chart of facet `name`: letters and digits kept,
/// anything else (a `/` above all) made `_`.
pub fn facet_stem(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("facet_{safe}")
}

/// Values of a facet drawn as panels.
const FACET_PANELS: usize = 6;
/// Themes named in each facet panel; the others are one grey band.
const FACET_THEMES: usize = 6;

/// The theme shares within each of a facet's largest values, one stacked
/// panel per value: which themes an outlet carries and how that changes.
/// (index into the facets, facet name).
struct FacetShare(usize, String);

impl Chart for FacetShare {
    fn stem(&self) -> String {
        facet_stem(&self.1)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        input: &ChartInput,
    ) -> DrawResult<DB> {
        let facet = &input.trends.facets[self.0];
        let periods = &input.trends.matrix.periods;
        let (title, body) = root.split_vertically(48);
        title.draw(&Text::new(
            format!(
                "{} 各取值的主题占比（{}，取值最多的 {} 个，共 {} 个）· theme shares within each {}",
                facet.facet,
                granularity_zh(input.granularity),
                facet.values.len().min(FACET_PANELS),
                facet.distinct,
                facet.facet
            ),
            (12, 12),
            text_style(20.0),
        ))?;
        let shown = &facet.values[..facet.values.len().min(FACET_PANELS)];
        if shown.is_empty() {
            return Ok(());
        }
        let (rows, cols) = match shown.len() {
            1 => (1, 1),
            2 => (1, 2),
            3 => (1, 3),
            4 => (2, 2),
            _ => (2, 3),
        };
        let cells = body.split_evenly((rows, cols));
        for (v, cell) in shown.iter().zip(&cells) {
            let (cw, _) = cell.dim_in_pixel();
            let legend_w = (cw as f64 * 0.36) as u32;
            let (plot, legend) = cell.split_horizontally(cw - legend_w);
            // The value's largest themes, largest at the bottom of the stack.
            let mut order: Vec<usize> = (0..v.theme_posts.len())
                .filter(|&t| v.theme_posts[t] > 0)
                .collect();
            order.sort_by(|&a, &b| v.theme_posts[b].cmp(&v.theme_posts[a]).then(a.cmp(&b)));
            order.truncate(FACET_THEMES);
            let mut chart = ChartBuilder::on(&plot)
                .caption(
                    format!("{} · {} 篇", shorten(&v.value, 18), v.posts),
                    text_style(15.0),
                )
                .margin(6)
                .x_label_area_size(28)
                .y_label_area_size(40)
                .build_cartesian_2d(x_range(periods.len()), 0f64..1f64)?;
            let fmt = x_formatter(periods, input.granularity);
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(3)
                .y_labels(3)
                .x_label_formatter(&fmt)
                .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
                .label_style(text_style(11.0))
                .draw()?;
            let xs: Vec<f64> = if periods.len() == 1 {
                vec![-0.5, 0.5]
            } else {
                (0..periods.len()).map(|i| i as f64).collect()
            };
            let col = |i: usize| if periods.len() == 1 { 0 } else { i };
            let share = |t: usize, i: usize| {
                let total = v.totals[col(i)];
                if total == 0 {
                    0.0
                } else {
                    v.counts[t][col(i)] as f64 / total as f64
                }
            };
            let mut lower = vec![0f64; xs.len()];
            let band = |upper: Vec<f64>, lower: &mut Vec<f64>, colour: RGBColor| {
                let mut pts: Vec<(f64, f64)> =
                    xs.iter().copied().zip(upper.iter().copied()).collect();
                pts.extend(xs.iter().copied().zip(lower.iter().copied()).rev());
                *lower = upper;
                Polygon::new(pts, colour.filled())
            };
            for &t in &order {
                let upper: Vec<f64> = (0..xs.len()).map(|i| lower[i] + share(t, i)).collect();
                let poly = band(upper, &mut lower, colour(input, t));
                chart.draw_series(std::iter::once(poly))?;
            }
            // Periods without posts of this value stay empty, not grey.
            let upper: Vec<f64> = (0..xs.len())
                .map(|i| if v.totals[col(i)] > 0 { 1.0 } else { lower[i] })
                .collect();
            let poly = band(upper, &mut lower, RGBColor(210, 210, 210));
            chart.draw_series(std::iter::once(poly))?;
            // Legend rows in stack order: top row = top band ("other").
            legend.draw(&Rectangle::new(
                [(4, 28), (16, 40)],
                RGBColor(210, 210, 210).filled(),
            ))?;
            legend.draw(&Text::new("其他 · other", (20, 27), text_style(12.0)))?;
            for (row, &t) in order.iter().rev().enumerate() {
                let y = 48 + row as i32 * 20;
                legend.draw(&Rectangle::new(
                    [(4, y), (16, y + 12)],
                    colour(input, t).filled(),
                ))?;
                legend.draw(&Text::new(
                    format!(
                        "{} {:.0}%",
                        shorten(&theme_name(&input.themes[t]), 9),
                        v.theme_posts[t] as f64 * 100.0 / v.posts.max(1) as f64
                    ),
                    (20, y - 1),
                    text_style(12.0),
                ))?;
            }
        }
        Ok(())
    }
}

struct KSelection;

impl Chart for KSelection {
    fn stem(&self) -> String {
        "k_selection".into()
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        input: &ChartInput,
    ) -> DrawResult<DB> {
        let scores = input.k_selection;
        let chosen = input.themes.len();
        let k_min = scores.iter().map(|s| s.k).min().unwrap_or(0) as f64;
        let k_max = scores.iter().map(|s| s.k).max().unwrap_or(1) as f64;
        let top = scores
            .iter()
            .flat_map(|s| [s.coherence, s.stability, s.diversity, s.score])
            .fold(0.0, f64::max)
            .max(0.1)
            * 1.1;
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!("主题数选择（选定 k = {chosen}）· choosing k: score = coherence × stability, where diversity ≥ 0.75"),
                text_style(22.0),
            )
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(60)
            .build_cartesian_2d((k_min - 1.0)..(k_max + 1.0), 0f64..top)?;
        chart
            .configure_mesh()
            .x_desc("k (number of themes)")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .label_style(text_style(15.0))
            .axis_desc_style(text_style(16.0))
            .draw()?;
        type Series = (&'static str, RGBColor, fn(&KScore) -> f64);
        let series: [Series; 4] = [
            ("score 综合得分", RGBColor(20, 20, 20), |s| s.score),
            ("coherence 连贯性 (NPMI)", RGBColor(31, 119, 180), |s| {
                s.coherence
            }),
            ("stability 稳定性 (ARI)", RGBColor(214, 39, 40), |s| {
                s.stability
            }),
            ("diversity 多样性", RGBColor(44, 160, 44), |s| {
                s.diversity
            }),
        ];
        for (name, color, value) in series {
            let pts: Vec<(f64, f64)> = scores.iter().map(|s| (s.k as f64, value(s))).collect();
            let width = if name.starts_with("score") { 3 } else { 2 };
            chart
                .draw_series(LineSeries::new(pts.clone(), color.stroke_width(width)))?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3))
                });
            chart.draw_series(pts.into_iter().map(|p| Circle::new(p, 4, color.filled())))?;
        }
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(chosen as f64, 0.0), (chosen as f64, top)],
            BLACK.mix(0.4).stroke_width(2),
        )))?;
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .label_font(text_style(15.0))
            .position(SeriesLabelPosition::LowerRight)
            .draw()?;
        Ok(())
    }
}

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
