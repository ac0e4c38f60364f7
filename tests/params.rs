//! Every parameter round-trips exactly: typed on the command line, written
//! into `run.json`, read back from it (as `terms` does), written as a
//! config file and read from it, each time with values other than the
//! defaults — so a setting means the same wherever it comes from, and the
//! cache keys made from it (model, assignment results) are the same.

use std::path::Path;

use clap::CommandFactory;
use theme_trends::cli::{self, Cli, Command};
use theme_trends::params::{Job, Params};

/// A value other than the default for every analysis flag of `run`
/// (switches have none). Files named here are made by the test.
fn non_default(dir: &Path) -> Vec<(&'static str, Option<String>)> {
    let file = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        Some(p.display().to_string())
    };
    vec![
        ("since", Some("2024-01-02".into())),
        ("until", Some("2025-02-03".into())),
        ("now", Some("2026-05-06 07:08:09".into())),
        ("max-chars", Some("5000".into())),
        ("years", Some("1950..2050".into())),
        ("near-duplicate", Some("0.8".into())),
        ("keep-near-duplicates", None),
        ("seed", Some("7".into())),
        (
            "themes",
            file(
                "themes.toml",
                "[[theme]]\nname = \"春运\"\nseeds = [\"春运\", \"旅客\"]\nmin_similarity = 0.35\n",
            ),
        ),
        ("dims", Some("30".into())),
        ("svd-iters", Some("3".into())),
        ("vector-dims", Some("60".into())),
        ("vector-words", Some("5000".into())),
        ("vector-window", Some("3".into())),
        ("vector-tokens", Some("500000".into())),
        ("vector-weight", Some("0.3".into())),
        ("vector-full-words", Some("40".into())),
        ("vector-remove-common", None),
        ("vectors-from", Some("other/.cache".into())),
        ("form-weight", Some("0.5".into())),
        ("k", Some("12".into())),
        ("k-range", Some("5..25".into())),
        ("kmeans-runs", Some("4".into())),
        ("kmeans-iters", Some("20".into())),
        ("kmeans-sample", Some("3000".into())),
        ("kmeans-restart-sample", Some("1500".into())),
        ("sample", Some("20000".into())),
        ("top-terms", Some("7".into())),
        ("stopwords", file("stop.txt", "铁路\n")),
        ("user-dict", file("dict.txt", "专精特新 5 n\n")),
        ("min-word-chars", Some("3".into())),
        ("no-hmm", None),
        ("min-df", Some("0.001".into())),
        // 1.0 is a fraction (every post), not the count 1.
        ("max-df", Some("1.0".into())),
        ("max-features", Some("500".into())),
        ("title-weight", Some("2".into())),
        ("granularity", Some("week".into())),
        ("smooth", Some("5".into())),
        ("recent", Some("2".into())),
        ("burst-scale", Some("2.5".into())),
        ("burst-gamma", Some("1.5".into())),
        ("facet", Some("tags".into())),
        ("event-min-posts", Some("7".into())),
        ("event-max-share", Some("0.4".into())),
        ("event-min-score", Some("40".into())),
        ("all-events", None),
        ("outlet", Some("categories".into())),
        ("no-events", None),
        ("chart-size", Some("1200x700".into())),
        (
            "font",
            Some("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc".into()),
        ),
        ("no-charts", None),
    ]
}

/// Flags of `run` that are not analysis parameters (the job, the run).
const NOT_PARAMETERS: [&str; 16] = [
    "help", "input", "out", "cache", "no-cache", "fresh", "refit", "verify", "strict", "wait",
    "config", "threads", "quiet", "verbose", "version", "help",
];

fn params_of(args: Vec<String>) -> Params {
    let mut all = vec!["theme-trends".to_string(), "run".into()];
    all.extend(args);
    all.extend(["--input".into(), "in".into(), "--out".into(), "out".into()]);
    match cli::parse_args(all.into_iter().map(Into::into)) {
        Ok(Cli {
            command: Command::Run(a),
        }) => a.params,
        Ok(_) => panic!("not run"),
        Err(cli::ArgsError::Clap(e)) => panic!("{e}"),
        Err(cli::ArgsError::Config(e)) => panic!("{e}"),
    }
}

#[test]
fn every_parameter_round_trips_through_flags_run_json_and_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let values = non_default(dir.path());
    // The table covers every flag of run.
    let cmd = Cli::command();
    let run = cmd.find_subcommand("run").unwrap();
    for arg in run.get_arguments() {
        let Some(long) = arg.get_long() else { continue };
        if NOT_PARAMETERS.contains(&long) {
            continue;
        }
        assert!(
            values.iter().any(|(f, _)| *f == long),
            "--{long} has no non-default value in this test: add one"
        );
    }
    let args: Vec<String> = values
        .iter()
        .flat_map(|(f, v)| std::iter::once(format!("--{f}")).chain(v.clone()))
        .collect();
    let typed = params_of(args);
    let defaults = Params::default();
    assert_ne!(typed.vectorize, defaults.vectorize);
    assert_eq!(typed.vectorize.max_df.to_string(), "1.0");
    let checked = typed.clone().check().unwrap();

    // run.json, and read back from it.
    let job = Job::new("in", "out");
    let record = checked.record(&job);
    let back: Params = serde_json::from_value(record.clone()).unwrap();
    assert_eq!(back.clone().check().unwrap(), checked);
    assert_eq!(
        back.clone().check().unwrap().fit().key(),
        checked.fit().key()
    );
    assert_eq!(back.check().unwrap().assign().key(), checked.assign().key());

    // A config file with the same settings, as `init-config` keys them.
    let mut table: toml::Table = toml::from_str(&toml::to_string(&typed).unwrap()).unwrap();
    table.remove("extra_words");
    let config = dir.path().join("nightly.toml");
    std::fs::write(&config, toml::to_string(&table).unwrap()).unwrap();
    let from_file = params_of(vec!["--config".into(), config.display().to_string()]);
    assert_eq!(from_file.check().unwrap(), checked);

    // A float typed in the config file means a fraction, as on the command line.
    std::fs::write(&config, "max_df = 1.0\nmin_df = 2\n").unwrap();
    let p = params_of(vec!["--config".into(), config.display().to_string()]);
    assert_eq!(p.vectorize.max_df.to_string(), "1.0");
    assert_eq!(p.vectorize.min_df.to_string(), "2");
}

/// Error messages name only flags that exist: each `Error::param("--x", …)`
/// of the library is a flag of some subcommand.
#[test]
fn error_messages_name_flags_that_exist() {
    let cmd = Cli::command();
    let mut flags = std::collections::BTreeSet::new();
    for sub in cmd.get_subcommands() {
        for arg in sub.get_arguments() {
            if let Some(l) = arg.get_long() {
                flags.insert(format!("--{l}"));
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut named = Vec::new();
    let mut stack = vec![src];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let whole = std::fs::read_to_string(&p).unwrap_or_default();
            let text = whole.split("#[cfg(test)]").next().unwrap_or("");
            for (i, _) in text.match_indices("Error::param(") {
                let rest = text[i + 13..].trim_start();
                if let Some(s) = rest.strip_prefix('"') {
                    let name: String = s.chars().take_while(|c| *c != '"').collect();
                    named.push((p.display().to_string(), name));
                }
            }
        }
    }
    assert!(named.len() > 20, "{} names found", named.len());
    for (file, name) in named {
        for part in name.split('/') {
            let part = part.trim();
            if part.starts_with("--") {
                assert!(
                    flags.contains(part),
                    "{file} names {part}, which is no flag"
                );
            }
        }
    }
}
