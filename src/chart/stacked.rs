//! `theme_share_area`: the stacked share of at most twelve bands per period
//! (every theme, or the super-themes), labelled inside the larger bands.

use super::*;

pub(super) struct StackedShare;

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
