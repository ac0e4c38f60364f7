//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the binary with `args` and waits for it.
pub fn tool(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_theme-trends"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// The run's standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The shared corpus folder beside the checkout (`../shared/corpus`).
pub fn corpus(rel: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!(
            "SKIPPED: {} is absent (the shared corpus is expected beside the checkout)",
            p.display()
        );
        None
    }
}

/// The demo archive shipped in `data/demo`.
pub fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo/_posts")
}

/// Reads a CSV file into header + rows of strings.
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// Asserts that a PNG file decodes and is not a blank canvas: it must hold
/// many distinct colours.
pub fn assert_real_png(path: &Path) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let decoder = png::Decoder::new(std::io::BufReader::new(file));
    let mut reader = decoder
        .read_info()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert!(
        info.width >= 400 && info.height >= 300,
        "{}",
        path.display()
    );
    let px = info.color_type.samples();
    let mut colours = std::collections::HashSet::new();
    let mut non_white = 0usize;
    for p in buf[..info.buffer_size()].chunks_exact(px) {
        colours.insert(p.to_vec());
        if p.iter().take(3).any(|&c| c < 240) {
            non_white += 1;
        }
    }
    assert!(
        colours.len() > 20,
        "{} has only {} colours",
        path.display(),
        colours.len()
    );
    let total = (info.width * info.height) as usize;
    assert!(non_white * 20 > total, "{} is nearly blank", path.display());
}

/// Asserts that an SVG file is a complete SVG document with drawn shapes and
/// the given texts (XML-escaped as plotters writes them).
pub fn assert_real_svg(path: &Path, texts: &[&str]) {
    let s = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(s.contains("<svg"), "{}", path.display());
    assert!(
        s.trim_end().ends_with("</svg>"),
        "{} is cut short",
        path.display()
    );
    let shapes =
        s.matches("<polygon").count() + s.matches("<rect").count() + s.matches("<polyline").count();
    assert!(shapes > 10, "{} has {shapes} shapes", path.display());
    for t in texts {
        assert!(s.contains(t), "{} lacks text {t}", path.display());
    }
}
