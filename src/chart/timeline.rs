//! `event_timeline`: the strongest events as bars on a time axis.

use super::*;

/// The events on a time axis: one bar per event from its first to its
/// last post, in its theme's colour (grey when its posts span themes),
/// labelled with its id and words. The strongest [`EventTimeline::MAX`]
/// events are drawn, earliest at the top.
pub(super) struct EventTimeline;

impl EventTimeline {
    const MAX: usize = 30;

    pub(super) fn shown<'a>(input: &'a ChartInput) -> Vec<&'a crate::analysis::Event> {
        let mut ev: Vec<&crate::analysis::Event> = input.happenings.events.iter().collect();
        ev.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
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
                .map_or(RGBColor(150, 150, 150), |t| colour(input, t.get()));
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
