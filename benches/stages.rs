//! Criterion benchmarks of each stage on a fixed slice of the real archive:
//! the first 2,000 posts of `../shared/corpus/xwlb/_posts` in path order
//! (about 3.4 MB). Skipped with a message when the corpus is absent.
//!
//!     cargo bench --bench stages
//!
//! Each stage is measured on the output of the previous ones, computed once
//! before its benchmark, so a figure is that stage alone.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use theme_trends::assign::{self, AssignInput};
use theme_trends::cluster::KChoice;
use theme_trends::dedup;
use theme_trends::fit::{self, FitInput};
use theme_trends::ingest::{self, BodyFormat, Part};
use theme_trends::log::{Log, Timings};
use theme_trends::prepare::{self, PrepareJob};
use theme_trends::store::Store;
use theme_trends::Params;

const SLICE: usize = 2000;

fn slice(into: &Path) -> Option<usize> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/xwlb/_posts");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("SKIPPED: {} is absent", dir.display());
        return None;
    };
    let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    paths.truncate(SLICE);
    let mut bytes = 0;
    for p in &paths {
        let to = into.join(p.file_name().unwrap());
        std::fs::copy(p, &to).unwrap();
        bytes += to.metadata().unwrap().len() as usize;
    }
    Some(bytes)
}

fn stages(c: &mut Criterion) {
    let work = tempfile::tempdir().unwrap();
    let posts = work.path().join("_posts");
    std::fs::create_dir_all(&posts).unwrap();
    let Some(bytes) = slice(&posts) else {
        return;
    };
    eprintln!("slice: {SLICE} posts, {:.1} MB", bytes as f64 / 1e6);
    let mut params = Params::default();
    params.cluster.k = KChoice::Fixed(20);
    let params = params.check().unwrap();
    let log = Log::quiet();

    let files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&posts)
        .unwrap()
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    c.bench_function("ingest: parse + clean 2000 posts (one thread)", |b| {
        b.iter(|| {
            files
                .iter()
                .filter(|(name, b)| {
                    ingest::parse_post(name, b, BodyFormat::Markdown, &ingest::Limits::default())
                        .is_ok()
                })
                .count()
        })
    });

    let store_dir = work.path().join("store");
    let run_prepare = || {
        let _ = std::fs::remove_dir_all(&store_dir);
        prepare::prepare(
            &PrepareJob {
                input: &posts,
                part: Part::WHOLE,
                store: &store_dir,
                previous: None,
                verify: false,
                resident: None,
            },
            &params.prepare(),
            &log,
        )
        .unwrap()
    };
    c.bench_function("prepare: read, segment, hash, store 2000 posts", |b| {
        b.iter(run_prepare)
    });

    let manifest = run_prepare();
    let store = Store::open(&store_dir, manifest.fingerprint).unwrap();
    let tmp = work.path().join("tmp");
    c.bench_function("dedup: exact and near copies", |b| {
        b.iter(|| dedup::find_duplicates(&store, &params.dedup(), &tmp).unwrap())
    });

    let dups = dedup::find_duplicates(&store, &params.dedup(), &tmp).unwrap();
    let input = FitInput {
        store: &store,
        duplicates: &dups,
        previous: None,
        warm: None,
    };
    c.bench_function("fit: counts, SVD, k-means k=20, labels", |b| {
        b.iter(|| fit::fit(&input, &params.fit(), &log, &mut Timings::default()).unwrap())
    });

    let mut model = fit::fit(&input, &params.fit(), &log, &mut Timings::default()).unwrap();
    model.seal();
    let segments = store.segments();
    let assign_params = params.assign();
    let assign_input = AssignInput {
        model: &model,
        duplicates: &dups,
        params: &assign_params,
        columns: store.columns(),
    };
    let out = work.path().join("assigned");
    c.bench_function("assign: 2000 posts", |b| {
        b.iter(|| assign::assign(&segments, &assign_input, &out, None, None, &log).unwrap())
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = stages
}
criterion_main!(benches);
