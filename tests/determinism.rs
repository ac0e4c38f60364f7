//! The same input, flags and seed give byte-identical themes.csv,
//! assignments.csv and trends.csv, on 1 thread and on 2, run after run: on
//! a generated archive in the feed's shape (always), on the night that
//! refines its themes, and on the first months of the real archive (beside
//! the checkout; CI has it).

mod common;

#[path = "support/archive.rs"]
mod archive;

use std::path::Path;
use std::process::Command;

fn run(input: &Path, out: &Path, threads: &str, flags: &[&str]) {
    let o = Command::new(env!("CARGO_BIN_EXE_theme-trends"))
        .args(["run", "--input"])
        .arg(input)
        .arg("--out")
        .arg(out)
        .args(["--threads", threads, "--no-charts", "-q"])
        .args(flags)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// The file's bytes, except that k_selection.csv's wall-clock `seconds`
/// column is blanked: everything else must match to the byte.
fn comparable(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    if !path.ends_with("k_selection.csv") {
        return text;
    }
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "seconds")
        .expect("k_selection.csv has a seconds column");
    text.lines()
        .map(|line| {
            let mut fields: Vec<&str> = line.split(',').collect();
            fields[col] = "";
            fields.join(",")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs `input` on 1, 2 and 2 threads and compares the results.
fn same_on_any_threads(input: &Path, flags: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let outs = [("1", "a"), ("2", "b"), ("2", "c")].map(|(threads, name)| {
        let out = dir.path().join(name);
        run(input, &out, threads, flags);
        out
    });
    same_files(&outs);
}

/// The reports in `outs` are the same.
fn same_files(outs: &[std::path::PathBuf]) {
    for file in [
        "themes.csv",
        "assignments.csv",
        "trends.csv",
        "emerging.csv",
        "k_selection.csv",
    ] {
        // A refine searches no k: no k_selection.csv, in every run.
        let there: Vec<bool> = outs.iter().map(|o| o.join(file).exists()).collect();
        assert!(there.iter().all(|&t| t == there[0]), "{file}: {there:?}");
        if !there[0] && file == "k_selection.csv" {
            continue;
        }
        let first = comparable(&outs[0].join(file));
        let must_hold = ["themes.csv", "assignments.csv", "trends.csv"].contains(&file);
        assert!(!must_hold || first.len() > 100, "{file} is nearly empty");
        for other in &outs[1..] {
            let bytes = comparable(&other.join(file));
            assert!(
                bytes == first,
                "{file} differs between {} and {}",
                outs[0].display(),
                other.display()
            );
        }
    }
}

#[test]
fn results_do_not_depend_on_threads_or_on_the_run() {
    let dir = tempfile::tempdir().unwrap();
    archive::generate(
        dir.path(),
        &archive::Settings {
            posts: 3_000,
            days: 120,
            ..Default::default()
        },
    )
    .unwrap();
    same_on_any_threads(
        &dir.path().join("_posts"),
        &["--k", "auto", "--k-range", "4..8"],
    );
}

/// A night whose archive grew by more than 10% refines the previous
/// themes (`fit::refine`): the same on 1 thread and on 2.
#[test]
fn a_refine_does_not_depend_on_threads_or_on_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let generated = dir.path().join("generated");
    archive::generate(
        &generated,
        &archive::Settings {
            posts: 3_000,
            days: 120,
            ..Default::default()
        },
    )
    .unwrap();
    let posts = dir.path().join("_posts");
    let later = common::posts_before(&generated.join("_posts"), &posts, "2022-03-10");
    let outs = [("1", "a"), ("2", "b"), ("2", "c")].map(|(threads, name)| {
        let out = dir.path().join(name);
        run(&posts, &out, threads, &[]);
        out
    });
    common::add_posts(&later, &posts);
    for (out, threads) in outs.iter().zip(["1", "2", "2"]) {
        run(&posts, out, threads, &[]);
        let run: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("run.json")).unwrap()).unwrap();
        assert_eq!(run["model"]["source"], "refined", "{}", run["model"]);
    }
    same_files(&outs);
}

#[test]
fn results_on_the_real_archive_do_not_depend_on_threads_or_on_the_run() {
    let Some(input) = common::corpus("xwlb/_posts") else {
        return;
    };
    same_on_any_threads(&input, &["--until", "2023-03-31"]);
}
