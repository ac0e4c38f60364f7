//! Word vectors learned from the archive: `terms --similar` lists a word's
//! neighbours, and a run can take the vectors of another run's model
//! (`--vectors-from`).

mod common;

use std::path::Path;

/// Runs the analysis of `input` into `out` with two themes.
fn analyse(input: &Path, out: &Path, flags: &[&str]) -> std::process::Output {
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
    common::tool(&args)
}

fn two_subjects(dir: &Path) -> std::path::PathBuf {
    let input = dir.join("_posts");
    common::write_subject(&input, "space", 0, 60, "2024-01-01", 1);
    common::write_subject(&input, "farm", 100, 60, "2024-01-01", 1);
    input
}

#[test]
fn similar_words_are_words_of_the_same_subject() {
    let dir = tempfile::tempdir().unwrap();
    let input = two_subjects(dir.path());
    let out = dir.path().join("out");
    let o = analyse(&input, &out, &[]);
    assert!(o.status.success(), "{}", common::stderr(&o));

    let o = common::tool(&[
        "terms",
        "--out",
        out.to_str().unwrap(),
        "--similar",
        "--similar-count",
        "8",
        "火箭",
        "没有这个词",
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let mut r = csv::Reader::from_reader(o.stdout.as_slice());
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        ["term", "word", "similarity", "form_word"]
    );
    let rows: Vec<Vec<String>> = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(rows.len(), 8, "{rows:?}");
    let space = &common::subject("space").words;
    for row in &rows {
        assert_eq!(row[0], "火箭");
        assert!(
            space.contains(&row[1].as_str()),
            "{} is not a space word: {rows:?}",
            row[1]
        );
    }
    let sims: Vec<f32> = rows.iter().map(|r| r[2].parse().unwrap()).collect();
    assert!(sims.windows(2).all(|w| w[0] >= w[1]), "{sims:?}");
    // The unknown word is named on standard error.
    assert!(common::stderr(&o).contains("没有这个词"));

    // run.json says where the vectors came from and how big they are.
    let v = &common::run_json(&out)["model"]["vectors"];
    assert_eq!(v["source"], "learned", "{v}");
    assert!(v["words"].as_u64().unwrap() >= 30, "{v}");
}

#[test]
fn a_run_takes_the_vectors_of_another_runs_model() {
    let dir = tempfile::tempdir().unwrap();
    let big = two_subjects(dir.path());
    let lender = dir.path().join("lender");
    let o = analyse(&big, &lender, &[]);
    assert!(o.status.success(), "{}", common::stderr(&o));

    // A small archive of eight posts.
    let small = dir.path().join("small");
    common::write_subject(&small, "space", 500, 4, "2024-03-01", 1);
    common::write_subject(&small, "farm", 600, 4, "2024-03-01", 1);
    let cache = lender.join(".cache");
    let out = dir.path().join("out");
    let o = analyse(&small, &out, &["--vectors-from", cache.to_str().unwrap()]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let v = &common::run_json(&out)["model"]["vectors"];
    assert_eq!(v["source"], cache.display().to_string(), "{v}");
    // The lender's vocabulary, not the small archive's.
    let lent = &common::run_json(&lender)["model"]["vectors"]["words"];
    assert_eq!(&v["words"], lent);
    // A model without vectors cannot lend any, and the message says why.
    let plain = dir.path().join("plain");
    let o = analyse(&big, &plain, &["--vector-dims", "0"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(common::run_json(&plain)["model"]["vectors"].is_null());
    let o = analyse(
        &small,
        &dir.path().join("out2"),
        &["--vectors-from", plain.join(".cache").to_str().unwrap()],
    );
    assert!(!o.status.success());
    assert!(
        common::stderr(&o).contains("no word vectors"),
        "{}",
        common::stderr(&o)
    );
}
