//! Finding a font that can draw Chinese, and handing it to plotters.
//!
//! plotters' `ab_glyph` backend draws with fonts registered from bytes; an
//! unknown family or a font without CJK glyphs silently draws boxes. So the
//! font is chosen here explicitly — `--font FILE`, else the first of a list
//! of well-known CJK font files — and checked to really hold glyphs for
//! Chinese text before anything is drawn. Without one the run stops with a
//! message that says how to install one.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ab_glyph::{Font, FontRef};
use plotters::style::FontStyle;

use crate::error::{Error, Result};

/// The family name charts use. In SVG output it doubles as a CSS font
/// list, so viewers fall back to any installed CJK font.
pub const FAMILY: &str = "WenQuanYi Micro Hei, Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif";

/// Characters a usable font must have.
const PROBE: &str = "中文主题趋势春运防汛外贸企业创新０１%";

/// Font files tried, in order, when `--font` is not given.
pub const CANDIDATES: &[&str] = &[
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "C:\\Windows\\Fonts\\msyh.ttc",
    "C:\\Windows\\Fonts\\simhei.ttf",
];

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

static REGISTERED: OnceLock<PathBuf> = OnceLock::new();

/// Finds, checks and registers the chart font (once per process). Returns
/// the file used.
pub fn ensure_font(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(path) = REGISTERED.get() {
        return Ok(path.clone());
    }
    let (path, bytes) = match explicit {
        Some(p) => {
            let bytes = std::fs::read(p).map_err(|e| Error::read(p, e))?;
            check_cjk_font(&bytes)
                .map_err(|reason| Error::Font(format!("{}: {reason}", p.display())))?;
            (p.to_path_buf(), bytes)
        }
        None => find_system_font()?,
    };
    let leaked: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    plotters::style::register_font(FAMILY, FontStyle::Normal, leaked)
        .map_err(|_| Error::Font(format!("{}: plotters cannot load it", path.display())))?;
    plotters::style::register_font(FAMILY, FontStyle::Bold, leaked)
        .map_err(|_| Error::Font(format!("{}: plotters cannot load it", path.display())))?;
    Ok(REGISTERED.get_or_init(|| path).clone())
}

fn find_system_font() -> Result<(PathBuf, Vec<u8>)> {
    let mut tried = Vec::new();
    for candidate in CANDIDATES {
        let path = Path::new(candidate);
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        match check_cjk_font(&bytes) {
            Ok(()) => return Ok((path.to_path_buf(), bytes)),
            Err(reason) => tried.push(format!("{candidate}: {reason}")),
        }
    }
    Err(Error::Font(format!(
        "none of the known Chinese fonts is installed{}. Install one \
         (Debian/Ubuntu: `apt-get install fonts-wqy-microhei`), pass --font FILE \
         with a .ttf/.otf/.ttc that has Chinese glyphs, or use --no-charts",
        if tried.is_empty() {
            String::new()
        } else {
            format!(" ({})", tried.join("; "))
        }
    )))
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
}
