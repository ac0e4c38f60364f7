//! The read + segment floor: the least any pipeline over a post folder must
//! do before it can count a word. Walks the folder, reads every `*.md`,
//! strips the YAML front matter (keeping its `title:`) and the HTML tags
//! (no other cleaning), and segments title + body with jieba-rs (the
//! default dictionary, HMM on, as theme-trends' default) on all cores.
//! Loading the dictionary is part of it, as it is part of a run.
//!
//!     cargo bench --bench floor -- FOLDER [RUNS]
//!
//! Prints one line per run and a last line of JSON:
//! `{"floor_seconds": median, "runs": [...], "posts": n, "words": m}`.
//! `benches/compare.sh` divides the job's time by `floor_seconds`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use jieba_rs::Jieba;
use rayon::prelude::*;

fn posts(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| e.into_path())
        .collect();
    out.sort();
    out
}

/// Title (from the front matter) and body without front matter and tags.
fn strip(text: &str) -> (String, String) {
    let mut title = String::new();
    let mut body = text;
    if let Some(rest) = text.strip_prefix("---") {
        if let Some(end) = rest.find("\n---") {
            for line in rest[..end].lines() {
                if let Some(t) = line.strip_prefix("title:") {
                    title = t.trim().trim_matches('"').to_string();
                }
            }
            body = &rest[end + 4..];
        }
    }
    let mut plain = String::with_capacity(body.len());
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => plain.push(c),
            _ => {}
        }
    }
    (title, plain)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: cargo bench --bench floor -- FOLDER [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(3);
    let mut times = Vec::new();
    let (mut n_posts, mut n_words) = (0usize, 0usize);
    for run in 1..=runs {
        let started = Instant::now();
        let jieba = Jieba::new();
        let files = posts(Path::new(dir));
        let words: usize = files
            .par_iter()
            .map(|p| {
                let Ok(text) = std::fs::read_to_string(p) else {
                    return 0;
                };
                let (title, body) = strip(&text);
                jieba.cut(&title, true).len() + jieba.cut(&body, true).len()
            })
            .sum();
        let secs = started.elapsed().as_secs_f64();
        eprintln!(
            "floor run {run}: {secs:.3} s, {} posts, {words} words",
            files.len()
        );
        times.push(secs);
        (n_posts, n_words) = (files.len(), words);
    }
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    println!(
        "{{\"floor_seconds\": {median:.4}, \"runs\": {times:?}, \"posts\": {n_posts}, \"words\": {n_words}}}"
    );
}
