//! `theme_top_terms`: bars of each theme's characteristic words.

use super::*;

pub(super) struct TopTerms;

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
