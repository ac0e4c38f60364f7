//! Stable theme ids across nightly runs.
//!
//! Each run stores its themes — id, label, and the theme's centre in *term*
//! space (its posts' mean TF-IDF vector, top words with weights) — in the
//! output folder. The next run matches its new themes to those by the
//! cosine similarity of the term vectors, with an optimal one-to-one
//! assignment (Kuhn–Munkres): a new theme whose best partner is similar
//! enough inherits that theme's id; the others get fresh ids, never reused;
//! old themes left without a partner are reported as disappeared. Term space
//! is used because the LSA space is recomputed every run and its axes are
//! not comparable between runs, while words are. Named themes keep their id
//! by name.

use std::collections::HashMap;
use std::path::Path;

use pathfinding::kuhn_munkres::kuhn_munkres;
use pathfinding::matrix::Matrix;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::vectorize::{Lexicon, Row};
use rayon::prelude::*;

/// Words kept per theme vector.
pub const TERMS_KEPT: usize = 300;
/// Similarity from which a new theme continues an old one.
pub const MIN_SIMILARITY: f64 = 0.3;
/// File name of the state, in the output folder.
pub const STATE_FILE: &str = ".theme-state.json";
/// Version of the state format; another version is ignored with a warning.
const STATE_VERSION: u32 = 1;

/// A theme as remembered between runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeRecord {
    /// Its id.
    pub id: u32,
    /// Its label in that run.
    pub label: String,
    /// The name, for a named theme.
    pub named: Option<String>,
    /// Posts in that run.
    pub size: usize,
    /// Its centre in term space: words with weights, unit length.
    pub terms: Vec<(String, f32)>,
}

/// What one run leaves for the next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// Format version.
    pub version: u32,
    /// When the run finished (RFC 3339).
    pub run_at: String,
    /// The next id never given out.
    pub next_id: u32,
    /// The themes of that run.
    pub themes: Vec<ThemeRecord>,
    /// Posts analysed by that run.
    pub posts: usize,
    /// The k that run used.
    pub k: usize,
}

impl crate::fsx::Versioned for State {
    const VERSION: u32 = STATE_VERSION;
    const WHAT: &'static str = "theme state";
}

impl State {
    /// Reads the state in `dir`; `Ok(None)` when there is none,
    /// [`Error::Damaged`] when it cannot be used.
    pub fn load(dir: &Path) -> Result<Option<State>> {
        crate::fsx::load_state(&dir.join(STATE_FILE))
    }

    /// Writes the state into `dir`, whole or not at all.
    pub fn save(&self, dir: &Path) -> Result<()> {
        crate::fsx::save_state(&dir.join(STATE_FILE), self)
    }

    /// A new state.
    pub fn new(
        run_at: String,
        next_id: u32,
        themes: Vec<ThemeRecord>,
        posts: usize,
        k: usize,
    ) -> Self {
        State {
            version: STATE_VERSION,
            run_at,
            next_id,
            themes,
            posts,
            k,
        }
    }
}

/// Each theme's centre in term space: the mean TF-IDF row of its posts,
/// cut to its `TERMS_KEPT` heaviest words and scaled to unit length.
/// `rows[i]` is a TF-IDF row of features of `lexicon`, `labels[i]` its
/// theme.
pub fn term_vectors(
    lexicon: &Lexicon,
    rows: &[Row],
    labels: &[usize],
    k: usize,
) -> Vec<Vec<(String, f32)>> {
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (i, &t) in labels.iter().enumerate() {
        members[t].push(i);
    }
    members
        .par_iter()
        .map(|docs| {
            let mut sum = vec![0f32; lexicon.len()];
            for &d in docs {
                let (cols, vals) = &rows[d];
                for (&f, &x) in cols.iter().zip(vals) {
                    sum[f as usize] += x;
                }
            }
            let top = crate::label::top_features(&sum, TERMS_KEPT);
            let norm = top
                .iter()
                .map(|(_, x)| x * x)
                .sum::<f32>()
                .sqrt()
                .max(f32::MIN_POSITIVE);
            top.into_iter()
                .map(|(f, x)| (lexicon.words[f].clone(), x / norm))
                .collect()
        })
        .collect()
}

/// Cosine similarity of two unit term vectors.
pub fn similarity(a: &[(String, f32)], b: &[(String, f32)]) -> f64 {
    let map: HashMap<&str, f32> = a.iter().map(|(w, x)| (w.as_str(), *x)).collect();
    b.iter()
        .filter_map(|(w, y)| map.get(w.as_str()).map(|x| (*x as f64) * (*y as f64)))
        .sum()
}

/// How this run's themes relate to the previous run's.
#[derive(Debug, Clone, PartialEq)]
pub struct Matching {
    /// The id of each new theme (index = new theme).
    pub ids: Vec<u32>,
    /// For each new theme that continues an old one, the similarity.
    pub continued: Vec<Option<f64>>,
    /// Old themes with no successor: (id, label).
    pub disappeared: Vec<(u32, String)>,
    /// The next id never given out.
    pub next_id: u32,
}

/// A new theme as matching sees it: its name if named, its term vector.
pub type ThemeKey<'a> = (Option<&'a str>, &'a [(String, f32)]);

/// Gives ids to `new` themes (term vectors; `named` is the name of a named
/// theme) by matching them to `previous`. Without a previous state, ids
/// are 0, 1, … in the given order.
pub fn assign_ids(new: &[ThemeKey], previous: Option<&State>) -> Matching {
    continue_ids(new, previous, &[])
}

/// [`assign_ids`] when some new themes are known to come from previous
/// ones (a refine starts each from a previous theme's posts): `lineage[i]`
/// is the id of the previous theme new theme `i` was refined from. It
/// continues that theme when their term vectors are still similar enough
/// ([`MIN_SIMILARITY`]), before the others are matched; otherwise it is
/// matched as any other.
pub fn continue_ids(
    new: &[ThemeKey],
    previous: Option<&State>,
    lineage: &[Option<u32>],
) -> Matching {
    let Some(prev) = previous else {
        return Matching {
            ids: (0..new.len() as u32).collect(),
            continued: vec![None; new.len()],
            disappeared: Vec::new(),
            next_id: new.len() as u32,
        };
    };
    let mut ids: Vec<Option<u32>> = vec![None; new.len()];
    let mut continued = vec![None; new.len()];
    let mut used = vec![false; prev.themes.len()];
    // Named themes keep their id by name.
    for (i, (name, _)) in new.iter().enumerate() {
        if let Some(name) = name {
            if let Some(j) = prev
                .themes
                .iter()
                .position(|p| p.named.as_deref() == Some(*name))
            {
                ids[i] = Some(prev.themes[j].id);
                continued[i] = Some(1.0);
                used[j] = true;
            }
        }
    }
    // Refined themes continue the theme they come from.
    for (i, from) in lineage.iter().enumerate().take(new.len()) {
        let Some(from) = *from else { continue };
        if ids[i].is_some() || new[i].0.is_some() {
            continue;
        }
        let Some(j) = (0..prev.themes.len())
            .find(|&j| !used[j] && prev.themes[j].named.is_none() && prev.themes[j].id == from)
        else {
            continue;
        };
        let s = similarity(new[i].1, &prev.themes[j].terms);
        if s >= MIN_SIMILARITY {
            ids[i] = Some(from);
            continued[i] = Some(s);
            used[j] = true;
        }
    }
    // The rest: optimal one-to-one matching on term similarity.
    let free_new: Vec<usize> = (0..new.len())
        .filter(|&i| ids[i].is_none() && new[i].0.is_none())
        .collect();
    let free_old: Vec<usize> = (0..prev.themes.len())
        .filter(|&j| !used[j] && prev.themes[j].named.is_none())
        .collect();
    if !free_new.is_empty() && !free_old.is_empty() {
        let sim = |i: usize, j: usize| similarity(new[i].1, &prev.themes[j].terms);
        let scale = |s: f64| (s * 1e6).round() as i64;
        let pairs: Vec<(usize, usize, f64)> = if free_new.len() <= free_old.len() {
            let m = Matrix::from_fn(free_new.len(), free_old.len(), |(r, c)| {
                scale(sim(free_new[r], free_old[c]))
            });
            let (_, cols) = kuhn_munkres(&m);
            cols.iter()
                .enumerate()
                .map(|(r, &c)| (free_new[r], free_old[c], sim(free_new[r], free_old[c])))
                .collect()
        } else {
            let m = Matrix::from_fn(free_old.len(), free_new.len(), |(r, c)| {
                scale(sim(free_new[c], free_old[r]))
            });
            let (_, cols) = kuhn_munkres(&m);
            cols.iter()
                .enumerate()
                .map(|(r, &c)| (free_new[c], free_old[r], sim(free_new[c], free_old[r])))
                .collect()
        };
        for (i, j, s) in pairs {
            if s >= MIN_SIMILARITY {
                ids[i] = Some(prev.themes[j].id);
                continued[i] = Some(s);
                used[j] = true;
            }
        }
    }
    let mut next_id = prev
        .next_id
        .max(prev.themes.iter().map(|t| t.id + 1).max().unwrap_or(0));
    let ids: Vec<u32> = ids
        .into_iter()
        .map(|id| {
            id.unwrap_or_else(|| {
                next_id += 1;
                next_id - 1
            })
        })
        .collect();
    let disappeared = prev
        .themes
        .iter()
        .zip(&used)
        .filter(|(_, &u)| !u)
        .map(|(t, _)| (t.id, t.label.clone()))
        .collect();
    Matching {
        ids,
        continued,
        disappeared,
        next_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(words: &[(&str, f32)]) -> Vec<(String, f32)> {
        let n = words.iter().map(|(_, x)| x * x).sum::<f32>().sqrt();
        words.iter().map(|(w, x)| (w.to_string(), x / n)).collect()
    }

    fn record(id: u32, words: &[(&str, f32)]) -> ThemeRecord {
        ThemeRecord {
            id,
            label: format!("t{id}"),
            named: None,
            size: 10,
            terms: v(words),
        }
    }

    #[test]
    fn themes_keep_their_ids_whatever_their_order() {
        let prev = State::new(
            "x".into(),
            9,
            vec![
                record(4, &[("春运", 1.0), ("旅客", 0.8)]),
                record(7, &[("防汛", 1.0), ("洪水", 0.7)]),
                record(8, &[("外贸", 1.0), ("出口", 0.9)]),
            ],
            100,
            3,
        );
        let flood = v(&[("防汛", 0.9), ("洪水", 0.8), ("抢险", 0.2)]);
        let travel = v(&[("旅客", 1.0), ("春运", 0.9)]);
        let space = v(&[("航天员", 1.0), ("神舟", 1.0)]);
        let m = assign_ids(
            &[(None, &flood), (None, &space), (None, &travel)],
            Some(&prev),
        );
        assert_eq!(m.ids, vec![7, 9, 4]);
        assert!(m.continued[0].unwrap() > 0.9 && m.continued[1].is_none());
        assert_eq!(m.disappeared, vec![(8, "t8".to_string())]);
        assert_eq!(m.next_id, 10);
    }

    #[test]
    fn a_refined_theme_continues_the_theme_it_comes_from_while_it_is_similar() {
        let prev = State::new(
            "x".into(),
            3,
            vec![
                record(0, &[("股市", 1.0), ("指数", 0.9), ("上涨", 0.5)]),
                record(1, &[("股市", 1.0), ("指数", 0.8), ("下跌", 0.6)]),
                record(2, &[("防汛", 1.0)]),
            ],
            100,
            3,
        );
        // Both new themes resemble both old market themes; matching alone
        // would pair them by the larger total similarity (swapped here).
        let a = v(&[("股市", 1.0), ("指数", 0.8), ("下跌", 0.6)]);
        let b = v(&[("股市", 1.0), ("指数", 0.9), ("上涨", 0.5)]);
        let space = v(&[("航天员", 1.0)]);
        let keys = [
            (None, a.as_slice()),
            (None, b.as_slice()),
            (None, space.as_slice()),
        ];
        assert_eq!(assign_ids(&keys, Some(&prev)).ids[..2], [1, 0]);
        let m = continue_ids(&keys, Some(&prev), &[Some(0), Some(1), Some(2)]);
        assert_eq!(m.ids[..2], [0, 1]);
        // A theme that no longer resembles its origin gets a new id.
        assert_eq!(m.ids[2], 3);
        assert_eq!(m.disappeared, vec![(2, "t2".to_string())]);
    }

    #[test]
    fn named_themes_keep_their_id_by_name() {
        let mut named = record(2, &[("a", 1.0)]);
        named.named = Some("春运".into());
        let prev = State::new("x".into(), 3, vec![record(0, &[("b", 1.0)]), named], 10, 2);
        let terms = v(&[("z", 1.0)]);
        let m = assign_ids(&[(Some("春运"), &terms)], Some(&prev));
        assert_eq!(m.ids, vec![2]);
        assert_eq!(m.disappeared.len(), 1);
    }

    #[test]
    fn without_history_ids_count_from_zero() {
        let t = v(&[("a", 1.0)]);
        assert_eq!(assign_ids(&[(None, &t), (None, &t)], None).ids, vec![0, 1]);
    }

    #[test]
    fn state_round_trips_and_bad_state_is_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(State::load(dir.path()).unwrap(), None);
        let s = State::new(
            "2026-01-01T00:00:00Z".into(),
            3,
            vec![record(1, &[("a", 1.0)])],
            5,
            2,
        );
        s.save(dir.path()).unwrap();
        assert_eq!(State::load(dir.path()).unwrap(), Some(s));
        std::fs::write(dir.path().join(STATE_FILE), "{broken").unwrap();
        let warn = State::load(dir.path()).unwrap_err();
        assert!(
            matches!(warn, crate::error::Error::Damaged { .. }),
            "{warn}"
        );
        assert!(warn.to_string().contains(STATE_FILE), "{warn}");
    }
}
