//! One streamed pass over the store: every word counted (in how many posts,
//! how often), and the fitting sample drawn — the posts with the lowest
//! hash of (seed, doc id), whatever the order or the split the store was
//! prepared in.

use std::collections::BinaryHeap;

use chrono::NaiveDate;

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

use super::params::FitParams;
use crate::dedup::Duplicates;
use crate::error::Result;
use crate::ids::DocId;
use crate::log::Log;
use crate::store::{Partition, SegmentRef, Store};
use crate::time::Verdict;
use crate::vectorize::WordCount;

/// A post of the fitting sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Sampled {
    priority: u64,
    pub(super) doc: DocId,
    /// Its day (`None`: undated).
    pub(super) day: Option<NaiveDate>,
    pub(super) title_words: u32,
    /// Word ids: positions in the segment's counts while scanning, then in
    /// the sorted counts of [`Scan`].
    pub(super) words: Vec<u32>,
}

impl Ord for Sampled {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.priority, self.doc).cmp(&(other.priority, other.doc))
    }
}

impl PartialOrd for Sampled {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// A post's place in the sampling order: a mix of the seed and its doc id.
pub(super) fn priority(seed: u64, doc: DocId) -> u64 {
    crate::text::splitmix(seed ^ doc.0.wrapping_mul(crate::text::GOLDEN))
}

/// The word counts and the sample of the whole store.
#[derive(Debug, Default)]
pub struct Scan {
    /// Every word with its counts, sorted by word.
    pub counts: Vec<(String, WordCount)>,
    /// Posts counted (accepted, not copies, in the window).
    pub posts: u64,
    /// The newest day among them (`None`: none is dated).
    pub newest_day: Option<NaiveDate>,
    /// The fitting sample, in doc order.
    pub(super) sample: Vec<Sampled>,
}

/// What one segment contributes to the scan.
struct SegmentScan {
    counts: Vec<(String, WordCount)>,
    posts: u64,
    newest_day: Option<NaiveDate>,
    sample: Vec<Sampled>,
}

fn scan_segment(
    seg: &SegmentRef,
    duplicates: &Duplicates,
    params: &FitParams,
    size: usize,
) -> Result<SegmentScan> {
    let read = seg.read(crate::store::Want::RECORDS)?;
    let n_words = read.vocab.words.len();
    let mut df = vec![0u32; n_words];
    let mut cf = vec![0u64; n_words];
    let mut seen: Vec<u32> = Vec::new();
    // Sampled posts keep the segment's local ids until the counts are made.
    let mut heap: BinaryHeap<Sampled> = BinaryHeap::new();
    let mut posts = 0u64;
    let mut newest_day = None;
    for rec in &read.records {
        let Ok(f) = &rec.outcome else { continue };
        if duplicates.of(rec.doc).is_some() || params.window.verdict(f.day()) != Verdict::Analysed {
            continue;
        }
        posts += 1;
        newest_day = newest_day.max(f.day());
        seen.clear();
        seen.extend_from_slice(&f.words);
        seen.sort_unstable();
        seen.dedup();
        for &w in &seen {
            df[w as usize] += 1;
        }
        for &w in &f.words {
            cf[w as usize] += 1;
        }
        let p = priority(params.seed, rec.doc);
        if heap.len() < size
            || heap
                .peek()
                .is_some_and(|top| (p, rec.doc) < (top.priority, top.doc))
        {
            heap.push(Sampled {
                priority: p,
                doc: rec.doc,
                day: f.day(),
                title_words: f.title_words,
                words: f.words.clone(),
            });
            if heap.len() > size {
                heap.pop();
            }
        }
    }
    // Only the words counted; the sample's ids become positions among them.
    let mut position = vec![u32::MAX; n_words];
    let mut counts = Vec::new();
    for (w, word) in read.vocab.words.iter().enumerate() {
        if df[w] > 0 {
            position[w] = counts.len() as u32;
            counts.push((
                word.clone(),
                WordCount {
                    df: df[w],
                    cf: cf[w],
                },
            ));
        }
    }
    let mut sample = heap.into_vec();
    for s in &mut sample {
        for w in &mut s.words {
            *w = position[*w as usize];
        }
    }
    Ok(SegmentScan {
        counts,
        posts,
        newest_day,
        sample,
    })
}

/// Counts every word of the store and draws the fitting sample, a few
/// segments at a time (in parallel), merged in segment order.
pub fn scan(store: &Store, duplicates: &Duplicates, params: &FitParams, log: &Log) -> Result<Scan> {
    let size = params.cluster.sample;
    let segments: Vec<SegmentRef> = store
        .segments()
        .into_iter()
        .filter(|s| s.entry.partition != Partition::Rejected)
        .collect();
    // Every word gets a global id as it is first met.
    let mut ids: HashMap<String, u32> = HashMap::default();
    let mut totals: Vec<(String, WordCount)> = Vec::new();
    let mut sample: Vec<Sampled> = Vec::new();
    let mut posts = 0u64;
    let mut newest_day = None;
    let step = (rayon::current_num_threads() * 2).max(2);
    for chunk in segments.chunks(step) {
        let scans: Vec<SegmentScan> = chunk
            .par_iter()
            .map(|s| scan_segment(s, duplicates, params, size))
            .collect::<Result<_>>()?;
        for s in scans {
            posts += s.posts;
            newest_day = newest_day.max(s.newest_day);
            let global: Vec<u32> = s
                .counts
                .into_iter()
                .map(|(w, c)| {
                    let g = match ids.get(&w) {
                        Some(&g) => g,
                        None => {
                            let g = totals.len() as u32;
                            ids.insert(w.clone(), g);
                            totals.push((w, WordCount::default()));
                            g
                        }
                    };
                    let e = &mut totals[g as usize].1;
                    e.df += c.df;
                    e.cf += c.cf;
                    g
                })
                .collect();
            sample.extend(s.sample.into_iter().map(|mut x| {
                for w in &mut x.words {
                    *w = global[*w as usize];
                }
                x
            }));
            if sample.len() > 2 * size {
                sample.sort_unstable();
                sample.truncate(size);
            }
        }
        log.progress(posts);
    }
    sample.sort_unstable();
    sample.truncate(size);
    // In doc order, as the posts come.
    sample.sort_by_key(|s| s.doc);
    drop(ids);
    // Sorted by word; the sample's ids follow.
    let mut order: Vec<u32> = (0..totals.len() as u32).collect();
    order.par_sort_unstable_by(|&a, &b| totals[a as usize].0.cmp(&totals[b as usize].0));
    let mut sorted_id = vec![0u32; totals.len()];
    for (new, &old) in order.iter().enumerate() {
        sorted_id[old as usize] = new as u32;
    }
    for s in &mut sample {
        for w in &mut s.words {
            *w = sorted_id[*w as usize];
        }
    }
    let mut slots: Vec<Option<(String, WordCount)>> = totals.into_iter().map(Some).collect();
    let counts: Vec<(String, WordCount)> = order
        .iter()
        .map(|&old| slots[old as usize].take().expect("each word once"))
        .collect();
    Ok(Scan {
        counts,
        posts,
        newest_day,
        sample,
    })
}
