//! `facet_<field>`: the theme shares within each of a facet's largest
//! values over time.

use super::*;

/// Values of a facet drawn as panels.
const FACET_PANELS: usize = 6;
/// Themes named in each facet panel; the others are one grey band.
const FACET_THEMES: usize = 6;

/// The theme shares within each of a facet's largest values, one stacked
/// panel per value: which themes an outlet carries and how that changes.
/// (index into the facets, facet name).
pub(super) struct FacetShare(pub(super) usize, pub(super) String);

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
