//! The report page as a browser shows it: headless Chromium opens
//! `index.html` from disk, and the screenshot must show a rendered page.
//! `.ci/run` installs Debian's `chromium`; elsewhere the test is skipped
//! with a message when no Chromium is found (set `CHROMIUM` to its path).

mod common;

use std::process::Command;

#[test]
fn the_report_page_renders_in_headless_chromium() {
    let Some(browser) = common::chromium_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    let o = Command::new(env!("CARGO_BIN_EXE_theme-trends"))
        .args(["run", "--input"])
        .arg(common::demo())
        .arg("--out")
        .arg(&out)
        .args(["--k", "4", "--quiet"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = format!("file://{}", out.join("index.html").display());
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    for remote in [
        "src=\"http",
        "href=\"http",
        "url(http",
        "<script src",
        "fetch(",
        "XMLHttpRequest",
        "@import",
    ] {
        assert!(
            !html.contains(remote),
            "the page must not fetch anything ({remote})"
        );
    }

    let dom = common::headless(
        &browser,
        &dir.path().join("p1"),
        &["--dump-dom".into(), page.clone()],
    );
    assert!(
        dom.contains("<title>theme-trends report</title>"),
        "{}",
        &dom[..dom.len().min(500)]
    );
    assert!(dom.contains("Rising themes") && dom.contains("id=\"theme-3\""));
    assert!(dom.contains("charts/theme_share_area.png"));

    let shot = dir.path().join("shot.png");
    common::headless(
        &browser,
        &dir.path().join("p2"),
        &[
            "--window-size=1400,1800".into(),
            format!("--screenshot={}", shot.display()),
            page,
        ],
    );
    common::assert_real_png(&shot);
    if let Ok(keep) = std::env::var("KEEP_SCREENSHOT") {
        std::fs::copy(&shot, keep).unwrap();
    }
}
