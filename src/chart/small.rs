//! `theme_small_multiples`: one panel per theme; `themes/theme_N`: one
//! theme, larger, for its section of the page.

use super::*;

pub(super) struct SmallMultiples;

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
pub(super) struct ThemeDetail(pub(super) (usize, u32));

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
