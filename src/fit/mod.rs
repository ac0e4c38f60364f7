//! The `fit` stage: the store → a [`Model`].
//!
//! One streamed pass over the store counts every word (in how many posts,
//! how often) and draws a fixed sample of posts: the `--sample` posts with
//! the lowest hash of (seed, doc id), whatever the order or the split the
//! store was prepared in. Copies and posts outside `--since`/`--until` take
//! no part. From the counts come the features and their idf; from the
//! sample the LSA basis, the named themes' centres, the choice of k, the
//! k-means centres, the theme words and the themes' ids (matched to the
//! previous run's). Memory holds the word counts and the sample, never the
//! archive: O(vocabulary + sample + themes × features).

mod params;
mod refine;
mod sample;
mod scan;
mod themes;

pub use params::{FitParams, COHERENCE_TERMS};
use sample::SampleRows;

pub use scan::{scan, Scan};
use themes::{find_themes, Found, Warm};

use std::path::PathBuf;

use ndarray::{Array1, Array2, Axis};
use rayon::prelude::*;

use crate::coherence::Postings;
use crate::dedup::Duplicates;
use crate::embed::{self, EmbedParams, WordVectors};
use crate::error::{Error, Result};
use crate::flags::Checked;
use crate::identity;
use crate::ids::{DocId, ThemeId};
use crate::label;
use crate::log::{Log, Timings};
use crate::model::{Model, ModelSource, ThemeModel};
use crate::reduce;
use crate::store::{Partition, Store};
use crate::time::Verdict;
use crate::time::Window;
use crate::vectorize::{self, Lexicon, Row};

/// Change in the number of analysed posts from which the model is refined
/// instead of kept.
pub const REFIT_GROWTH: f64 = 0.10;

/// How a run comes by its model.
pub enum Plan {
    /// The previous model, as it is.
    Keep(Box<Model>),
    /// The previous model refined (module `refine`): its themes as starting
    /// points, k kept, new themes for new content.
    Refine(Box<Model>),
    /// A model fitted anew.
    Fit,
}

/// Chooses between keeping the previous model (`old`), refining it and
/// fitting anew. A new model is fitted when there is none or when the
/// settings that shape it changed (the store's fingerprint or the
/// parameters' key). It is refined when the number of analysed posts
/// (`posts`) changed by [`REFIT_GROWTH`] or more since it was fitted, or
/// with `refit` whatever the change: the themes move only as much as the
/// data does, and new themes appear for new content. Otherwise it is kept:
/// the new posts are assigned to the existing themes, and a re-run costs
/// what the new posts cost plus writing the reports. (`--fresh` gives no
/// `old`: fitted anew, k chosen anew.)
pub fn plan(
    old: Option<Model>,
    refit: bool,
    params: &FitParams,
    store: &Store,
    posts: u64,
    log: &Log,
) -> Plan {
    let Some(old) = old else {
        return Plan::Fit;
    };
    if old.fingerprint != store.parts[0].fingerprint || old.key != params.key() {
        log.info("the settings that shape the themes changed: fitting anew");
        return Plan::Fit;
    }
    let change = (posts as f64 - old.posts as f64).abs() / old.posts.max(1) as f64;
    if change >= REFIT_GROWTH || refit {
        let why = if change >= REFIT_GROWTH {
            format!(
                "the archive changed by {:.1}% since the themes were fitted",
                change * 100.0
            )
        } else {
            format!("--refit (the archive changed by {:.1}%)", change * 100.0)
        };
        log.info(&format!(
            "{why}: refining them from the previous themes (k kept, new themes for new content; --fresh fits anew)"
        ));
        return Plan::Refine(Box::new(old));
    }
    log.info(&format!(
        "keeping the themes fitted {} (the archive changed by {:.1}%; --refit refines them, --fresh starts anew)",
        old.fitted_at,
        change * 100.0
    ));
    Plan::Keep(Box::new(old))
}

/// Posts that `fit` would analyse: accepted, not copies, in `window`.
pub fn analysed_posts(store: &Store, dups: &Duplicates, window: &Window) -> Result<u64> {
    // The manifests do not know dates at day precision; count from the
    // segments' records (no texts) where the window cuts into a month.
    let mut n = 0u64;
    for seg in store.segments() {
        if seg.entry.partition == Partition::Rejected {
            continue;
        }
        // Undated posts, and those of a month wholly before the run's
        // last day, are all analysed.
        let whole_month_analysed = match seg.entry.partition.month() {
            None => true,
            Some(m) => window.last_day().is_some_and(|last| {
                m.checked_add_months(chrono::Months::new(1))
                    .is_some_and(|next| next <= last)
            }),
        };
        if window.since.is_none() && window.until.is_none() && whole_month_analysed {
            n += (seg.entry.records as usize - seg.entry.dead.len()) as u64;
            continue;
        }
        let read = seg.read(crate::store::Want::RECORDS)?;
        n += read
            .records
            .iter()
            .filter(|r| {
                r.outcome
                    .as_ref()
                    .is_ok_and(|f| window.verdict(f.day()) == Verdict::Analysed)
            })
            .count() as u64;
    }
    Ok(n.saturating_sub(dups.len() as u64))
}

/// What `fit` starts from.
#[derive(Debug, Clone, Copy)]
pub struct FitInput<'a> {
    /// The prepared posts.
    pub store: &'a Store,
    /// The copies found in them.
    pub duplicates: &'a Duplicates,
    /// The previous run's themes, for stable ids (`None` with `--fresh`).
    pub previous: Option<&'a identity::State>,
    /// A model to refine instead of starting anew (module `refine`): its basis
    /// seeds the SVD, its themes' posts the k-means centres (k is kept), and
    /// new themes may appear for the posts dated after it was fitted.
    pub warm: Option<&'a Model>,
}

/// For each of the scan's sorted word ids, its index among the vectors.
fn vector_map(scan: &Scan, vectors: Option<&WordVectors>) -> Vec<Option<u32>> {
    match vectors {
        Some(v) => {
            let words: Vec<&str> = scan.counts.iter().map(|(w, _)| w.as_str()).collect();
            v.map_sorted(&words)
        }
        None => Vec::new(),
    }
}

fn sample_rows(
    scan: &Scan,
    lexicon: &Lexicon,
    title_weight: u32,
    vmap: &[Option<u32>],
) -> SampleRows {
    // The features of the scan's sorted word ids: one merge of two sorted
    // lists.
    let words: Vec<&str> = scan.counts.iter().map(|(w, _)| w.as_str()).collect();
    let map = lexicon.map_sorted_str(&words);
    type Made = (usize, DocId, Row, Vec<u32>, Vec<u32>, usize);
    let made: Vec<Option<Made>> = scan
        .sample
        .par_iter()
        .enumerate()
        .map(|(i, s)| {
            let row = vectorize::tfidf_row(&s.words, s.title_words, &map, lexicon, title_weight);
            if row.0.is_empty() {
                return None;
            }
            let feats: Vec<u32> = s.words.iter().filter_map(|&w| map[w as usize]).collect();
            let vw: Vec<u32> = if vmap.is_empty() {
                Vec::new()
            } else {
                s.words.iter().filter_map(|&w| vmap[w as usize]).collect()
            };
            Some((i, s.doc, row, feats, vw, s.words.len()))
        })
        .collect();
    let mut out = SampleRows {
        docs: Vec::new(),
        sampled: Vec::new(),
        rows: Vec::new(),
        features: Vec::new(),
        vector_words: Vec::new(),
        lengths: Vec::new(),
    };
    for (i, d, r, f, v, n) in made.into_iter().flatten() {
        out.sampled.push(i);
        out.lengths.push(n);
        out.docs.push(d);
        out.rows.push(r);
        out.features.push(f);
        out.vector_words.push(v);
    }
    out
}

/// The rows the themes are found in: each post's LSA row, with its words'
/// vector beside it when there are vectors.
fn place_rows(
    basis: &reduce::Basis,
    vectors: Option<&WordVectors>,
    weight: f32,
    full_words: u32,
    common: &[f32],
    sample: &SampleRows,
) -> Array2<f32> {
    let lsa = basis.project_rows(&sample.rows);
    let Some(v) = vectors else {
        return lsa;
    };
    let dims = lsa.ncols() + v.dims();
    let mut out = Array2::<f32>::zeros((lsa.nrows(), dims));
    out.axis_iter_mut(Axis(0))
        .into_par_iter()
        .zip(lsa.axis_iter(Axis(0)).into_par_iter())
        .zip(
            sample
                .vector_words
                .par_iter()
                .zip(sample.lengths.par_iter()),
        )
        .for_each(|((mut o, l), (w, &n))| {
            let side = embed::side_weight(weight, full_words, n);
            let mut pv = v.post(w);
            embed::remove_common(&mut pv, common);
            o.assign(&embed::combine(l, pv.view(), side))
        });
    out
}

/// The word vectors of a run: none, taken from another model
/// (`--vectors-from`), or learned from the fitting sample.
fn word_vectors(scan: &Scan, params: &FitParams, log: &Log) -> Result<Option<WordVectors>> {
    let p = &params.embed;
    if !p.enabled() {
        return Ok(None);
    }
    if let Some(path) = &p.vectors_from {
        let file = if path.is_dir() {
            path.join(crate::model::MODEL_FILE)
        } else {
            path.clone()
        };
        let model = crate::codec::load::<Model>(&file, crate::model::MODEL_MAGIC, "model")?;
        let model = model.ok_or_else(|| Error::Damaged {
            what: "model",
            path: path.clone(),
            reason:
                "--vectors-from: no model there (a run's model.bin, or the cache folder holding it)"
                    .into(),
        })?;
        let mut v = model.vectors.ok_or_else(|| Error::Damaged {
            what: "model",
            path: path.clone(),
            reason: "--vectors-from: that model has no word vectors (it was fitted with --vector-dims 0 or --vector-weight 0)".into(),
        })?;
        if v.source == "learned" {
            v.source = path.display().to_string();
        }
        log.info(&format!(
            "word vectors of {} words taken from {} (learned on {} posts)",
            v.words.len(),
            path.display(),
            v.posts
        ));
        return Ok(Some(v));
    }
    let posts: Vec<&[u32]> = scan.sample.iter().map(|s| s.words.as_slice()).collect();
    let name = |w: u32| scan.counts[w as usize].0.clone();
    let learned = match embed::learn(&posts, scan.counts.len(), &name, p, params.seed) {
        Ok(l) => l,
        // A small archive has too few repeated words to learn from: its
        // themes come from the LSA rows alone, as with --vector-dims 0.
        Err(Error::Numeric {
            stage: "vectors",
            reason,
        }) => {
            log.info(&format!(
                "no word vectors: {reason}; themes from the LSA rows alone"
            ));
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    let v = learned.vectors;
    log.info(&format!(
        "word vectors: {} words × {} dimensions from {} posts ({} word pairs)",
        v.words.len(),
        v.dims(),
        v.posts,
        v.pairs
    ));
    Ok(Some(v))
}

/// The form words of the vectors (none without vectors), weighed down as
/// `--form-weight` says, and the common direction when
/// `--vector-remove-common` asks for it.
fn form_words_of(
    scan: &Scan,
    lexicon: &mut Lexicon,
    vectors: Option<&mut WordVectors>,
    vmap: &[Option<u32>],
    params: &Checked<FitParams>,
    log: &Log,
) -> Result<(Vec<String>, Vec<f32>)> {
    let Some(v) = vectors else {
        return Ok((Vec::new(), Vec::new()));
    };
    let (words, common) = weigh_down_form_words(scan, lexicon, v, vmap, &params.embed)?;
    if !words.is_empty() {
        let how = if params.embed.form_weight < 1.0 {
            format!("weighed down ×{}", params.embed.form_weight)
        } else {
            "found, not weighed down (--form-weight 1)".to_string()
        };
        log.info(&format!(
            "{} form words {how} (run.json lists them): {}",
            words.len(),
            words.iter().take(12).cloned().collect::<Vec<_>>().join(" ")
        ));
    }
    let common = if params.embed.vector_remove_common {
        common.to_vec()
    } else {
        Vec::new()
    };
    Ok((words, common))
}

/// Finds the form words among the lexicon's frequent features, and weighs
/// them down: their idf (the LSA side) and their weight in a post's vector
/// (the vector side) times `--form-weight` (1, the default: found and
/// reported, not weighed down). Returns them, most formulaic first.
fn weigh_down_form_words(
    scan: &Scan,
    lexicon: &mut Lexicon,
    vectors: &mut WordVectors,
    vmap: &[Option<u32>],
    params: &EmbedParams,
) -> Result<(Vec<String>, Array1<f32>)> {
    // The post vectors of the sample (before any weighing down).
    let rows: Vec<Array1<f32>> = scan
        .sample
        .par_iter()
        .map(|s| {
            let w: Vec<u32> = s.words.iter().filter_map(|&w| vmap[w as usize]).collect();
            vectors.post(&w)
        })
        .collect();
    let mut posts = Array2::<f32>::zeros((rows.len(), vectors.dims()));
    for (mut o, r) in posts.axis_iter_mut(Axis(0)).zip(&rows) {
        o.assign(r);
    }
    // Candidates: features in at least FORM_MIN_DF of the posts.
    let min_df = ((scan.posts as f64) * FORM_MIN_DF).ceil().max(2.0) as u32;
    let df: std::collections::HashMap<&str, u32> = scan
        .counts
        .iter()
        .map(|(w, c)| (w.as_str(), c.df))
        .collect();
    let candidates: Vec<u32> = lexicon
        .words
        .iter()
        .filter(|w| df.get(w.as_str()).is_some_and(|&d| d >= min_df))
        .filter_map(|w| vectors.index(w))
        .collect();
    let common = embed::common_direction(&posts)?;
    let words_of = |i: usize, buf: &mut Vec<u32>| {
        buf.extend(
            scan.sample[i]
                .words
                .iter()
                .filter_map(|&w| vmap[w as usize]),
        );
    };
    let spread = embed::spread_distances(
        posts.view(),
        words_of,
        &candidates,
        vectors.words.len(),
        common.view(),
    );
    let found = embed::form_words(
        vectors,
        common.view(),
        &candidates,
        &spread,
        FORM_Z,
        FORM_MAX,
    );
    let words: Vec<String> = found
        .iter()
        .map(|&(w, _)| vectors.words[w as usize].clone())
        .collect();
    if params.form_weight >= 1.0 {
        return Ok((words, common));
    }
    for (&(w, _), word) in found.iter().zip(&words) {
        vectors.weight[w as usize] *= params.form_weight;
        if let Some(f) = lexicon.feature(word) {
            lexicon.idf[f as usize] *= params.form_weight;
        }
    }
    Ok((words, common))
}

/// A form word is in at least this share of the posts.
const FORM_MIN_DF: f64 = 0.002;
/// A form word's cosine to the common direction is this many standard
/// deviations above the candidates' mean.
const FORM_Z: f32 = 2.5;
/// At most this many form words.
const FORM_MAX: usize = 200;

/// The previous model's basis mapped onto this lexicon's features: a
/// word's row if the previous model had it, zeros otherwise.
fn basis_start(previous: &Model, lexicon: &Lexicon) -> Array2<f32> {
    let dims = previous.basis.dims();
    let mut start = Array2::<f32>::zeros((lexicon.len(), dims));
    for (f, w) in lexicon.words.iter().enumerate() {
        if let Some(old) = previous.lexicon.feature(w) {
            start
                .row_mut(f)
                .assign(&previous.basis.components.row(old as usize));
        }
    }
    start
}

/// The error for a store with too few posts to fit themes on.
fn too_few(store: &Store, detail: String) -> Error {
    Error::NoPosts {
        input: store
            .parts
            .first()
            .map_or_else(PathBuf::new, |p| PathBuf::from(&p.input.path)),
        detail,
    }
}

/// Fits the model.
pub fn fit(
    input: &FitInput,
    params: &Checked<FitParams>,
    log: &Log,
    timings: &mut Timings,
) -> Result<Model> {
    let scan = timings.time("scan", log, || {
        scan(input.store, input.duplicates, params, log)
    })?;
    if scan.posts < 2 {
        return Err(too_few(
            input.store,
            format!("{} posts to analyse, at least 2 needed", scan.posts),
        ));
    }
    let mut lexicon =
        vectorize::select_features(&scan.counts, scan.posts as usize, &params.vectorize)?;
    log.info(&format!(
        "{} distinct words, {} kept as features; fitting on {} of {} posts",
        scan.counts.len(),
        lexicon.len(),
        scan.sample.len(),
        scan.posts
    ));
    if lexicon.len() < 2 {
        return Err(too_few(
            input.store,
            format!(
                "{} of the posts' words kept as features, at least 2 needed to tell themes apart (see --min-df/--max-df)",
                lexicon.len()
            ),
        ));
    }
    // The vectors and their form words, timed together as `vectors`.
    let (word_vecs, vmap, form_words, common) = timings.time("vectors", log, || {
        let mut word_vecs = word_vectors(&scan, params, log)?;
        let vmap = vector_map(&scan, word_vecs.as_ref());
        let (form_words, common) =
            form_words_of(&scan, &mut lexicon, word_vecs.as_mut(), &vmap, params, log)?;
        Ok::<_, Error>((word_vecs, vmap, form_words, common))
    })?;
    let sample = sample_rows(&scan, &lexicon, params.vectorize.title_weight, &vmap);
    if sample.rows.len() < 2 {
        return Err(too_few(
            input.store,
            format!(
                "{} of the posts fitted on have words in the vocabulary, at least 2 needed (see --min-df/--max-df, and rejected.csv of a run with more posts)",
                sample.rows.len()
            ),
        ));
    }
    let warm = input.warm;
    // The sample's TF-IDF matrix, and its postings (which posts hold each
    // feature) for coherence: made once, for the SVD, the choice of k and
    // the themes' words.
    let a = vectorize::matrix(&sample.rows, lexicon.len())?;
    let postings = Postings::new(&a.transpose_view().to_csr(), sample.rows.len());
    let basis = timings.time("reduce", log, || {
        let start = warm.map(|m| basis_start(m, &lexicon));
        reduce::fit_basis(&a, &params.reduce, params.seed, start.as_ref())
    })?;
    drop(a);
    let weight = params.embed.vector_weight;
    let full_words = params.embed.vector_full_words;
    let x = place_rows(
        &basis,
        word_vecs.as_ref(),
        weight,
        full_words,
        &common,
        &sample,
    );
    let named = &params.named;
    let warm = warm.map(|m| Warm {
        model: m,
        before: refine::previous_themes(m, &scan, &sample, params.vectorize.title_weight),
        new: refine::new_content(m, &scan, &sample),
    });
    let themes = timings.time("cluster", log, || {
        find_themes(
            &sample,
            &lexicon,
            &postings,
            &basis,
            x.view(),
            word_vecs.as_ref().map(|v| (v, common.as_slice())),
            named,
            params,
            warm.as_ref(),
            log,
        )
    })?;
    let Found {
        clustering,
        k_selection,
        thresholds,
        lineage,
        refined,
    } = themes;

    // Words of each theme over the sample: labels, coherence, term vectors.
    let k = clustering.k();
    let counts = label::theme_term_counts(&sample.features, &clustering.labels, k, lexicon.len());
    let labels = label::label_themes(&lexicon, &counts, &params.label);
    let vectors = identity::term_vectors(&lexicon, &sample.rows, &clustering.labels, k);
    let names: Vec<Option<String>> = (0..k)
        .map(|t| named.get(t).map(|n| n.name.clone()))
        .collect();
    let keys: Vec<identity::ThemeKey> = names
        .iter()
        .zip(&vectors)
        .map(|(n, v)| (n.as_deref(), v.as_slice()))
        .collect();
    let matching = identity::continue_ids(&keys, input.previous, &lineage);
    if input.previous.is_some() {
        let kept = matching.continued.iter().filter(|c| c.is_some()).count();
        log.info(&format!(
            "{kept} of {k} themes continue a theme of the previous run; {} new, {} disappeared",
            k - kept,
            matching.disappeared.len()
        ));
    }
    let sizes = clustering.sizes();
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by_key(|&t| matching.ids[t]);
    let themes: Vec<ThemeModel> = order
        .iter()
        .map(|&t| {
            let l = &labels[t];
            let top: Vec<usize> = l.features.iter().copied().take(COHERENCE_TERMS).collect();
            ThemeModel {
                id: ThemeId(matching.ids[t]),
                label: names[t].clone().unwrap_or_else(|| l.label.clone()),
                named: names[t].clone(),
                threshold: thresholds.get(t).copied(),
                top_terms: l.top_terms.clone(),
                features: l.features.iter().map(|&f| f as u32).collect(),
                coherence: postings.coherence(&top),
                terms: vectors[t].clone(),
                sample_size: sizes[t] as u64,
            }
        })
        .collect();
    let centres = clustering.centroids.select(Axis(0), &order);
    Ok(Model {
        id: 0,
        fingerprint: input.store.parts[0].fingerprint,
        params: params.key(),
        key: params.key(),
        source: if refined {
            ModelSource::Refined
        } else {
            ModelSource::Fitted
        },
        fitted_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        posts: scan.posts,
        newest_day: scan.newest_day,
        sample: sample.rows.len() as u64,
        vocabulary: scan.counts.len() as u64,
        lexicon,
        basis,
        centres,
        themes,
        next_id: matching.next_id,
        disappeared: matching.disappeared,
        k_selection,
        vector_weight: if word_vecs.is_some() { weight } else { 0.0 },
        vector_full_words: full_words,
        form_weight: params.embed.form_weight,
        vector_common: common,
        vectors: word_vecs,
        form_words,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sampling_order_does_not_depend_on_anything_but_seed_and_doc() {
        use scan::priority;
        assert_eq!(priority(42, DocId(7)), priority(42, DocId(7)));
        assert_ne!(priority(42, DocId(7)), priority(43, DocId(7)));
        // About half of the posts fall below the median.
        let below = (0..10_000u64)
            .filter(|&d| priority(42, DocId(d)) < u64::MAX / 2)
            .count();
        assert!((4_500..5_500).contains(&below), "{below}");
    }
}
