//! The stages of `run` as subcommands: `prepare` and `assign` on parts (as a
//! cluster engine would run them, in any order), then `fit` and `report`,
//! give the same reports as `run` on the same input.

mod common;

#[path = "support/archive.rs"]
mod archive;

use std::path::Path;

use common::{read_csv, stderr, tool};

fn ok(args: &[&str]) {
    let o = tool(args);
    assert!(o.status.success(), "{args:?}\n{}", stderr(&o));
}

fn same_file(a: &Path, b: &Path, name: &str) {
    let (x, y) = (
        std::fs::read_to_string(a.join(name)).unwrap(),
        std::fs::read_to_string(b.join(name)).unwrap(),
    );
    assert!(x == y, "{name} differs between run and the stages");
}

#[test]
fn prepare_fit_assign_report_on_parts_give_the_reports_of_run() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    // One month of 20,000 posts: five blocks of 4,096, so that with three
    // parts one part holds two blocks of the month and the parts' segments
    // interleave in doc order.
    archive::generate(
        &root,
        &archive::Settings {
            posts: 20_000,
            days: 30,
            ..Default::default()
        },
    )
    .unwrap();
    let input = root.join("_posts");
    let flags = ["--k", "6", "--facet", "credit", "--no-charts", "-q"];
    let with = |args: &[&str]| -> Vec<String> {
        args.iter()
            .chain(flags.iter())
            .map(|s| s.to_string())
            .collect()
    };
    let run_out = dir.path().join("run");
    let args = with(&[
        "run",
        "--input",
        input.to_str().unwrap(),
        "--out",
        run_out.to_str().unwrap(),
        "--no-cache",
    ]);
    ok(&args.iter().map(String::as_str).collect::<Vec<_>>());

    let work = dir.path().join("work");
    let stage_out = dir.path().join("stages");
    let (i, w, o) = (
        input.to_str().unwrap(),
        work.to_str().unwrap(),
        stage_out.to_str().unwrap(),
    );
    // Parts in reverse order, as independent processes would finish.
    for part in ["3/3", "1/3", "2/3"] {
        let args = with(&["prepare", "--input", i, "--cache", w, "--part", part]);
        ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    }
    // fit refuses a store with a part missing; here all are present.
    let args = with(&["fit", "--cache", w]);
    ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    // report refuses to run before every part is assigned.
    let args = with(&["report", "--cache", w, "--out", o]);
    let early = tool(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(early.status.code(), Some(1), "{}", stderr(&early));
    assert!(
        stderr(&early).contains("theme-trends assign"),
        "{}",
        stderr(&early)
    );
    for part in ["2/2", "1/2"] {
        let args = with(&["assign", "--cache", w, "--part", part]);
        ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    }
    ok(&args.iter().map(String::as_str).collect::<Vec<_>>());

    for name in [
        "themes.csv",
        "assignments.csv",
        "trends.csv",
        "trends_by_facet.csv",
        "rejected.csv",
        "emerging.csv",
        "theme_terms_by_period.csv",
        "events.csv",
        "rising_terms.csv",
    ] {
        same_file(&run_out, &stage_out, name);
    }
    let (_, themes) = read_csv(&stage_out.join("themes.csv"));
    assert_eq!(themes.len(), 6);
}

#[test]
fn fit_names_a_missing_part() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    archive::generate(&root, &archive::Settings::default()).unwrap();
    let (i, w) = (
        root.join("_posts").to_str().unwrap().to_string(),
        dir.path().join("work").to_str().unwrap().to_string(),
    );
    ok(&[
        "prepare", "--input", &i, "--cache", &w, "--part", "1/2", "-q",
    ]);
    let o = tool(&["fit", "--cache", &w, "-q"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("part 2/2 has not been prepared"),
        "{}",
        stderr(&o)
    );
}

/// `report` on the cache a `run` published inside its output folder keeps
/// that cache (the next night does not start cold), and `run.json` names
/// how the model came about, as `run` wrote it.
#[test]
fn report_on_a_runs_own_cache_keeps_it_and_names_the_models_true_source() {
    let dir = tempfile::tempdir().unwrap();
    let input = common::demo();
    let out = dir.path().join("R");
    let (i, o) = (input.to_str().unwrap(), out.to_str().unwrap());
    let cache = out.join(".cache");
    let c = cache.to_str().unwrap();
    ok(&[
        "run",
        "--input",
        i,
        "--out",
        o,
        "--k",
        "4",
        "--no-charts",
        "-q",
    ]);
    // A second night keeps the model.
    ok(&[
        "run",
        "--input",
        i,
        "--out",
        o,
        "--k",
        "4",
        "--no-charts",
        "-q",
    ]);
    assert_eq!(common::run_json(&out)["model"]["source"], "kept");
    ok(&[
        "report",
        "--cache",
        c,
        "--out",
        o,
        "--k",
        "4",
        "--no-charts",
        "-q",
    ]);
    assert!(
        cache.join("model.bin").is_file() && cache.join("store").is_dir(),
        "report removed the cache it read"
    );
    assert_eq!(common::run_json(&out)["model"]["source"], "kept");
    // The next night starts warm: nothing is read anew.
    ok(&[
        "run",
        "--input",
        i,
        "--out",
        o,
        "--k",
        "4",
        "--no-charts",
        "-q",
    ]);
    assert_eq!(common::run_json(&out)["counts"]["new_or_changed"], 0);
}
