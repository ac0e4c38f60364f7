//! The reports read back: the Parquet files against their CSV twins, the
//! burst, momentum and period-word tables against the trend counts and the
//! archive; table inputs (`.csv`, `.tsv`, `.jsonl`, `.parquet`) with their
//! extra columns carried through; weekly and daily periods; the date window.
//!
//! The archives are synthetic (`common::write_subject`): each subject has
//! words no other subject uses, so each subject is one theme and what the
//! reports must say follows from how the archive was written.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate, Weekday};
use polars::prelude::*;
use polars_io::prelude::{ParquetReader, ParquetWriter};
use polars_io::SerReader;

use common::{stderr, tool};

/// Runs the tool with `args`; it must succeed.
fn run_ok(args: &[&str]) {
    let o = tool(args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// A Parquet file as rows of text, with its column names: every value cast
/// to text by polars (dates as `YYYY-MM-DD`, booleans as `true`/`false`),
/// nulls as empty text.
fn read_parquet(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let file = File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let df = ParquetReader::new(file).finish().unwrap();
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let columns: Vec<Vec<String>> = df
        .columns()
        .iter()
        .map(|c| {
            let c = c.cast(&DataType::String).unwrap();
            c.str()
                .unwrap()
                .iter()
                .map(|v| v.unwrap_or("").to_string())
                .collect()
        })
        .collect();
    let rows = (0..df.height())
        .map(|i| columns.iter().map(|c| c[i].clone()).collect())
        .collect();
    (names, rows)
}

/// Asserts that `name`.parquet holds what `name`.csv holds: the same
/// columns and rows, numbers equal, and text unchanged where the CSV
/// defused a formula (a leading `'` before `=`, `+`, `-`, `@`). Returns how
/// many values the CSV defused.
fn assert_parquet_matches_csv(out: &Path, name: &str) -> usize {
    let (csv_header, csv_rows) = common::read_csv(&out.join(format!("{name}.csv")));
    let (pq_header, pq_rows) = read_parquet(&out.join(format!("{name}.parquet")));
    assert_eq!(pq_header, csv_header, "{name}: columns");
    assert_eq!(pq_rows.len(), csv_rows.len(), "{name}: rows");
    let mut defused = 0;
    for (i, (c, p)) in csv_rows.iter().zip(&pq_rows).enumerate() {
        for (j, (cv, pv)) in c.iter().zip(p).enumerate() {
            let at = format!("{name} row {i} column {}", csv_header[j]);
            if let (Ok(x), Ok(y)) = (cv.parse::<f64>(), pv.parse::<f64>()) {
                assert!(
                    (x - y).abs() <= 1e-6 * x.abs().max(1.0),
                    "{at}: {cv} in CSV, {pv} in Parquet"
                );
            } else if pv.starts_with(['=', '+', '-', '@']) {
                assert_eq!(cv, &format!("'{pv}"), "{at}");
                defused += 1;
            } else {
                assert_eq!(cv, pv, "{at}");
            }
        }
    }
    defused
}

/// CSV rows as maps from column name to value.
fn records(path: &Path) -> Vec<BTreeMap<String, String>> {
    let (header, rows) = common::read_csv(path);
    rows.into_iter()
        .map(|r| header.iter().cloned().zip(r).collect())
        .collect()
}

// ---------------------------------------------------------------------------
// Reports read back
// ---------------------------------------------------------------------------

/// Six months of travel, flood and trade news (10 posts of each a month),
/// and space news only in May (10) and June (12): the rising theme. The
/// flood posts name 长江 until March and 黄河 from April. Travel posts
/// credit 新华社, flood posts 央视新闻. Three travel titles are formulas.
fn write_news_archive(posts: &Path) {
    for month in 1..=6u32 {
        let start = format!("2024-{month:02}-01");
        let first = (month as usize - 1) * 10;
        for (key, credit) in [
            ("travel", "（新华社）"),
            ("flood", "（央视新闻）"),
            ("trade", ""),
        ] {
            for path in common::write_subject(posts, key, first, 10, &start, 3) {
                let mut text = std::fs::read_to_string(&path).unwrap();
                text = text.trim_end().to_string();
                if key == "flood" {
                    text.push_str(if month <= 3 { "长江。" } else { "黄河。" });
                }
                text.push_str(credit);
                text.push('\n');
                std::fs::write(&path, text).unwrap();
            }
        }
    }
    common::write_subject(posts, "space", 0, 10, "2024-05-02", 3);
    common::write_subject(posts, "space", 10, 12, "2024-06-01", 2);
    // Formula-like titles (the body keeps them travel posts).
    for (n, title) in [
        (100, "=HYPERLINK(\\\"http://x\\\")春运"),
        (101, "+春运加开列车"),
        (102, "@铁路旅客"),
    ] {
        let (_, body) = common::subject_text(common::subject("travel"), n);
        std::fs::write(
            posts.join(format!("2024-02-1{}-travel-{n}.md", n - 100)),
            format!(
                "---\ntitle: \"{title}\"\ndate: 2024-02-1{}\n---\n{body}\n",
                n - 100
            ),
        )
        .unwrap();
    }
}

#[test]
fn the_reports_agree_with_each_other_and_with_the_archive() {
    let dir = tempfile::tempdir().unwrap();
    let posts = dir.path().join("_posts");
    let out = dir.path().join("reports");
    write_news_archive(&posts);
    run_ok(&[
        "run",
        "--input",
        s(&posts),
        "--out",
        s(&out),
        "--k",
        "4",
        "--facet",
        "credit",
        "--no-charts",
        "-q",
    ]);
    let theme = common::theme_of_subjects(&out);
    let labels: BTreeMap<String, String> = records(&out.join("themes.csv"))
        .into_iter()
        .map(|t| (t["theme_id"].clone(), t["label"].clone()))
        .collect();

    // The Parquet tables hold what their CSV twins hold, the formula
    // titles unchanged.
    assert_eq!(assert_parquet_matches_csv(&out, "assignments"), 3);
    assert_parquet_matches_csv(&out, "trends");
    assert_parquet_matches_csv(&out, "trends_by_facet");
    let (_, pq) = read_parquet(&out.join("assignments.parquet"));
    let titles: BTreeSet<&str> = pq.iter().map(|r| r[3].as_str()).collect();
    for t in ["=HYPERLINK(\"http://x\")春运", "+春运加开列车", "@铁路旅客"] {
        assert!(
            titles.contains(t),
            "{t} not unchanged in assignments.parquet"
        );
    }

    // Trend counts per (period, theme).
    let trends = records(&out.join("trends.csv"));
    let count: BTreeMap<(String, String), u64> = trends
        .iter()
        .map(|r| {
            (
                (r["period"].clone(), r["theme_id"].clone()),
                r["count"].parse().unwrap(),
            )
        })
        .collect();
    let periods: Vec<String> = trends
        .iter()
        .map(|r| r["period"].clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(periods.len(), 6);

    // emerging.csv: one burst, the space theme's, from May, still going,
    // peaking in its month of largest share.
    let bursts = records(&out.join("emerging.csv"));
    assert_eq!(bursts.len(), 1, "{bursts:?}");
    let b = &bursts[0];
    let space = &theme["space"];
    assert_eq!(&b["theme_id"], space);
    assert_eq!(b["label"], labels[space]);
    assert_eq!((&*b["start"], &*b["end"]), ("2024-05-01", "2024-06-01"));
    assert_eq!(b["ongoing"], "true");
    assert!(b["strength"].parse::<f64>().unwrap() > 0.0, "{b:?}");
    let share = |period: &str, id: &str| -> f64 {
        trends
            .iter()
            .find(|r| r["period"] == period && r["theme_id"] == id)
            .unwrap()["share"]
            .parse()
            .unwrap()
    };
    // June: 12 of 42 posts, more than May's 10 of 40.
    assert_eq!(b["peak_period"], "2024-06-01");
    let peak: f64 = b["peak_share"].parse().unwrap();
    assert!((peak - share("2024-06-01", space)).abs() < 1e-6, "{b:?}");
    assert!((peak - 12.0 / 42.0).abs() < 1e-6, "{b:?}");

    // momentum.csv: each theme's share of the last 3 months' posts against
    // its share of all posts, recomputed from trends.csv; largest gain
    // first, so the space theme leads.
    let momentum = records(&out.join("momentum.csv"));
    assert_eq!(momentum.len(), 4);
    let recent = &periods[periods.len() - 3..];
    let total = |ps: &[String], id: Option<&str>| -> f64 {
        count
            .iter()
            .filter(|((p, t), _)| ps.contains(p) && id.is_none_or(|id| id == t))
            .map(|(_, &c)| c as f64)
            .sum()
    };
    for m in &momentum {
        let id = m["theme_id"].as_str();
        assert_eq!(m["label"], labels[id]);
        let recent_share = total(recent, Some(id)) / total(recent, None);
        let long_run = total(&periods, Some(id)) / total(&periods, None);
        let num = |c: &str| m[c].parse::<f64>().unwrap();
        assert!((num("recent_share") - recent_share).abs() < 1e-5, "{m:?}");
        assert!((num("long_run_share") - long_run).abs() < 1e-5, "{m:?}");
        assert!(
            (num("change") - (recent_share - long_run)).abs() < 1e-5,
            "{m:?}"
        );
        assert!(
            (num("ratio") - recent_share / long_run).abs() < 1e-3,
            "{m:?}"
        );
    }
    let changes: Vec<f64> = momentum
        .iter()
        .map(|m| m["change"].parse().unwrap())
        .collect();
    assert!(
        changes.windows(2).all(|w| w[0] >= w[1]),
        "not largest gain first: {changes:?}"
    );
    assert_eq!(&momentum[0]["theme_id"], space);

    // theme_terms_by_period.csv: one row per theme and period with posts,
    // counting them as trends.csv does, in the theme's own words; the flood
    // theme is about 长江 until March and 黄河 from April.
    let terms = records(&out.join("theme_terms_by_period.csv"));
    let with_posts: BTreeSet<(String, String)> = count
        .iter()
        .filter(|(_, &c)| c > 0)
        .map(|(k, _)| k.clone())
        .collect();
    let listed: BTreeSet<(String, String)> = terms
        .iter()
        .map(|r| (r["period"].clone(), r["theme_id"].clone()))
        .collect();
    assert_eq!(listed, with_posts);
    let subject_of_theme: BTreeMap<&String, &str> = theme.iter().map(|(k, v)| (v, *k)).collect();
    for r in &terms {
        let key = (r["period"].clone(), r["theme_id"].clone());
        assert_eq!(r["posts"].parse::<u64>().unwrap(), count[&key], "{r:?}");
        assert_eq!(r["label"], labels[&r["theme_id"]]);
        let subject = common::subject(subject_of_theme[&r["theme_id"]]);
        let words: Vec<&str> = r["top_terms"]
            .split(';')
            .map(|p| p.rsplit_once(':').unwrap().0)
            .collect();
        assert!(!words.is_empty(), "{r:?}");
        for w in &words {
            assert!(
                subject.words.contains(w) || ["长江", "黄河"].contains(w),
                "{w} is not a {} word: {r:?}",
                subject.key
            );
        }
        if r["theme_id"] == theme["flood"] {
            let (now, not) = if r["period"].as_str() < "2024-04-01" {
                ("长江", "黄河")
            } else {
                ("黄河", "长江")
            };
            assert_eq!(words[0], now, "{r:?}");
            assert!(!words.contains(&not), "{r:?}");
        }
    }

    // trends_by_facet.csv: the credited outlets, each its own theme.
    let facets = records(&out.join("trends_by_facet.csv"));
    for (outlet, key) in [("新华社", "travel"), ("央视新闻", "flood")] {
        let rows: Vec<_> = facets.iter().filter(|r| r["value"] == outlet).collect();
        assert_eq!(
            rows.iter()
                .map(|r| &r["period"])
                .collect::<BTreeSet<_>>()
                .len(),
            6
        );
        for r in rows {
            assert_eq!(r["facet"], "credit");
            let want = if r["theme_id"] == theme[key] {
                1.0
            } else {
                0.0
            };
            assert_eq!(r["share"].parse::<f64>().unwrap(), want, "{r:?}");
        }
    }
}

// ---------------------------------------------------------------------------
// Table inputs
// ---------------------------------------------------------------------------

/// One row of a table input.
struct Row {
    id: String,
    title: String,
    text: String,
    date: String,
    label: String,
    channel: String,
}

/// 36 rows: 12 each of travel, flood and trade, interleaved; `id` is text
/// with leading zeros, `label` the subject, `channel` a carried column.
fn table_rows() -> Vec<Row> {
    (0..36)
        .map(|i| {
            let key = ["travel", "flood", "trade"][i % 3];
            let (title, body) = common::subject_text(common::subject(key), i);
            Row {
                id: format!("{:03}", i * 7),
                // A comma and quotes, which the CSV must quote.
                title: format!("{title}, \"{key}\""),
                text: body,
                date: format!("2024-{:02}-{:02}", 1 + i % 6, 1 + i % 28),
                label: key.to_string(),
                channel: ["东财", "新华", "央视"][i / 12].to_string(),
            }
        })
        .collect()
}

/// Writes the rows as `name` in the format its extension says.
fn write_table(dir: &Path, name: &str, rows: &[Row]) -> PathBuf {
    let path = dir.join(name);
    match name.rsplit_once('.').unwrap().1 {
        "csv" => {
            let mut w = csv::Writer::from_path(&path).unwrap();
            w.write_record(["id", "title", "text", "date", "label", "channel"])
                .unwrap();
            for r in rows {
                w.write_record([&r.id, &r.title, &r.text, &r.date, &r.label, &r.channel])
                    .unwrap();
            }
            w.flush().unwrap();
        }
        "tsv" => {
            let mut text = String::from("id\ttitle\ttext\tdate\tlabel\tchannel\n");
            for r in rows {
                text.push_str(&format!(
                    "{}\t{}\t{}\t{}\t{}\t{}\n",
                    r.id, r.title, r.text, r.date, r.label, r.channel
                ));
            }
            std::fs::write(&path, text).unwrap();
        }
        "jsonl" => {
            // Keys in the order of the other formats' columns.
            let q = |v: &String| serde_json::to_string(v).unwrap();
            let text: String = rows
                .iter()
                .map(|r| {
                    format!(
                        "{{\"id\": {}, \"title\": {}, \"text\": {}, \"date\": {}, \"label\": {}, \"channel\": {}}}\n",
                        q(&r.id),
                        q(&r.title),
                        q(&r.text),
                        q(&r.date),
                        q(&r.label),
                        q(&r.channel)
                    )
                })
                .collect();
            std::fs::write(&path, text).unwrap();
        }
        "parquet" => {
            let col = |f: fn(&Row) -> &String| -> Vec<String> {
                rows.iter().map(|r| f(r).clone()).collect()
            };
            let mut df = df!(
                "id" => col(|r| &r.id),
                "title" => col(|r| &r.title),
                "text" => col(|r| &r.text),
                "date" => col(|r| &r.date),
                "label" => col(|r| &r.label),
                "channel" => col(|r| &r.channel),
            )
            .unwrap();
            ParquetWriter::new(File::create(&path).unwrap())
                .finish(&mut df)
                .unwrap();
        }
        other => panic!("{other}"),
    }
    path
}

#[test]
fn table_inputs_carry_their_extra_columns_into_the_assignments() {
    let dir = tempfile::tempdir().unwrap();
    let rows = table_rows();
    let mut themes_by_format: Vec<Vec<String>> = Vec::new();
    for name in ["posts.csv", "posts.tsv", "posts.jsonl", "posts.parquet"] {
        let input = write_table(dir.path(), name, &rows);
        let out = dir.path().join(format!("out-{name}"));
        run_ok(&[
            "run",
            "--input",
            s(&input),
            "--out",
            s(&out),
            "--k",
            "3",
            "--no-charts",
            "-q",
        ]);
        let (header, assigned) = common::read_csv(&out.join("assignments.csv"));
        assert_eq!(
            header,
            [
                "doc_id", "path", "date", "title", "theme_id", "score", "credit", "event_id",
                "outlet", "time", "id", "label", "channel"
            ],
            "{name}"
        );
        assert_eq!(assigned.len(), rows.len(), "{name}");
        // Rows come month by month, in doc order within a month: put them
        // back in input order.
        let mut assigned = assigned;
        assigned.sort_by_key(|a| a[0].parse::<usize>().unwrap());
        for (i, (a, r)) in assigned.iter().zip(&rows).enumerate() {
            assert_eq!(a[0], i.to_string(), "{name}");
            assert_eq!(a[1], format!("{}#{i}", input.display()), "{name}");
            assert_eq!(a[2], r.date, "{name}");
            assert_eq!(a[3], r.title, "{name}");
            // `channel` is the outlet (`--outlet auto` takes it); these
            // dates have no time of day.
            assert_eq!(
                a[8..],
                [
                    r.channel.clone(),
                    String::new(),
                    r.id.clone(),
                    r.label.clone(),
                    r.channel.clone()
                ],
                "{name} row {i}"
            );
        }
        // The carried columns are in the Parquet assignments too.
        assert_parquet_matches_csv(&out, "assignments");
        // Each subject is one theme, so the label column is matched exactly.
        let run = common::run_json(&out);
        let nmi = run["evaluation"]["nmi"].as_f64().unwrap();
        assert!(nmi > 0.999, "{name}: NMI {nmi}");
        themes_by_format.push(assigned.iter().map(|a| a[4].clone()).collect());
    }
    // The same rows give the same themes whatever the format.
    assert!(
        themes_by_format.windows(2).all(|w| w[0] == w[1]),
        "{themes_by_format:?}"
    );
}

// ---------------------------------------------------------------------------
// Periods and the date window
// ---------------------------------------------------------------------------

/// Travel and flood posts from Wednesday 28 December 2022 to Thursday
/// 19 January 2023, one of each subject a day on the dates listed.
const DATES: [&str; 12] = [
    "2022-12-28", // Wednesday: the first ISO week (2022-W52) is partial
    "2022-12-30",
    "2023-01-01", // Sunday: still ISO week 2022-W52
    "2023-01-02", // Monday: 2023-W01
    "2023-01-04",
    "2023-01-08",
    "2023-01-09",
    "2023-01-12",
    "2023-01-15", // Sunday
    "2023-01-16", // Monday: 2023-W03
    "2023-01-17",
    "2023-01-19", // Thursday: the last week is partial
];

fn write_dated_archive(posts: &Path) {
    common::write_subject_on(posts, "travel", 0, &DATES);
    common::write_subject_on(posts, "flood", 0, &DATES);
}

/// `trends.csv` as period → (posts of all themes, partial), and the
/// assignments' dates.
fn periods_of(out: &Path) -> (BTreeMap<String, (u64, String)>, Vec<String>) {
    let mut periods: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for r in records(&out.join("trends.csv")) {
        let e = periods
            .entry(r["period"].clone())
            .or_insert((0, r["partial"].clone()));
        e.0 += r["count"].parse::<u64>().unwrap();
        assert_eq!(e.1, r["partial"], "one partial flag per period: {r:?}");
    }
    let dates = records(&out.join("assignments.csv"))
        .into_iter()
        .map(|r| r["date"].clone())
        .collect();
    (periods, dates)
}

fn run_dated(posts: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec![
        "run",
        "--input",
        s(posts),
        "--out",
        s(out),
        "--k",
        "2",
        "--min-df",
        "1",
        "--max-df",
        "1.0",
        "--no-charts",
        "-q",
    ];
    args.extend(extra);
    run_ok(&args);
}

#[test]
fn weekly_periods_are_iso_weeks_from_monday_with_partial_ends_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let posts = dir.path().join("_posts");
    let out = dir.path().join("reports");
    write_dated_archive(&posts);
    run_dated(&posts, &out, &["--granularity", "week"]);
    let (periods, dates) = periods_of(&out);
    // Each post in the period of its ISO week, written as that week's
    // Monday.
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    for d in &dates {
        let d = day(d);
        let w = d.iso_week();
        let monday = NaiveDate::from_isoywd_opt(w.year(), w.week(), Weekday::Mon).unwrap();
        *want.entry(monday.to_string()).or_default() += 1;
    }
    let got: BTreeMap<String, u64> = periods.iter().map(|(p, (n, _))| (p.clone(), *n)).collect();
    assert_eq!(got, want);
    assert_eq!(
        periods.keys().map(String::as_str).collect::<Vec<_>>(),
        ["2022-12-26", "2023-01-02", "2023-01-09", "2023-01-16"]
    );
    // 2022-12-28, 2022-12-30 and Sunday 2023-01-01, two posts a day.
    assert_eq!(got["2022-12-26"], 6);
    // The posts start on a Wednesday and end on a Thursday.
    let partial: Vec<&str> = periods.values().map(|(_, p)| p.as_str()).collect();
    assert_eq!(partial, ["true", "false", "false", "true"]);
    let run = common::run_json(&out);
    assert_eq!(run["parameters"]["granularity"], "week");
    assert_eq!(run["counts"]["periods"], 4);

    // From Monday 2 to Sunday 15 January the posts cover both weeks fully.
    run_dated(
        &posts,
        &out,
        &[
            "--granularity",
            "week",
            "--since",
            "2023-01-02",
            "--until",
            "2023-01-15",
        ],
    );
    let (periods, _) = periods_of(&out);
    assert_eq!(
        periods,
        BTreeMap::from([
            ("2023-01-02".to_string(), (6, "false".to_string())),
            ("2023-01-09".to_string(), (6, "false".to_string())),
        ])
    );
}

#[test]
fn daily_periods_are_the_days_with_posts_and_never_partial() {
    let dir = tempfile::tempdir().unwrap();
    let posts = dir.path().join("_posts");
    let out = dir.path().join("reports");
    write_dated_archive(&posts);
    run_dated(&posts, &out, &["--granularity", "day"]);
    let (periods, _) = periods_of(&out);
    let want: BTreeMap<String, (u64, String)> = DATES
        .iter()
        .map(|d| (d.to_string(), (2, "false".to_string())))
        .collect();
    assert_eq!(periods, want);
}

#[test]
fn the_date_window_includes_its_first_and_last_day() {
    let dir = tempfile::tempdir().unwrap();
    let posts = dir.path().join("_posts");
    let out = dir.path().join("reports");
    write_dated_archive(&posts);
    run_dated(
        &posts,
        &out,
        &["--since", "2023-01-02", "--until", "2023-01-15"],
    );
    let (_, dates) = periods_of(&out);
    let got: BTreeSet<String> = dates.into_iter().collect();
    let want: BTreeSet<String> = DATES
        .iter()
        .filter(|d| ("2023-01-02"..="2023-01-15").contains(*d))
        .map(|d| d.to_string())
        .collect();
    assert_eq!(got, want);
    assert!(got.contains("2023-01-02") && got.contains("2023-01-15"));
    let run = common::run_json(&out);
    // Outside: 28 and 30 December, 1, 16, 17 and 19 January, two posts each.
    assert_eq!(run["counts"]["outside_window"], 12);
    assert_eq!(run["counts"]["assigned"], 12);
}
