//! Named themes (`--themes FILE`): themes the analyst defines by seed words.
//!
//! The file is TOML, one `[[theme]]` table per theme:
//!
//! ```toml
//! [[theme]]
//! name = "中小企业创新"
//! seeds = ["中小企业", "专精特新", "融通创新"]
//! min_similarity = 0.35   # optional
//! ```
//!
//! Seed words are added to the segmenter's dictionary, so a seed such as
//! 专精特新 is kept whole in every post. A named theme is the TF-IDF vector
//! of its seeds (idf-weighted) projected into the reduced space; a post joins
//! the named theme it is most similar to when that cosine similarity reaches
//! the theme's `min_similarity` (default 0.4). The centre stays on the seeds:
//! letting it follow its posts (as k-means would) was tried and makes a
//! broad seed set drift into the whole neighbouring subject (on the xwlb
//! archive an SME theme grew from 650 to 3,200 posts of general economic
//! news). Named themes keep their name as label and the ids 0, 1, … in file
//! order; the remaining posts are clustered as usual.

use std::path::Path;

use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Default cosine similarity from which a post joins a named theme.
pub const DEFAULT_MIN_SIMILARITY: f32 = 0.4;

/// One theme of the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedTheme {
    /// Its label in every report.
    pub name: String,
    /// Words that define it.
    pub seeds: Vec<String>,
    /// Cosine similarity from which a post joins it.
    #[serde(default)]
    pub min_similarity: Option<f32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemesFile {
    #[serde(default)]
    theme: Vec<NamedTheme>,
}

/// Reads and checks a themes file.
pub fn load(path: &Path) -> Result<Vec<NamedTheme>> {
    let fail = |reason: String| Error::Resource {
        what: "themes file",
        path: path.to_path_buf(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| Error::read(path, e))?;
    let file: ThemesFile = toml::from_str(&text).map_err(|e| fail(e.to_string()))?;
    let mut names = std::collections::HashSet::new();
    for (i, t) in file.theme.iter().enumerate() {
        let which = format!("theme {} ('{}')", i + 1, t.name);
        if t.name.trim().is_empty() {
            return Err(fail(format!("theme {} has an empty name", i + 1)));
        }
        if !names.insert(t.name.trim()) {
            return Err(fail(format!("{which}: the name is used twice")));
        }
        if t.seeds.iter().all(|s| s.trim().is_empty()) {
            return Err(fail(format!("{which}: no seed words")));
        }
        if let Some(s) = t.min_similarity {
            if !(0.0..1.0).contains(&s) {
                return Err(fail(format!("{which}: min_similarity must be in [0, 1)")));
            }
        }
    }
    Ok(file.theme)
}

/// Which posts the named themes took.
#[derive(Debug, Clone)]
pub struct NamedAssignment {
    /// For each row, the named theme it joined.
    pub theme: Vec<Option<usize>>,
    /// For each row that joined, its cosine similarity to the theme's centre.
    pub score: Vec<f32>,
    /// Final centres, one row per named theme (zero when it has no post and
    /// no known seed).
    pub centres: Array2<f32>,
}

/// Assigns rows (unit vectors) to the named theme whose seed vector (unit
/// vectors, one per theme) is most similar, when that similarity reaches the
/// theme's threshold.
pub fn assign(x: ArrayView2<f32>, seeds: &[Array1<f32>], thresholds: &[f32]) -> NamedAssignment {
    let mut centres = Array2::<f32>::zeros((seeds.len(), x.ncols()));
    for (mut c, s) in centres.rows_mut().into_iter().zip(seeds) {
        c.assign(s);
    }
    let known: Vec<bool> = seeds.iter().map(|s| s.iter().any(|&v| v != 0.0)).collect();
    let mut theme = vec![None; x.nrows()];
    let mut score = vec![0f32; x.nrows()];
    for (i, row) in x.rows().into_iter().enumerate() {
        let sims = centres.dot(&row);
        let best = sims
            .iter()
            .enumerate()
            .filter(|&(t, &s)| known[t] && s >= thresholds[t])
            .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)));
        theme[i] = best.map(|(t, _)| t);
        score[i] = best.map_or(0.0, |(_, &s)| s);
    }
    NamedAssignment {
        theme,
        score,
        centres,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.toml");
        std::fs::write(
            &p,
            "[[theme]]\nname = \"春运\"\nseeds = [\"春运\", \"旅客\"]\n\n[[theme]]\nname = \"防汛\"\nseeds = [\"防汛\"]\nmin_similarity = 0.5\n",
        )
        .unwrap();
        let t = load(&p).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[1].min_similarity, Some(0.5));

        std::fs::write(&p, "[[theme]]\nname = \"a\"\nseeds = []\n").unwrap();
        assert!(load(&p).unwrap_err().to_string().contains("no seed words"));
        std::fs::write(&p, "[[theme]]\nname = \"a\"\nseeds = [\"x\"]\nseed = 1\n").unwrap();
        let err = load(&p).unwrap_err().to_string();
        assert!(err.contains("t.toml") && err.contains("seed"), "{err}");
        std::fs::write(
            &p,
            "[[theme]]\nname = \"a\"\nseeds = [\"x\"]\n[[theme]]\nname = \"a\"\nseeds = [\"y\"]\n",
        )
        .unwrap();
        assert!(load(&p).unwrap_err().to_string().contains("twice"));
    }

    #[test]
    fn posts_near_a_seed_join_it_and_the_rest_stay_free() {
        let x = ndarray::arr2(&[
            [1.0f32, 0.0, 0.0],
            [0.9, 0.436, 0.0],
            [0.0, 0.0, 1.0],
            [0.0, 1.0, 0.0],
        ]);
        let seed = Array1::from(vec![1.0f32, 0.0, 0.0]);
        let a = assign(x.view(), &[seed], &[0.5]);
        assert_eq!(a.theme, vec![Some(0), Some(0), None, None]);
        assert!(a.score[0] > 0.9);
    }
}
