//! The command line as a user meets it: help, the demo run, bad usage.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::{stderr, tool};

#[test]
fn help_explains_every_flag_with_its_default() {
    let o = tool(&["run", "--help"]);
    assert!(o.status.success());
    let help = String::from_utf8_lossy(&o.stdout);
    for flag in [
        "--input",
        "--out",
        "--k",
        "--granularity",
        "--dims",
        "--min-df",
        "--max-df",
        "--max-features",
        "--seed",
        "--stopwords",
        "--user-dict",
        "--chart-size",
        "--font",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}");
    }
    for default in [
        "[default: auto]",
        "[default: 10..60]",
        "[default: month]",
        "[default: 50]",
        "[default: 0.3]",
    ] {
        assert!(help.contains(default), "--help lacks {default}");
    }
}

#[test]
fn the_demo_archive_gives_its_four_themes_at_their_times() {
    let out = tempfile::tempdir().unwrap();
    let demo = common::demo();
    let o = tool(&[
        "run",
        "--input",
        demo.to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
        "--k",
        "4",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));

    // The two broken files are reported with their reasons.
    let (_, rejected) = common::read_csv(&out.path().join("rejected.csv"));
    let reasons: HashMap<String, String> = rejected
        .into_iter()
        .map(|r| {
            let name = Path::new(&r[0])
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, r[1].clone())
        })
        .collect();
    assert!(reasons["2024-03-10-demo-broken-yaml.md"].contains("not valid YAML"));
    assert!(reasons["notes-without-front-matter.md"].contains("no front matter"));

    // Each written theme is found: one theme per key word.
    let (_, themes) = common::read_csv(&out.path().join("themes.csv"));
    let theme_of = |word: &str| -> String {
        let hits: Vec<&Vec<String>> = themes
            .iter()
            .filter(|t| {
                t[4].split(';')
                    .take(5)
                    .any(|p| p.starts_with(&format!("{word}:")))
            })
            .collect();
        assert_eq!(
            hits.len(),
            1,
            "{word} should name exactly one theme: {themes:?}"
        );
        hits[0][0].clone()
    };
    let travel = theme_of("旅客");
    let flood = theme_of("防汛");
    let trade = theme_of("出口");
    let sme = theme_of("中小企业");
    let ids: std::collections::HashSet<_> = [&travel, &flood, &trade, &sme].into_iter().collect();
    assert_eq!(ids.len(), 4);

    // Spring travel peaks in January/February, flood control in May/June.
    let (_, trends) = common::read_csv(&out.path().join("trends.csv"));
    let peak = |theme: &str| -> String {
        trends
            .iter()
            .filter(|r| r[1] == theme)
            .max_by(|a, b| {
                a[3].parse::<f64>()
                    .unwrap()
                    .total_cmp(&b[3].parse::<f64>().unwrap())
            })
            .unwrap()[0]
            .clone()
    };
    assert!(["2024-01-01", "2024-02-01"].contains(&peak(&travel).as_str()));
    assert!(["2024-05-01", "2024-06-01"].contains(&peak(&flood).as_str()));

    let index = std::fs::read_to_string(out.path().join("index.html")).unwrap();
    assert!(index.contains("charts/theme_share_area.png"));
}

#[test]
fn bad_values_are_usage_errors_that_name_the_flag() {
    let out = tempfile::tempdir().unwrap();
    let demo = common::demo();
    let o = tool(&[
        "run",
        "--input",
        demo.to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
        "--k",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--k"), "{}", stderr(&o));

    let o = tool(&["run", "--input", "x", "--out", "y", "--max-df", "lots"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--max-df"), "{}", stderr(&o));
}

#[test]
fn output_inside_the_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("_posts");
    std::fs::create_dir(&input).unwrap();
    std::fs::write(input.join("2024-01-01-a.md"), "---\ntitle: a\n---\n正文").unwrap();
    let out = input.join("reports");
    let o = tool(&[
        "run",
        "--input",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("inside"), "{}", stderr(&o));
    assert!(!out.exists());
}

#[test]
fn a_missing_input_names_the_path() {
    let out = tempfile::tempdir().unwrap();
    let o = tool(&[
        "run",
        "--input",
        "/no/such/archive",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("/no/such/archive"), "{}", stderr(&o));
}

#[test]
fn named_themes_keep_their_name_id_and_posts() {
    let dir = tempfile::tempdir().unwrap();
    let themes = dir.path().join("themes.toml");
    std::fs::write(
        &themes,
        "[[theme]]\nname = \"春运出行\"\nseeds = [\"春运\", \"旅客\", \"铁路\", \"车票\"]\nmin_similarity = 0.3\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let demo = common::demo();
    let o = tool(&[
        "run",
        "--input",
        demo.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--themes",
        themes.to_str().unwrap(),
        "--k",
        "3",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (_, rows) = common::read_csv(&out.join("themes.csv"));
    assert_eq!(rows[0][0], "0");
    assert_eq!(rows[0][1], "春运出行");
    assert_eq!(rows.len(), 4, "the named theme and three clustered ones");
    // The demo's spring-travel posts (January to early March) land there.
    let (_, assigned) = common::read_csv(&out.join("assignments.csv"));
    let named: Vec<&Vec<String>> = assigned.iter().filter(|r| r[4] == "0").collect();
    assert!(named.len() >= 10, "only {} posts joined", named.len());
    let in_season = named
        .iter()
        .filter(|r| r[2].as_str() < "2024-03-15")
        .count();
    assert!(
        in_season * 10 >= named.len() * 9,
        "{in_season} of {} in season",
        named.len()
    );
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(run["parameters"]["named_themes"][0], "春运出行");
}

#[test]
fn a_broken_themes_file_is_a_usage_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let themes = dir.path().join("bad.toml");
    std::fs::write(&themes, "[[theme]]\nname = \"x\"\n").unwrap();
    let o = tool(&[
        "run",
        "--input",
        common::demo().to_str().unwrap(),
        "--out",
        dir.path().join("out").to_str().unwrap(),
        "--themes",
        themes.to_str().unwrap(),
    ]);
    // Bad usage (a flag's value: the file it names) is exit code 2.
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("bad.toml"), "{}", stderr(&o));
}

/// A font without Chinese glyphs would draw boxes: `--font` refuses it,
/// naming the file and the missing glyphs, before anything is written.
/// CI installs DejaVu Sans (`.ci/run`, Debian `fonts-dejavu-core`).
#[test]
fn a_font_without_chinese_glyphs_is_refused() {
    const LATIN_ONLY: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
    if !Path::new(LATIN_ONLY).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{LATIN_ONLY} is missing on CI: .ci/run installs fonts-dejavu-core"
        );
        eprintln!("SKIPPED a_font_without_chinese_glyphs_is_refused: {LATIN_ONLY} is absent (apt-get install fonts-dejavu-core)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = tool(&[
        "run",
        "--input",
        common::demo().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--k",
        "4",
        "--font",
        LATIN_ONLY,
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("no CJK font: {LATIN_ONLY}: has no glyph for 中文")),
        "{err}"
    );
    assert!(
        !out.exists(),
        "reports were written with a font that draws boxes"
    );
}

/// No font needs to be installed: without `--font` the charts are drawn
/// with the font built into the binary, and `run.json` says so. `--font`
/// with a CJK font file draws with that file; given the very font that is
/// embedded, the charts come out the same, pixel for pixel.
#[test]
fn charts_use_the_embedded_font_unless_font_names_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let demo = common::demo();
    let run = |out: &Path, font: Option<&Path>| {
        let mut args = vec![
            "run",
            "--input",
            demo.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--k",
            "4",
            "--quiet",
        ];
        if let Some(f) = font {
            args.extend(["--font", f.to_str().unwrap()]);
        }
        let o = tool(&args);
        assert!(o.status.success(), "{}", stderr(&o));
    };
    let embedded = dir.path().join("embedded");
    run(&embedded, None);
    assert_eq!(
        common::run_json(&embedded)["chart_font"],
        "embedded:wqy-microhei-gb2312"
    );
    let area = Path::new("charts").join("theme_share_area.png");
    common::assert_real_png(&embedded.join(&area));

    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/fonts/wqy-microhei-gb2312.ttf");
    let explicit = dir.path().join("explicit");
    run(&explicit, Some(&file));
    assert_eq!(
        common::run_json(&explicit)["chart_font"],
        file.display().to_string()
    );
    assert!(
        std::fs::read(embedded.join(&area)).unwrap()
            == std::fs::read(explicit.join(&area)).unwrap(),
        "the embedded font and the same font from a file drew different charts"
    );
}

/// One post outside the named themes cannot make a theme: it joins the
/// closest named theme with a warning, and the run succeeds.
#[test]
fn a_single_post_outside_the_named_themes_joins_the_closest() {
    let dir = tempfile::tempdir().unwrap();
    let posts = dir.path().join("_posts");
    std::fs::create_dir(&posts).unwrap();
    for (date, title, body) in [
        ("2024-01-02", "春运铁路", "春运铁路旅客返乡，车站增开列车。"),
        ("2024-01-03", "春运旅客", "春运旅客返乡，铁路车站秩序井然。"),
        ("2024-07-02", "防汛抢险", "防汛抢险队伍巡查堤防，水位上涨。"),
        ("2024-07-03", "防汛水位", "防汛部门监测水位，巡查堤防水库。"),
        (
            "2024-08-01",
            "航天发射",
            "运载火箭发射卫星，航天员进入空间站。",
        ),
    ] {
        let text = format!("---\ntitle: {title}\ndate: {date}\n---\n{body}\n");
        std::fs::write(posts.join(format!("{date}-{title}.md")), text).unwrap();
    }
    let themes = dir.path().join("themes.toml");
    std::fs::write(
        &themes,
        "[[theme]]\nname = \"春运\"\nseeds = [\"春运\", \"铁路\", \"旅客\"]\n\
         [[theme]]\nname = \"防汛\"\nseeds = [\"防汛\", \"水位\", \"堤防\"]\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = tool(&[
        "run",
        "--input",
        posts.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--themes",
        themes.to_str().unwrap(),
        "--min-df",
        "1",
        "--max-df",
        "1.0",
        "--no-charts",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("joins its closest named theme"),
        "{}",
        stderr(&o)
    );
    let (_, rows) = common::read_csv(&out.join("assignments.csv"));
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|r| r[4] == "0" || r[4] == "1"));
}
