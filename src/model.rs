//! The model: everything `fit` learned, which `assign` applies to each post
//! and the reports name. Plain data, serialisable, written to the cache
//! (`model.bin`) so that `assign` can run in other processes.

use std::path::Path;

use ndarray::{Array1, Array2, ArrayView1};
use serde::{Deserialize, Serialize};

use crate::cluster::select::KScore;
use crate::codec;
use crate::embed::{self, WordVectors};
use crate::error::{Error, Result};
use crate::ids::{ThemeId, ThemeIdx};
use crate::reduce::Basis;
use crate::vectorize::{Lexicon, Row};

/// Model file magic.
pub const MODEL_MAGIC: &[u8; 8] = b"TTMOD\x00\x00\x06";
/// The model's file name in the cache folder.
pub const MODEL_FILE: &str = "model.bin";

/// How this run came by its model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelSource {
    /// Fitted anew: k chosen (or fixed) from scratch (also a refine whose
    /// previous themes held too few of the posts).
    Fitted,
    /// The previous model refined (the archive changed by 10% or more, or
    /// `--refit`): its themes as starting points, k kept, new themes for
    /// new content (`fit::refine`).
    Refined,
    /// The previous model kept as it was: the archive changed little.
    Kept,
}

/// One theme of the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeModel {
    /// Its stable id.
    pub id: ThemeId,
    /// Short label (a named theme's name).
    pub label: String,
    /// The name, for a named theme.
    pub named: Option<String>,
    /// Cosine similarity from which a post joins it (named themes).
    pub threshold: Option<f32>,
    /// Characteristic words with their c-TF-IDF weight, strongest first.
    pub top_terms: Vec<(String, f32)>,
    /// Those words as features of the lexicon.
    pub features: Vec<u32>,
    /// Mean NPMI of the top words over the fitting sample.
    pub coherence: f64,
    /// Its centre in term space (for matching themes across runs).
    pub terms: Vec<(String, f32)>,
    /// Posts of the fitting sample in it.
    pub sample_size: u64,
}

/// What `fit` learned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Identifies this model (a hash of its contents).
    pub id: u64,
    /// The store fingerprint it was fitted on.
    pub fingerprint: u64,
    /// The parameters it was fitted with (JSON: for the record).
    pub params: String,
    /// What of the parameters shapes the model (`fit::FitParams::key`):
    /// another key means another model.
    pub key: String,
    /// How the run that wrote it came by it (not part of its id: a kept
    /// model is the same model).
    pub source: ModelSource,
    /// When (RFC 3339).
    pub fitted_at: String,
    /// Posts analysed when it was fitted (for the refit rule).
    pub posts: u64,
    /// The newest day among the posts it was fitted on: posts dated after
    /// it are new content to the next refine (`None`: no post was dated).
    pub newest_day: Option<chrono::NaiveDate>,
    /// Posts of the fitting sample.
    pub sample: u64,
    /// Distinct words counted.
    pub vocabulary: u64,
    /// The features and their idf.
    pub lexicon: Lexicon,
    /// The LSA basis.
    pub basis: Basis,
    /// Theme centres in the reduced space, one row per theme in
    /// [`ThemeIdx`] order (named themes first).
    pub centres: Array2<f32>,
    /// The themes, in [`ThemeIdx`] order.
    pub themes: Vec<ThemeModel>,
    /// The next theme id never given out.
    pub next_id: u32,
    /// Themes of the previous run with no successor: (id, label).
    pub disappeared: Vec<(u32, String)>,
    /// Scores of every k tried, when k was chosen automatically.
    pub k_selection: Vec<KScore>,
    /// The word vectors (learned from the archive or taken from another
    /// model), when posts' rows have a vector side.
    pub vectors: Option<WordVectors>,
    /// Weight of the vector side of a post's row (`--vector-weight`).
    pub vector_weight: f32,
    /// Posts of up to this many words get the full `vector_weight`
    /// (`--vector-full-words`, see [`embed::side_weight`]).
    pub vector_full_words: u32,
    /// Form words found, most formulaic first (weighed down in the lexicon
    /// and the vectors when `form_weight` < 1).
    pub form_words: Vec<String>,
    /// `--form-weight` of the fit.
    pub form_weight: f32,
    /// The common direction removed from each post vector
    /// (`--vector-remove-common`; empty: none).
    pub vector_common: Vec<f32>,
}

impl Model {
    /// Number of themes.
    pub fn k(&self) -> usize {
        self.themes.len()
    }

    /// Number of named themes (the first ones).
    pub fn named(&self) -> usize {
        self.themes.iter().filter(|t| t.named.is_some()).count()
    }

    /// The theme of a reduced row and its cosine similarity to the theme's
    /// centre: the most similar named theme when it reaches that theme's
    /// threshold, otherwise the nearest clustered centre (k-means'
    /// Euclidean rule). `None` for an empty row.
    pub fn assign(&self, x: ArrayView1<f32>) -> Option<(ThemeIdx, f32)> {
        if x.iter().all(|&v| v == 0.0) {
            return None;
        }
        let m = self.named();
        let cosine = |t: usize| {
            let c = self.centres.row(t);
            let norm = c.dot(&c).sqrt();
            if norm > 0.0 {
                x.dot(&c) / norm
            } else {
                0.0
            }
        };
        let named = (0..m)
            .filter_map(|t| {
                let th = self.themes[t].threshold?;
                let s = cosine(t);
                (s >= th && self.centres.row(t).iter().any(|&v| v != 0.0)).then_some((t, s))
            })
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        if let Some((t, s)) = named {
            return Some((ThemeIdx(t as u32), s));
        }
        let nearest =
            crate::cluster::nearest_centre(x.view(), self.centres.slice(ndarray::s![m.., ..]))
                .map(|t| t + m);
        match nearest {
            Some(t) => Some((ThemeIdx(t as u32), cosine(t))),
            // Only named themes: a post outside them joins the closest.
            None => (0..m)
                .map(|t| (t, cosine(t)))
                .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
                .map(|(t, s)| (ThemeIdx(t as u32), s)),
        }
    }

    /// A post's row in the space of the themes: its TF-IDF row projected
    /// into the LSA space and, with word vectors, its words' vector beside
    /// it (`vector_words`: the post's words as indexes of the vectors, with
    /// repeats; `n_words`: all its words, with repeats).
    pub fn place(&self, row: &Row, vector_words: &[u32], n_words: usize) -> Array1<f32> {
        let lsa = self.basis.project((&row.0, &row.1));
        match &self.vectors {
            Some(v) => {
                let w = embed::side_weight(self.vector_weight, self.vector_full_words, n_words);
                let mut pv = v.post(vector_words);
                embed::remove_common(&mut pv, &self.vector_common);
                embed::combine(lsa.view(), pv.view(), w)
            }
            None => lsa,
        }
    }

    /// [`Model::assign`] of a post: its TF-IDF row and its words' indexes
    /// among the vectors (see [`Model::place`]). `None` for an empty row.
    pub fn assign_post(
        &self,
        row: &Row,
        vector_words: &[u32],
        n_words: usize,
    ) -> Option<(ThemeIdx, f32)> {
        if row.0.is_empty() {
            return None;
        }
        self.assign(self.place(row, vector_words, n_words).view())
    }

    /// Sets the model's id: a hash of what it is (its key, when it was
    /// fitted, its features, basis and centres), cheap to compute.
    pub fn seal(&mut self) {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        h.update(self.key.as_bytes());
        h.update(self.fitted_at.as_bytes());
        h.update(&self.fingerprint.to_le_bytes());
        for w in &self.lexicon.words {
            h.update(w.as_bytes());
            h.update(&[0]);
        }
        for x in self.basis.components.iter().chain(self.centres.iter()) {
            h.update(&x.to_le_bytes());
        }
        for t in &self.themes {
            h.update(&t.id.0.to_le_bytes());
        }
        if let Some(v) = &self.vectors {
            for w in &v.words {
                h.update(w.as_bytes());
                h.update(&[0]);
            }
            for x in v.vectors.iter() {
                h.update(&x.to_le_bytes());
            }
        }
        h.update(&self.vector_weight.to_le_bytes());
        h.update(&self.vector_full_words.to_le_bytes());
        h.update(&self.form_weight.to_le_bytes());
        for x in &self.vector_common {
            h.update(&x.to_le_bytes());
        }
        for w in &self.form_words {
            h.update(w.as_bytes());
            h.update(&[0]);
        }
        self.id = h.digest();
    }

    /// Writes the model into `dir` (`model.bin`); [`Model::seal`] it first.
    pub fn save(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
        codec::write_file(&dir.join(MODEL_FILE), MODEL_MAGIC, self)
    }

    /// Reads the model in `dir`; `Ok(None)` when there is none,
    /// [`Error::Damaged`] when it cannot be used.
    pub fn load(dir: &Path) -> Result<Option<Model>> {
        codec::load(&dir.join(MODEL_FILE), MODEL_MAGIC, "model")
    }

    /// The model in `dir`, which must be there (`fit` made it).
    pub fn require(dir: &Path) -> Result<Model> {
        Model::load(dir)?.ok_or_else(|| Error::Damaged {
            what: "model",
            path: dir.join(MODEL_FILE),
            reason: "not there; run `theme-trends fit` (or `run`) first".into(),
        })
    }
}
