//! The font charts draw Chinese with, handed to plotters.
//!
//! plotters' `ab_glyph` backend draws with fonts registered from bytes; an
//! unknown family or a font without CJK glyphs silently draws boxes. So the
//! font is chosen here explicitly and checked to really hold glyphs for
//! Chinese text before anything is drawn:
//!
//! 1. `--font FILE`, when given: read and checked with [`check_cjk_font`];
//!    a file without Chinese glyphs (a Latin-only font) stops the run.
//! 2. Otherwise the font embedded in the binary ([`EMBEDDED`]): WenQuanYi
//!    Micro Hei (Debian's fonts-wqy-microhei, used under Apache-2.0) subset
//!    to GB 2312, ASCII, Latin-1 and CJK, full-width and general
//!    punctuation — about 1.3 MB, built by `data/fonts/subset.sh` (see
//!    `data/fonts/README.md`). Its `·` and punctuation are narrow glyphs
//!    without wide side bearings, which plotters (0.3.7) ignores: with a
//!    font whose `·` is a centred dot in a full em, labels like
//!    "东莞·务工人员" draw with a wide gap.
//!
//! Installed fonts are not looked for: the embedded font comes before them
//! so that the same run draws the same pixels on every machine, with or
//! without a CJK font installed, and a run never depends on what a system
//! administrator put in /usr/share/fonts. Characters outside the subset
//! (rare hanzi beyond GB 2312) draw as boxes; `--font` with a full CJK font
//! is the way to draw them.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ab_glyph::{Font, FontRef};
use plotters::style::FontStyle;

use crate::error::{Error, Result};

/// The family name charts use. In SVG output it doubles as a CSS font
/// list, so viewers draw with the embedded font's design where it is
/// installed and fall back to any other CJK font.
pub const FAMILY: &str = "WenQuanYi Micro Hei, Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif";

/// Characters a usable font must have.
const PROBE: &str = "中文主题趋势春运防汛外贸企业创新０１%";

/// The chart font shipped inside the binary: WenQuanYi Micro Hei
/// 0.2.0-beta, Apache-2.0, subset to GB 2312 and punctuation
/// (`data/fonts/`).
pub static EMBEDDED: &[u8] = include_bytes!("../../data/fonts/wqy-microhei-gb2312.ttf");

/// How the embedded font is named where a file path would stand (the value
/// [`ensure_font`] returns, the log and `run.json`'s `chart_font`).
pub const EMBEDDED_NAME: &str = "embedded:wqy-microhei-gb2312";

/// Checks that `bytes` parse as a font with glyphs for every probe character.
pub fn check_cjk_font(bytes: &[u8]) -> std::result::Result<(), String> {
    let font = FontRef::try_from_slice(bytes).map_err(|e| format!("not a font file ({e})"))?;
    let missing: String = PROBE.chars().filter(|&c| font.glyph_id(c).0 == 0).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("has no glyph for {missing}"))
    }
}

/// Fonts read from `--font` files, kept for the process: plotters wants
/// `'static` bytes, and a file is read (and leaked) once however many
/// runs draw with it.
static LOADED: Mutex<Vec<(PathBuf, &'static [u8])>> = Mutex::new(Vec::new());

fn font_bytes(path: &Path) -> Result<&'static [u8]> {
    let mut loaded = LOADED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, bytes)) = loaded.iter().find(|(p, _)| p == path) {
        return Ok(bytes);
    }
    let bytes = std::fs::read(path).map_err(|e| Error::read(path, e))?;
    check_cjk_font(&bytes)
        .map_err(|reason| Error::Font(format!("{}: {reason}", path.display())))?;
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    loaded.push((path.to_path_buf(), bytes));
    Ok(bytes)
}

/// Chooses, checks and registers the chart font: `explicit` (`--font`)
/// when given, else the embedded font. Every call registers the font it
/// was asked for (plotters keeps one font per family for the process), so
/// a run draws with its own font whatever an earlier run of the process
/// drew with. Returns the file used, or the pseudo-path [`EMBEDDED_NAME`].
pub fn ensure_font(explicit: Option<&Path>) -> Result<PathBuf> {
    let (path, bytes): (PathBuf, &'static [u8]) = match explicit {
        Some(p) => (p.to_path_buf(), font_bytes(p)?),
        None => {
            check_cjk_font(EMBEDDED)
                .map_err(|reason| Error::Font(format!("{EMBEDDED_NAME}: {reason}")))?;
            (PathBuf::from(EMBEDDED_NAME), EMBEDDED)
        }
    };
    for style in [FontStyle::Normal, FontStyle::Bold] {
        plotters::style::register_font(FAMILY, style, bytes)
            .map_err(|_| Error::Font(format!("{}: plotters cannot load it", path.display())))?;
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_latin_only_font_is_refused_by_name_of_the_missing_glyphs() {
        let dejavu = Path::new("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
        let Ok(bytes) = std::fs::read(dejavu) else {
            eprintln!("skipped: {} not installed", dejavu.display());
            return;
        };
        let err = check_cjk_font(&bytes).unwrap_err();
        assert!(err.contains('中'), "{err}");
    }

    #[test]
    fn garbage_is_not_a_font() {
        assert!(check_cjk_font(b"not a font").is_err());
    }

    #[test]
    fn the_embedded_font_draws_common_news_characters() {
        check_cjk_font(EMBEDDED).expect("the embedded font passes the CJK check");
        let font = FontRef::try_from_slice(EMBEDDED).unwrap();
        // Words of the news, full-width and general punctuation, Latin.
        let sample = "供应链人民币疫情防控中小企业创新新华社习近平总书记一带一路粤港澳大湾区\
                      乡村振兴碳达峰碳中和长江经济带《》“”‘’（）、，。：；！？…—·−％２０２４①GDP CPI 5.2%";
        let missing: String = sample
            .chars()
            .filter(|&c| font.glyph_id(c).0 == 0)
            .collect();
        assert!(missing.is_empty(), "the embedded font lacks {missing}");
        // The first and last hanzi of GB 2312's two levels (codes B0A1,
        // D7F9, D8A1 and F7FE): the whole set went into the subset.
        for c in ['啊', '座', '亍', '齄'] {
            assert_ne!(font.glyph_id(c).0, 0, "the embedded font lacks {c}");
        }
        // Every character in the code of the charts, outside comments
        // (titles, axis names, the `·` that joins a label's words).
        let code = [
            include_str!("mod.rs"),
            include_str!("stacked.rs"),
            include_str!("timeline.rs"),
            include_str!("small.rs"),
            include_str!("heatmap.rs"),
            include_str!("top_terms.rs"),
            include_str!("facet.rs"),
            include_str!("k_selection.rs"),
            include_str!("terms.rs"),
        ]
        .concat();
        let missing: std::collections::BTreeSet<char> = code
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .flat_map(str::chars)
            .filter(|&c| !c.is_ascii() && font.glyph_id(c).0 == 0)
            .collect();
        assert!(
            missing.is_empty(),
            "the embedded font lacks {missing:?} of src/chart/"
        );
        // And it really draws: a hanzi has an outline, not an empty box.
        let glyph = font.glyph_id('链').with_scale(32.0);
        let outlined = font.outline_glyph(glyph).expect("链 has an outline");
        assert!(outlined.px_bounds().width() > 10.0);
    }

    #[test]
    fn each_call_registers_the_font_asked_for() {
        assert_eq!(ensure_font(None).unwrap(), PathBuf::from(EMBEDDED_NAME));
        // A --font file after the embedded font is that file, not the
        // first font of the process.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("copy.ttf");
        std::fs::write(&file, EMBEDDED).unwrap();
        assert_eq!(ensure_font(Some(&file)).unwrap(), file);
        assert_eq!(ensure_font(None).unwrap(), PathBuf::from(EMBEDDED_NAME));
    }
}
