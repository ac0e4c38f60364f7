//! One colour per theme, the same in every chart and in the HTML page.
//!
//! The first twenty are hand-picked to stay distinct next to each other in
//! a stacked chart; further themes get colours spread around the hue circle
//! by the golden angle.

use plotters::style::RGBColor;

const BASE: [(u8, u8, u8); 20] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
    (174, 199, 232),
    (255, 187, 120),
    (152, 223, 138),
    (255, 152, 150),
    (197, 176, 213),
    (196, 156, 148),
    (247, 182, 210),
    (199, 199, 199),
    (219, 219, 141),
    (158, 218, 229),
];

/// The colour of theme `t`.
pub fn theme_color(t: usize) -> RGBColor {
    if let Some(&(r, g, b)) = BASE.get(t) {
        return RGBColor(r, g, b);
    }
    let hue = (t as f64 * 137.508) % 360.0;
    let lightness = if t.is_multiple_of(2) { 0.45 } else { 0.62 };
    hsl_to_rgb(hue, 0.55, lightness)
}

/// A darker variant of theme `t`'s colour, readable as text on white.
pub fn theme_text_color(t: usize) -> RGBColor {
    let RGBColor(r, g, b) = theme_color(t);
    let luminance = 0.299 * r as f64 + 0.587 * g as f64 + 0.114 * b as f64;
    let k = if luminance > 110.0 {
        110.0 / luminance
    } else {
        1.0
    };
    let d = |c: u8| (c as f64 * k).round() as u8;
    RGBColor(d(r), d(g), d(b))
}

/// The colour of theme `t` as CSS `#rrggbb`.
pub fn theme_css(t: usize) -> String {
    let RGBColor(r, g, b) = theme_color(t);
    format!("#{r:02x}{g:02x}{b:02x}")
}

fn hsl_to_rgb(h: f64, s: f64, l: f64) -> RGBColor {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let hp = h / 60.0;
    let x = c * (1.0 - (hp % 2.0 - 1.0).abs());
    let (r, g, b) = match hp as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = l - c / 2.0;
    let to = |v: f64| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    RGBColor(to(r), to(g), to(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_hundred_colours_are_distinct() {
        let mut seen = std::collections::HashSet::new();
        for t in 0..100 {
            let RGBColor(r, g, b) = theme_color(t);
            assert!(seen.insert((r, g, b)), "theme {t} repeats a colour");
        }
        assert_eq!(theme_css(0), "#1f77b4");
    }
}
