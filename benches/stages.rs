//! Criterion benchmarks of each pipeline stage on a fixed slice of the real
//! archive: the first 2,000 posts of `../shared/corpus/xwlb/_posts` in path
//! order (about 3.4 MB). Skipped with a message when the corpus is absent.
//!
//!     cargo bench --bench stages
//!
//! Each stage is measured on the output of the previous ones, computed once
//! before its benchmark, so a figure is that stage alone.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use rayon::prelude::*;
use theme_trends::cluster::{self, ClusterParams};
use theme_trends::ingest::{self, BodyFormat};
use theme_trends::label::{self, LabelParams};
use theme_trends::reduce::{self, ReduceParams};
use theme_trends::segment::{self, SegmentParams, Segmenter};
use theme_trends::trend::{self, TrendParams};
use theme_trends::vectorize::{self, VectorizeParams};

const SLICE: usize = 2000;

fn slice() -> Option<Vec<(String, Vec<u8>)>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/xwlb/_posts");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("SKIPPED: {} is absent", dir.display());
        return None;
    };
    let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    paths.truncate(SLICE);
    Some(
        paths
            .into_iter()
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read(&p).unwrap())
            })
            .collect(),
    )
}

fn stages(c: &mut Criterion) {
    let Some(files) = slice() else {
        return;
    };
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    eprintln!("slice: {} posts, {:.1} MB", files.len(), bytes as f64 / 1e6);
    let parse = || {
        files
            .par_iter()
            .map(|(name, b)| ingest::parse_post(name, b, BodyFormat::Markdown, 200_000).unwrap())
            .collect::<Vec<_>>()
    };
    c.bench_function("ingest: parse + clean 2000 posts", |b| b.iter(parse));

    let posts = parse();
    let segmenter = Segmenter::new(&SegmentParams::default()).unwrap();
    let seg_once = || {
        segment::segment(
            posts
                .par_iter()
                .map(|p| (p.title.as_str(), p.body.as_str(), None)),
            Some(&segmenter),
            &[],
        )
    };
    c.bench_function("segment: jieba 2000 posts", |b| b.iter(seg_once));

    let seg = seg_once();
    let vp = VectorizeParams::default();
    c.bench_function("vectorize: TF-IDF", |b| {
        b.iter(|| vectorize::vectorize(&seg, &vp).unwrap())
    });

    let tfidf = vectorize::vectorize(&seg, &vp).unwrap();
    let rp = ReduceParams::default();
    c.bench_function("reduce: randomized SVD to 50 dims", |b| {
        b.iter(|| reduce::reduce(&tfidf.matrix, &rp).unwrap())
    });

    let reduced = reduce::reduce(&tfidf.matrix, &rp).unwrap();
    let cp = ClusterParams::default().k(20).unwrap();
    c.bench_function("cluster: k-means k=20, default runs", |b| {
        b.iter(|| cluster::cluster(reduced.rows.view(), &cp).unwrap())
    });

    let clustering = cluster::cluster(reduced.rows.view(), &cp).unwrap();
    let rows: Vec<usize> = (0..posts.len()).collect();
    let lp = LabelParams::default();
    c.bench_function("label: c-TF-IDF top terms", |b| {
        b.iter(|| {
            let counts =
                label::theme_term_counts(&seg, &tfidf, &rows, &clustering.labels, clustering.k());
            label::label_themes(&seg, &tfidf, &counts, &lp)
        })
    });

    let dates: Vec<_> = posts.iter().map(|p| p.date).collect();
    let themes: Vec<u32> = clustering.labels.iter().map(|&t| t as u32).collect();
    let ids: Vec<u32> = (0..clustering.k() as u32).collect();
    let tp = TrendParams::default();
    c.bench_function("trend: polars counts, shares, smoothing", |b| {
        b.iter(|| trend::trend_table(&dates, &themes, &ids, &tp).unwrap())
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = stages
}
criterion_main!(benches);
