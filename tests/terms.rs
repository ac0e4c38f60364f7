//! `theme-trends terms`: word counts per period read back from a finished
//! run's cache, checked against the post files themselves.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

/// Posts per month whose title or body contains `needle`, counted from the
/// files (`DATE-KEY-NNN.md`, one post each).
fn expected(dir: &Path, needle: &str) -> BTreeMap<String, (u64, u64)> {
    let mut out: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        // A re-published copy and a broken post are not analysed.
        if name.contains("-copy") || name.contains("-broken") {
            continue;
        }
        let month = format!("{}-01", &name[..7]);
        let text = std::fs::read_to_string(&path).unwrap();
        let e = out.entry(month).or_default();
        e.1 += 1;
        if text
            .split("---")
            .nth(1)
            .is_some_and(|fm| fm.contains(needle))
            || text.split("---").nth(2).is_some_and(|b| b.contains(needle))
        {
            e.0 += 1;
        }
    }
    out
}

fn terms(args: &[&str]) -> (Vec<Vec<String>>, String, i32) {
    let o = common::tool(&[&["terms"], args].concat());
    let mut r = csv::Reader::from_reader(o.stdout.as_slice());
    let rows = if o.status.success() {
        assert_eq!(
            r.headers().unwrap().iter().collect::<Vec<_>>(),
            ["term", "period", "count", "share", "top_themes"]
        );
        r.records()
            .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
            .collect()
    } else {
        Vec::new()
    };
    (rows, common::stderr(&o), o.status.code().unwrap_or(-1))
}

/// Runs the analysis of the two-subject archive `input` into `out`.
fn analyse(input: &Path, out: &Path, flags: &[&str]) {
    let mut args = vec![
        "run",
        "--input",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--k",
        "2",
        "--max-df",
        "0.9",
        "--no-charts",
        "-q",
    ];
    args.extend_from_slice(flags);
    let o = common::tool(&args);
    assert!(o.status.success(), "{}", common::stderr(&o));
}

#[test]
fn terms_counts_a_word_and_a_phrase_per_month_as_the_files_hold_them() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("_posts");
    common::write_subject(&input, "space", 0, 40, "2024-01-01", 1);
    common::write_subject(&input, "farm", 100, 40, "2024-01-20", 1);
    // A copy of a rocket post, and a broken post full of rockets: neither
    // is analysed, so neither counts.
    let rocket = std::fs::read_dir(&input)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| std::fs::read_to_string(p).unwrap().contains("火箭"))
        .unwrap();
    std::fs::copy(&rocket, input.join("2024-01-05-space-copy.md")).unwrap();
    std::fs::write(
        input.join("2024-01-06-space-broken.md"),
        "---\ntitle: 火箭火箭\ndate: 2024-01-06\n火箭发射火箭\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    analyse(&input, &out, &[]);
    let space_theme = common::theme_of_subjects(&out)["space"].clone();

    let chart = dir.path().join("words.png");
    let (rows, err, code) = terms(&[
        "--out",
        out.to_str().unwrap(),
        "--chart",
        chart.to_str().unwrap(),
        "火箭",
        "编号1",
    ]);
    assert_eq!(code, 0, "{err}");
    // The phrase is split by the segmenter: matched as a substring, and said so.
    assert!(
        err.contains("'编号1'") && err.contains("substring"),
        "{err}"
    );
    assert!(!err.contains("'火箭'"), "{err}");
    common::assert_real_png(&chart);

    for (term, needle) in [("火箭", "火箭"), ("编号1", "编号1")] {
        let want = expected(&input, needle);
        let got: BTreeMap<String, (u64, f64)> = rows
            .iter()
            .filter(|r| r[0] == term)
            .map(|r| (r[1].clone(), (r[2].parse().unwrap(), r[3].parse().unwrap())))
            .collect();
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            want.keys().collect::<Vec<_>>(),
            "{term}: periods"
        );
        for (month, &(count, posts)) in &want {
            let (c, share) = got[month];
            assert_eq!(c, count, "{term} in {month}");
            assert!(
                (share - count as f64 / posts as f64).abs() < 1e-6,
                "{term} {month}"
            );
        }
        assert!(want.values().any(|v| v.0 > 0), "{term} never occurs");
    }
    // The rocket's posts are in the space theme.
    for r in rows.iter().filter(|r| r[0] == "火箭" && r[2] != "0") {
        assert!(
            r[4].ends_with(&format!(" ({space_theme}): {}", r[2])) && !r[4].contains(';'),
            "{r:?}"
        );
    }

    // Weekly on demand.
    let (weekly, _, code) = terms(&[
        "--out",
        out.to_str().unwrap(),
        "--granularity",
        "week",
        "火箭",
    ]);
    assert_eq!(code, 0);
    let total: u64 = weekly.iter().map(|r| r[2].parse::<u64>().unwrap()).sum();
    let want: u64 = expected(&input, "火箭").values().map(|v| v.0).sum();
    assert_eq!(total, want);
    assert!(weekly
        .iter()
        .all(|r| chrono::NaiveDate::parse_from_str(&r[1], "%Y-%m-%d")
            .unwrap()
            .format("%u")
            .to_string()
            == "1"));
}

#[test]
fn terms_names_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("_posts");
    common::write_subject(&input, "space", 0, 20, "2024-01-01", 1);
    common::write_subject(&input, "farm", 100, 20, "2024-01-01", 1);
    let out = dir.path().join("out");
    analyse(&input, &out, &["--no-cache"]);
    let (_, err, code) = terms(&["--out", out.to_str().unwrap(), "火箭"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("run.json") && err.contains("--no-cache"),
        "{err}"
    );

    let (_, err, code) = terms(&[
        "--out",
        dir.path().join("nowhere").to_str().unwrap(),
        "火箭",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("nowhere") && err.contains("run.json"), "{err}");
}

/// A reader that stops reading (`terms … | head -1`) is no failure: the
/// command ends quietly with exit 0, not with the usage code.
#[test]
fn terms_into_a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("_posts");
    common::write_subject(&input, "space", 0, 60, "2022-01-01", 7);
    common::write_subject(&input, "farm", 100, 60, "2022-01-03", 7);
    let out = dir.path().join("out");
    analyse(&input, &out, &["--granularity", "day"]);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_theme-trends"))
        .args([
            "terms",
            "--out",
            out.to_str().unwrap(),
            "火箭",
            "小麦",
            "卫星",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end before the first line arrives.
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let err = common::stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(!err.contains("error"), "{err}");
}
