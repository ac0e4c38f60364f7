//! `theme_heatmap`: theme × period, darker for a larger share.

use super::*;

pub(super) struct Heatmap;

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
