//! Writes an archive folder shaped like the user's (see `tests/support/archive.rs`):
//!
//! ```sh
//! cargo bench --bench gen_archive -- OUT_DIR [--posts N] [--seed S]
//!     [--days D] [--first YYYY-MM-DD] [--corpus ../shared/corpus/xwlb/_posts]
//! ```
//!
//! With `--corpus`, flashes are cut from the corpus's sentences (real
//! vocabulary) instead of the built-in templates. With `--parquet FILE`,
//! the flashes are written as one table (`date,title,text,categories`)
//! instead of a folder (the scale benchmark's input). Prints a summary of
//! the forms written.

#[path = "../tests/support/archive.rs"]
mod archive;

use std::path::PathBuf;

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let mut out: Option<PathBuf> = None;
    let mut s = archive::Settings::default();
    let mut corpus: Option<PathBuf> = None;
    let mut parquet: Option<PathBuf> = None;
    while let Some(a) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .unwrap_or_else(|| panic!("{name} needs a value"))
        };
        match a.as_str() {
            "--posts" => s.posts = value("--posts").parse().expect("--posts N"),
            "--seed" => s.seed = value("--seed").parse().expect("--seed S"),
            "--days" => s.days = value("--days").parse().expect("--days D"),
            "--articles" => s.articles = value("--articles").parse().expect("--articles F"),
            "--first" => {
                let v = value("--first");
                let p: Vec<u32> = v
                    .split('-')
                    .map(|x| x.parse().expect("--first YYYY-MM-DD"))
                    .collect();
                s.first_day = (p[0] as i32, p[1], p[2]);
            }
            "--corpus" => corpus = Some(PathBuf::from(value("--corpus"))),
            "--parquet" => parquet = Some(PathBuf::from(value("--parquet"))),
            other if !other.starts_with("--") && out.is_none() => out = Some(PathBuf::from(other)),
            other => panic!("unknown argument {other}"),
        }
    }
    let usage = "usage: gen_archive (OUT_DIR | --parquet FILE) [--posts N] [--seed S] [--days D] [--first YYYY-MM-DD] [--corpus DIR]";
    if let Some(dir) = corpus {
        let stories = archive::corpus_stories(&dir, usize::MAX);
        assert!(!stories.is_empty(), "no sentences in {}", dir.display());
        s.stories = Some(stories);
    }
    let start = std::time::Instant::now();
    if let Some(file) = parquet {
        let n = archive::generate_table(&file, &s).expect("table written");
        println!(
            "{n} flashes in {} ({:.1} s)",
            file.display(),
            start.elapsed().as_secs_f64()
        );
        return;
    }
    let out = out.expect(usage);
    let posts = archive::generate(&out, &s).expect("archive written");
    let count = |f: fn(&archive::Generated) -> bool| posts.iter().filter(|p| f(p)).count();
    println!(
        "{} posts in {} ({:.1} s): {} flashes, {} articles; {} with blank lines before the front matter, {} with an offset-only date, {} credited",
        posts.len(),
        out.join("_posts").display(),
        start.elapsed().as_secs_f64(),
        count(|p| p.category == "emnews"),
        count(|p| p.category != "emnews"),
        count(|p| p.forms.blank_before),
        count(|p| p.forms.offset_only_date),
        count(|p| p.source.is_some()),
    );
}
