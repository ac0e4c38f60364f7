//! Nightly operation: the cache, stable theme ids, safe publishing, the
//! config file and exit codes, as a cron job meets them.

mod common;

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
    let common: Vec<&String> = before.keys().filter(|k| after.contains_key(*k)).collect();
    let same = common.iter().filter(|k| before[**k] == after[**k]).count();
    assert!(
        same * 10 >= common.len() * 9,
        "{same} of {} posts kept their theme id",
        common.len()
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
    // A damaged segment of the store: the run notices, reads every post
    // anew and succeeds.
    let segment = walk_files(&out.join(".cache/store"))
        .into_iter()
        .find(|f| f.extension().is_some_and(|e| e == "seg"))
        .expect("a segment");
    let mut bytes = std::fs::read(&segment).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x55;
    std::fs::write(&segment, bytes).unwrap();
    let again = tool(&["run", "--input", p, "--out", o, "--k", "4", "-q"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(stderr(&again).contains("damaged"), "{}", stderr(&again));
    assert_eq!(run_json(&out)["counts"]["new_or_changed"], 60);

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
