//! Nightly operation: the cache, stable theme ids, safe publishing, the
//! config file and exit codes, as a cron job meets them.

mod common;

#[path = "support/archive.rs"]
mod archive;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{stderr, tool};

/// A copy of the demo archive in `dir` and a first run of it (`--k 4`) into
/// `dir/reports`: (posts, reports).
fn demo_run(dir: &Path) -> (PathBuf, PathBuf) {
    let posts = demo_copy(dir);
    let out = dir.join("reports");
    let (p, o) = (posts.to_str().unwrap(), out.to_str().unwrap());
    let first = tool(&["run", "--input", p, "--out", o, "--k", "4", "-q"]);
    assert!(first.status.success(), "{}", stderr(&first));
    (posts, out)
}

/// A copy of the demo archive (without its two broken files) in `dir`.
fn demo_copy(dir: &Path) -> PathBuf {
    let posts = dir.join("archive/_posts");
    std::fs::create_dir_all(&posts).unwrap();
    for e in std::fs::read_dir(common::demo()).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.contains("demo-0") {
            std::fs::copy(e.path(), posts.join(&name)).unwrap();
        }
    }
    posts
}

/// Every file below `dir`.
fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            out.extend(walk_files(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out.sort();
    out
}

fn run_json(out: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("run.json")).unwrap()).unwrap()
}

fn theme_of_posts(out: &Path) -> HashMap<String, String> {
    common::read_csv(&out.join("assignments.csv"))
        .1
        .into_iter()
        .map(|r| (r[1].clone(), r[4].clone()))
        .collect()
}

/// Of the posts in both runs, how many have the same theme id, and how
/// many there are: counted post by post.
fn kept_ids(before: &HashMap<String, String>, after: &HashMap<String, String>) -> (usize, usize) {
    let both: Vec<&String> = before.keys().filter(|p| after.contains_key(*p)).collect();
    let kept = both.iter().filter(|p| before[**p] == after[**p]).count();
    (kept, both.len())
}

#[test]
fn a_rerun_reads_only_new_posts_and_keeps_theme_ids() {
    let dir = tempfile::tempdir().unwrap();
    let posts = demo_copy(dir.path());
    let out = dir.path().join("reports");
    let (p, o) = (posts.to_str().unwrap(), out.to_str().unwrap());
    let first = tool(&["run", "--input", p, "--out", o, "--k", "4", "-q"]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(run_json(&out)["counts"]["new_or_changed"], 60);
    let before = theme_of_posts(&out);

    // Nothing changed: nothing is read anew.
    let again = tool(&["run", "--input", p, "--out", o, "--k", "4", "-q"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(run_json(&out)["counts"]["new_or_changed"], 0);

    // One new post and one edited post.
    std::fs::write(
        posts.join("2024-06-28-demo-new.md"),
        "---\ntitle: \"长江中下游防汛进入关键期\"\ndate: 2024-06-28\n---\n<p>长江中下游多地出现强降雨，水位持续上涨，防汛部门加强巡堤查险，提前转移群众，抢险队伍全天值守。</p>",
    )
    .unwrap();
    let edited = posts.join("2024-01-05-demo-001.md");
    let text = std::fs::read_to_string(&edited).unwrap();
    std::fs::write(&edited, text.replace("</p>", "今年春运客流创新高。</p>")).unwrap();
    let third = tool(&["run", "--input", p, "--out", o, "--k", "4", "-q"]);
    assert!(third.status.success(), "{}", stderr(&third));
    let run = run_json(&out);
    assert_eq!(run["counts"]["new_or_changed"], 2);
    assert_eq!(run["counts"]["posts"], 61);
    let after = theme_of_posts(&out);
    let (same, common) = kept_ids(&before, &after);
    assert!(
        same * 10 >= common * 9,
        "{same} of {common} posts kept their theme id"
    );
    // The history has one block of rows per run.
    let (h, history) = common::read_csv(&out.join("themes_history.csv"));
    assert_eq!(h, ["run_at", "theme_id", "label", "size", "share"]);
    assert_eq!(history.len(), 12);
}

#[test]
fn a_corrupt_cache_is_discarded_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let (posts, out) = demo_run(dir.path());
    let (p, o) = (posts.to_str().unwrap(), out.to_str().unwrap());
    let cache = out.join(".cache/store/part-0001-of-0001.man");
    let mut bytes = std::fs::read(&cache).unwrap();
    let mid = bytes.len() / 2;
    bytes.truncate(mid);
    std::fs::write(&cache, bytes).unwrap();
    let again = tool(&["run", "--input", p, "--out", o, "--k", "4", "-q"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("part-0001-of-0001.man") && stderr(&again).contains("read anew"),
        "{}",
        stderr(&again)
    );
    assert_eq!(run_json(&out)["counts"]["new_or_changed"], 60);
    // A damaged segment of the store: the run that reads it notices, reads
    // every post anew and succeeds. (A night with nothing new reads no
    // text of the store; other copy settings make it search every text.)
    let segment = walk_files(&out.join(".cache/store"))
        .into_iter()
        .find(|f| f.extension().is_some_and(|e| e == "seg"))
        .expect("a segment");
    let mut bytes = std::fs::read(&segment).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x55;
    std::fs::write(&segment, bytes).unwrap();
    // A night that does not read the damaged part (no text is searched
    // again for copies) reports what it did, reading no post anew.
    let before = std::fs::read(out.join("assignments.csv")).unwrap();
    let again = tool(&["run", "--input", p, "--out", o, "--k", "4", "-q"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(!stderr(&again).contains("damaged"), "{}", stderr(&again));
    assert_eq!(run_json(&out)["counts"]["new_or_changed"], 0);
    assert_eq!(std::fs::read(out.join("assignments.csv")).unwrap(), before);
    let again = tool(&[
        "run",
        "--input",
        p,
        "--out",
        o,
        "--k",
        "4",
        "--near-duplicate",
        "0.85",
        "-q",
    ]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(stderr(&again).contains("damaged"), "{}", stderr(&again));
    assert_eq!(run_json(&out)["counts"]["new_or_changed"], 60);
    // A damaged model: fitted anew, with a warning naming it.
    let model = out.join(".cache/model.bin");
    let mut bytes = std::fs::read(&model).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x55;
    std::fs::write(&model, bytes).unwrap();
    let again = tool(&["run", "--input", p, "--out", o, "--k", "4", "-q"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("model.bin") && stderr(&again).contains("fitted anew"),
        "{}",
        stderr(&again)
    );
    assert_eq!(run_json(&out)["model"]["source"], "fitted");

    // --no-cache neither reads nor writes it, and leaves an existing one as
    // it was.
    let no_cache = |out: &str| {
        let run = tool(&[
            "run",
            "--input",
            p,
            "--out",
            out,
            "--k",
            "4",
            "--no-cache",
            "-q",
        ]);
        assert!(run.status.success(), "{}", stderr(&run));
    };
    let plain = dir.path().join("plain");
    no_cache(plain.to_str().unwrap());
    assert!(!plain.join(".cache").exists());
    let before = std::fs::read(&cache).unwrap();
    no_cache(o);
    assert_eq!(std::fs::read(&cache).unwrap(), before);
}

#[test]
fn an_unreadable_theme_history_stops_the_run_and_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (posts, out) = demo_run(dir.path());
    let (p, o) = (posts.to_str().unwrap(), out.to_str().unwrap());
    let history = out.join("themes_history.csv");
    std::fs::write(&history, "when,what\nyesterday,something\n").unwrap();
    let again = tool(&["run", "--input", p, "--out", o, "--k", "4", "-q"]);
    assert_eq!(again.status.code(), Some(1), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("themes_history.csv") && stderr(&again).contains("header"),
        "{}",
        stderr(&again)
    );
    assert_eq!(
        std::fs::read_to_string(&history).unwrap(),
        "when,what\nyesterday,something\n"
    );
}

#[test]
fn the_users_files_in_the_output_folder_survive_a_run() {
    let dir = tempfile::tempdir().unwrap();
    let (posts, out) = demo_run(dir.path());
    let (p, o) = (posts.to_str().unwrap(), out.to_str().unwrap());
    std::fs::write(out.join("my-notes.txt"), "keep me").unwrap();
    assert!(tool(&["run", "--input", p, "--out", o, "--k", "3", "-q"])
        .status
        .success());
    assert_eq!(
        std::fs::read_to_string(out.join("my-notes.txt")).unwrap(),
        "keep me"
    );
    // No staging folder is left beside the output.
    let leftovers: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("theme-trends-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn config_file_flags_apply_and_the_command_line_wins() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    let init = tool(&["init-config"]);
    assert!(init.status.success());
    let template = String::from_utf8(init.stdout).unwrap();
    assert!(template.contains("# granularity = \"month\""));
    assert!(template.contains("# k = \"auto\""));
    // The template itself is valid TOML.
    toml::from_str::<toml::Table>(&template).unwrap();

    let cfg = dir.path().join("nightly.toml");
    std::fs::write(
        &cfg,
        format!(
            "input = {:?}\nout = {:?}\nk = 4\ngranularity = \"week\"\nno_charts = true\n",
            common::demo().display().to_string(),
            out.display().to_string()
        ),
    )
    .unwrap();
    let o = tool(&["run", "--config", cfg.to_str().unwrap(), "--k", "3", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let run = run_json(&out);
    assert_eq!(run["parameters"]["granularity"], "week");
    assert_eq!(run["parameters"]["k"], "3");
    assert_eq!(run["parameters"]["no_charts"], true);

    std::fs::write(&cfg, "k = 4\nkay = 5\n").unwrap();
    let bad = tool(&[
        "run",
        "--config",
        cfg.to_str().unwrap(),
        "--input",
        "x",
        "--out",
        "y",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("nightly.toml") && stderr(&bad).contains("kay"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn strict_mode_and_the_date_window() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    let demo = common::demo();
    let (d, o) = (demo.to_str().unwrap(), out.to_str().unwrap());
    // The demo has two broken files: --strict turns that into exit code 3,
    // with the reports written all the same.
    let strict = tool(&[
        "run", "--input", d, "--out", o, "--k", "4", "--strict", "-q",
    ]);
    assert_eq!(strict.status.code(), Some(3), "{}", stderr(&strict));
    assert!(out.join("themes.csv").exists());

    let window = tool(&[
        "run",
        "--input",
        d,
        "--out",
        o,
        "--k",
        "3",
        "--since",
        "2024-02-01",
        "--until",
        "2024-04-30",
        "-q",
    ]);
    assert!(window.status.success(), "{}", stderr(&window));
    let run = run_json(&out);
    let c = &run["counts"];
    let outside = c["outside_window"].as_u64().unwrap();
    assert!(outside > 20, "{outside}");
    assert_eq!(
        c["accepted"].as_u64().unwrap() + c["rejected"].as_u64().unwrap() + outside,
        c["posts"].as_u64().unwrap()
    );
    let (_, trends) = common::read_csv(&out.join("trends.csv"));
    assert!(trends
        .iter()
        .all(|r| ("2024-02-01".."2024-05-01").contains(&r[0].as_str())));
    let bad = tool(&[
        "run",
        "--input",
        d,
        "--out",
        o,
        "--since",
        "2024-05-01",
        "--until",
        "2024-01-01",
    ]);
    assert_eq!(bad.status.code(), Some(2));
}

/// A run killed with SIGKILL mid-way leaves the previous reports exactly as
/// they were. Uses the real archive so that the run lasts long enough.
#[test]
#[cfg(unix)]
fn a_killed_run_leaves_the_previous_reports_whole() {
    let Some(input) = common::corpus("xwlb/_posts") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    let args = [
        "run",
        "--input",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--k",
        "20",
        "-q",
    ];
    let first = tool(&args);
    assert!(first.status.success(), "{}", stderr(&first));
    let snapshot = |root: &Path| -> Vec<(PathBuf, Vec<u8>)> {
        let mut files: Vec<(PathBuf, Vec<u8>)> = walkdir::WalkDir::new(root)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                (
                    e.path().strip_prefix(root).unwrap().to_path_buf(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    };
    let before = snapshot(&out);
    for delay_ms in [300u64, 1000] {
        // Choosing k without the cache makes the run last a few seconds.
        let mut child = Command::new(env!("CARGO_BIN_EXE_theme-trends"))
            .args(["run", "--input", input.to_str().unwrap()])
            .args([
                "--out",
                out.to_str().unwrap(),
                "-q",
                "--fresh",
                "--no-cache",
            ])
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended within {delay_ms} ms: nothing was killed"
        );
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        let after = snapshot(&out);
        assert_eq!(before.len(), after.len(), "killed after {delay_ms} ms");
        for ((pa, a), (pb, b)) in before.iter().zip(&after) {
            assert_eq!(pa, pb);
            assert!(
                a == b,
                "{} changed by a run killed after {delay_ms} ms",
                pa.display()
            );
        }
    }
}

/// The cache follows the posts, not how `--input` is spelled.
#[test]
fn the_cache_is_found_whatever_the_spelling_of_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let posts = demo_copy(dir.path());
    let out = dir.path().join("reports");
    let o = out.to_str().unwrap();
    let plain = posts.to_str().unwrap().to_string();
    let dotted = format!("{}/./", posts.display());
    for input in [&plain, &dotted] {
        let run = tool(&["run", "--input", input, "--out", o, "--k", "4", "-q"]);
        assert!(run.status.success(), "{}", stderr(&run));
    }
    assert_eq!(run_json(&out)["counts"]["new_or_changed"], 0);
}

// ---------------------------------------------------------------------------
// Stable theme ids: the matching, not the size order, keeps them
// ---------------------------------------------------------------------------

/// `run --input posts --out out --k K --max-df 0.9 --no-charts -q` plus
/// `extra`; must succeed. (A subject's words are each in most of its posts:
/// the default `--max-df 0.3` would drop those of a subject with more than
/// 40% of the posts.)
fn run_k(posts: &Path, out: &Path, k: usize, extra: &[&str]) -> std::process::Output {
    let k = k.to_string();
    let mut args = vec![
        "run",
        "--input",
        posts.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--k",
        &k,
        "--max-df",
        "0.9",
        "--no-charts",
        "-q",
    ];
    args.extend(extra);
    let o = tool(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    o
}

/// Theme ids, sizes and labels of `themes.csv`, by id.
fn themes_by_id(out: &Path) -> std::collections::BTreeMap<String, (usize, String)> {
    common::read_csv(&out.join("themes.csv"))
        .1
        .into_iter()
        .map(|r| (r[0].clone(), (r[2].parse().unwrap(), r[1].clone())))
        .collect()
}

/// Themes are numbered by size in a first run; when a small theme grows to
/// be the largest, it keeps its id (and the others keep theirs).
#[test]
fn theme_ids_follow_the_content_when_the_themes_change_size_order() {
    let dir = tempfile::tempdir().unwrap();
    let posts = dir.path().join("_posts");
    let out = dir.path().join("reports");
    common::write_subject(&posts, "travel", 0, 20, "2024-01-02", 2);
    common::write_subject(&posts, "flood", 0, 15, "2024-05-02", 3);
    common::write_subject(&posts, "trade", 0, 10, "2024-03-02", 5);
    run_k(&posts, &out, 3, &[]);
    let first = common::theme_of_subjects(&out);
    // The first run numbers by size: travel (20), flood (15), trade (10).
    assert_eq!(
        (&*first["travel"], &*first["flood"], &*first["trade"]),
        ("0", "1", "2")
    );

    // Trade grows from 10 to 40 posts: now the largest theme by far.
    common::write_subject(&posts, "trade", 10, 30, "2024-07-01", 2);
    run_k(&posts, &out, 3, &[]);
    let second = common::theme_of_subjects(&out);
    assert_eq!(second, first, "theme ids must follow the subjects");
    let themes = themes_by_id(&out);
    assert_eq!(themes[&first["trade"]].0, 40, "{themes:?}");
    assert_eq!(
        common::run_json(&out)["counts"]["themes_disappeared"],
        serde_json::json!([])
    );
}

/// A new subject becomes a new theme with an id never given before; the
/// old themes keep theirs although the new one is the largest.
#[test]
fn a_new_theme_gets_a_new_id_and_the_old_themes_keep_theirs() {
    let dir = tempfile::tempdir().unwrap();
    let posts = dir.path().join("_posts");
    let out = dir.path().join("reports");
    common::write_subject(&posts, "travel", 0, 20, "2024-01-02", 2);
    common::write_subject(&posts, "flood", 0, 15, "2024-05-02", 3);
    common::write_subject(&posts, "trade", 0, 12, "2024-03-02", 5);
    run_k(&posts, &out, 3, &[]);
    let first = common::theme_of_subjects(&out);

    // Space news arrives, more of it than of any other subject.
    common::write_subject(&posts, "space", 0, 25, "2024-02-03", 3);
    run_k(&posts, &out, 4, &[]);
    let second = common::theme_of_subjects(&out);
    for key in ["travel", "flood", "trade"] {
        assert_eq!(second[key], first[key], "{key} changed id: {second:?}");
    }
    let old: Vec<u32> = first.values().map(|id| id.parse().unwrap()).collect();
    let new: u32 = second["space"].parse().unwrap();
    assert!(
        new > *old.iter().max().unwrap(),
        "the new theme got id {new}, ids so far {old:?}"
    );
    assert_eq!(themes_by_id(&out)[&second["space"]].0, 25);
    assert_eq!(
        common::run_json(&out)["counts"]["themes_disappeared"],
        serde_json::json!([])
    );
}

/// A subject that leaves the archive is listed in `run.json` as a
/// disappeared theme, with its id and last label; the other themes keep
/// their ids, and a later new theme does not get the disappeared one's id.
#[test]
fn a_theme_that_disappears_is_listed_in_run_json_and_its_id_never_reused() {
    let dir = tempfile::tempdir().unwrap();
    let posts = dir.path().join("_posts");
    let out = dir.path().join("reports");
    common::write_subject(&posts, "travel", 0, 25, "2024-01-02", 2);
    common::write_subject(&posts, "trade", 0, 20, "2024-03-02", 3);
    common::write_subject(&posts, "space", 0, 15, "2024-02-03", 4);
    let mut flood = common::write_subject(&posts, "flood", 0, 10, "2024-05-02", 5);
    run_k(&posts, &out, 4, &[]);
    let first = common::theme_of_subjects(&out);
    // The smallest theme has the highest id: a new theme must not take it.
    assert_eq!(first["flood"], "3", "{first:?}");
    let flood_label = themes_by_id(&out)[&first["flood"]].1.clone();

    // The flood posts are removed.
    for p in flood.drain(..) {
        std::fs::remove_file(p).unwrap();
    }
    run_k(&posts, &out, 3, &[]);
    let second = common::theme_of_subjects(&out);
    for key in ["travel", "trade", "space"] {
        assert_eq!(second[key], first[key], "{key} changed id: {second:?}");
    }
    let flood_id: u64 = first["flood"].parse().unwrap();
    assert_eq!(
        common::run_json(&out)["counts"]["themes_disappeared"],
        serde_json::json!([{"theme_id": flood_id, "label": flood_label}])
    );
    assert!(!themes_by_id(&out).contains_key(&first["flood"]));

    // Farm news arrives, more than travel: a new theme, with an id no
    // theme ever had (not the disappeared flood theme's 3).
    common::write_subject(&posts, "farm", 0, 30, "2024-06-01", 2);
    run_k(&posts, &out, 4, &[]);
    let third = common::theme_of_subjects(&out);
    for key in ["travel", "trade", "space"] {
        assert_eq!(third[key], first[key], "{key} changed id: {third:?}");
    }
    let farm: u64 = third["farm"].parse().unwrap();
    assert!(
        farm > 3,
        "the new theme got id {farm}; ids 0-3 were given before"
    );
    assert_eq!(
        common::run_json(&out)["counts"]["themes_disappeared"],
        serde_json::json!([])
    );
}

// ---------------------------------------------------------------------------
// --fresh and the warm start
// ---------------------------------------------------------------------------

/// `--fresh` forgets the previous run: ids are numbered anew, by size from
/// 0, and no theme is reported as disappeared.
#[test]
fn fresh_numbers_the_themes_anew() {
    let dir = tempfile::tempdir().unwrap();
    let posts = dir.path().join("_posts");
    let out = dir.path().join("reports");
    let travel = common::write_subject(&posts, "travel", 0, 25, "2024-01-02", 2);
    common::write_subject(&posts, "trade", 0, 20, "2024-03-02", 3);
    common::write_subject(&posts, "space", 0, 15, "2024-02-03", 4);
    common::write_subject(&posts, "flood", 0, 10, "2024-05-02", 5);
    run_k(&posts, &out, 4, &[]);
    // Travel (id 0) leaves: the others keep ids 1, 2, 3.
    for p in travel {
        std::fs::remove_file(p).unwrap();
    }
    run_k(&posts, &out, 3, &[]);
    let kept = common::theme_of_subjects(&out);
    assert_eq!(
        (&*kept["trade"], &*kept["space"], &*kept["flood"]),
        ("1", "2", "3")
    );

    run_k(&posts, &out, 3, &["--fresh"]);
    let fresh = common::theme_of_subjects(&out);
    assert_eq!(
        (&*fresh["trade"], &*fresh["space"], &*fresh["flood"]),
        ("0", "1", "2"),
        "--fresh numbers the themes by size from 0"
    );
    let run = common::run_json(&out);
    assert_eq!(run["parameters"]["fresh"], true);
    assert_eq!(run["counts"]["themes_disappeared"], serde_json::json!([]));
    // The history keeps every run's rows.
    let (_, history) = common::read_csv(&out.join("themes_history.csv"));
    assert_eq!(history.len(), 4 + 3 + 3);
}

/// Number of themes in `out`, and the k marked chosen in `k_selection.csv`
/// (`None` when the file is absent: no k was searched).
/// The number of themes, and the k chosen by a search in this run (`None`
/// when the run kept the previous model and searched nothing).
fn k_of(out: &Path) -> (usize, Option<usize>) {
    let themes = common::read_csv(&out.join("themes.csv")).1.len();
    let file = out.join("k_selection.csv");
    let searched = run_json(out)["model"]["source"] == "fitted";
    let chosen = (searched && file.exists()).then(|| {
        let (h, rows) = common::read_csv(&file);
        assert_eq!(h[7], "chosen");
        let chosen: Vec<usize> = rows
            .iter()
            .filter(|r| r[7] == "true")
            .map(|r| r[0].parse().unwrap())
            .collect();
        assert_eq!(chosen.len(), 1, "{rows:?}");
        chosen[0]
    });
    (themes, chosen)
}

/// With `--k auto`, a run on an archive that grew by less than 10% since
/// its themes were fitted keeps them, and k (no search). A growth of 10%
/// or more refines them, without a search either: the old themes keep
/// their ids, and the new subject — new content, dated after the posts
/// they were fitted on — becomes a theme of its own with a new id.
/// `--fresh` chooses k anew.
#[test]
fn k_auto_is_kept_while_the_archive_grows_and_a_refine_adds_a_theme_for_new_content() {
    let dir = tempfile::tempdir().unwrap();
    let posts = dir.path().join("_posts");
    let (small, large) = (dir.path().join("small"), dir.path().join("large"));
    common::write_subject(&posts, "travel", 0, 30, "2024-01-02", 2);
    common::write_subject(&posts, "flood", 0, 30, "2024-05-02", 2);
    common::write_subject(&posts, "trade", 0, 30, "2024-03-02", 2);
    let auto = [
        "--k",
        "auto",
        "--k-range",
        "2..8",
        "--max-df",
        "0.9",
        "--no-charts",
        "-q",
    ];
    let run = |out: &Path, extra: &[&str]| {
        let mut args = vec!["run", "--input", posts.to_str().unwrap()];
        args.extend(["--out", out.to_str().unwrap()]);
        args.extend(auto);
        args.extend(extra);
        let o = tool(&args);
        assert!(o.status.success(), "{}", stderr(&o));
    };
    run(&small, &[]);
    run(&large, &[]);
    assert_eq!(k_of(&small), (3, Some(3)));
    assert_eq!(k_of(&large), (3, Some(3)));
    let first = common::theme_of_subjects(&large);

    // 8 space posts, after the last flood post: 98 posts, 8.9% more. No
    // search: the 3 themes are kept.
    common::write_subject(&posts, "space", 0, 8, "2024-07-01", 2);
    run(&small, &[]);
    assert_eq!(k_of(&small), (3, None), "k must be kept below 10% growth");
    assert_eq!(run_json(&small)["model"]["source"], "kept");

    // 4 more: 102 posts, 13% more than the first run of `large`, whose
    // themes are therefore refined: no search, the old subjects keep their
    // ids, and the space news is a new theme.
    common::write_subject(&posts, "space", 8, 4, "2024-07-17", 2);
    run(&large, &[]);
    assert_eq!(run_json(&large)["model"]["source"], "refined");
    assert_eq!(k_of(&large), (4, None));
    let refined = common::theme_of_subjects(&large);
    for key in ["travel", "flood", "trade"] {
        assert_eq!(refined[key], first[key], "{key} changed id: {refined:?}");
    }
    assert_eq!(refined["space"], "3", "{refined:?}");
    assert_eq!(themes_by_id(&large)["3"].0, 12);

    // `small` grew by only 4% since its last run, but by 13% since its
    // themes were fitted: growth adds up from night to night, so it is
    // refined too, to the same themes.
    run(&small, &[]);
    assert_eq!(run_json(&small)["model"]["source"], "refined");
    assert_eq!(common::theme_of_subjects(&small), refined);
    // Now unchanged: kept; --fresh chooses k anew and finds the 4 subjects.
    run(&small, &[]);
    assert_eq!(k_of(&small), (4, None));
    assert_eq!(run_json(&small)["model"]["source"], "kept");
    run(&small, &["--fresh"]);
    assert_eq!(k_of(&small), (4, Some(4)));
}

/// The night that crosses the refit threshold: an archive in the feed's
/// shape (generated, 2,825 posts) grows by 22% since its themes were
/// fitted. The themes are refined from the previous ones, not fitted
/// anew: at least 90% of the posts keep their theme id, counted post by
/// post, as `benches/nightly_flash.sh` counts them (a fit anew with the
/// same flags keeps 68.5% here).
#[test]
fn a_night_past_the_refit_threshold_keeps_nine_in_ten_theme_ids() {
    let dir = tempfile::tempdir().unwrap();
    let generated = dir.path().join("generated");
    archive::generate(
        &generated,
        &archive::Settings {
            posts: 3_450,
            days: 138,
            ..Default::default()
        },
    )
    .unwrap();
    let posts = dir.path().join("archive/_posts");
    let later = common::posts_before(&generated.join("_posts"), &posts, "2022-03-24");
    let out = dir.path().join("reports");
    let run = || {
        let o = tool(&[
            "run",
            "--input",
            posts.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--no-charts",
            "-q",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    };
    run();
    let before = theme_of_posts(&out);
    let k = run_json(&out)["counts"]["themes"].as_u64().unwrap();
    assert_eq!(before.len(), 2_825);

    common::add_posts(&later, &posts);
    run();
    let run = run_json(&out);
    assert_eq!(run["model"]["source"], "refined", "{}", run["model"]);
    assert!(
        run["counts"]["themes"].as_u64().unwrap() >= k,
        "k is kept: {} themes, {k} before",
        run["counts"]["themes"]
    );
    let after = theme_of_posts(&out);
    let (kept, both) = kept_ids(&before, &after);
    assert!(
        kept * 10 >= both * 9,
        "{kept} of {both} posts kept their theme id ({:.1}%)",
        100.0 * kept as f64 / both as f64
    );
}
