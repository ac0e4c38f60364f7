//! `k_selection`: the scores of each k tried by `--k auto`.

use super::*;

pub(super) struct KSelection;

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
