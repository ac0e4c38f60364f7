//! Cluster (an algorithm of `fit`, layer 8): group the reduced posts into `k` themes with
//! linfa-clustering's k-means, started from our greedy k-means++ seeding
//! ([`plus_plus`]: n · k · (2 + ln k) distances, where linfa's seeding
//! takes n · k² / 2), and measuring with our squared distance
//! ([`distance::LaneL2`], summed in eight lanes where linfa's `L2Dist` sums
//! one element after another).
//!
//! The rows are unit vectors, so Euclidean k-means here ranks posts by
//! cosine similarity. Several independent runs (different seeds derived from
//! `seed`) are fitted in parallel with rayon and the one with the lowest
//! inertia wins; runs are compared in a fixed order, so the result does not
//! depend on the thread count. The restarts run on a smaller sample
//! (`--kmeans-restart-sample`, 4,000 posts by default) and only the best
//! start is refined on the centres' sample: the restarts find a good basin,
//! the refinement its bottom, at a fraction of the cost of refining every
//! restart (docs/scaling.md). Above `--kmeans-sample` posts (10,000 by
//! default) the centres are fitted on a fixed random sample of that size and
//! every post is then assigned to its nearest centre, which keeps the cost
//! linear in the number of posts (docs/quality.md: the themes do not suffer).
//! Themes are numbered by size, largest first. A post's score is the cosine
//! similarity of its row to its theme's centre.

pub mod distance;
pub mod group;
pub mod named;
pub mod select;

use linfa::prelude::*;
use linfa_clustering::{KMeans as LinfaKMeans, KMeansInit};
use ndarray::{Array2, ArrayView1, ArrayView2, Axis};
use rand_xoshiro::rand_core::{RngCore, SeedableRng};
use rand_xoshiro::{Xoshiro256Plus, Xoshiro256PlusPlus};
use rayon::prelude::*;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use distance::LaneL2;
pub use select::{KChoice, KRange};

/// Parameters of the cluster stage, as flags.
#[derive(Debug, Clone, PartialEq, clap::Args, Serialize, Deserialize)]
#[serde(default)]
pub struct ClusterParams {
    /// Number of themes, or `auto` to choose it in --k-range by topic
    /// coherence (NPMI of each theme's top words) × stability across seeds.
    #[arg(
        long,
        default_value = "auto",
        value_name = "N|auto",
        help_heading = "Themes"
    )]
    pub k: KChoice,

    /// Range searched by `--k auto`, inclusive.
    #[arg(
        long,
        default_value = "10..60",
        value_name = "MIN..MAX",
        help_heading = "Themes"
    )]
    pub k_range: KRange,

    /// Independent k-means runs; the one with the lowest inertia is kept.
    #[arg(long, default_value_t = 10, value_name = "N", help_heading = "Themes")]
    pub kmeans_runs: usize,

    /// Iteration cap of each k-means run.
    #[arg(long, default_value_t = 30, value_name = "N", help_heading = "Themes")]
    pub kmeans_iters: u64,

    /// Posts the k-means centres are fitted on (a fixed sample of the
    /// fitting sample); every post is then assigned to its nearest centre.
    /// Larger is slower and barely changes the themes (docs/quality.md).
    #[arg(
        long,
        default_value_t = 10_000,
        value_name = "N",
        help_heading = "Themes"
    )]
    pub kmeans_sample: usize,

    /// Posts the restarts of `--kmeans-runs` are fitted on (a fixed sample
    /// of the centres' sample, at least 50 a theme; at least 100); the best
    /// start is then refined on the centres' whole sample, so the restarts
    /// cost little. Only when the centres' sample is larger (not in the k
    /// search's quick runs, nor in a refine).
    #[arg(
        long,
        default_value_t = 4_000,
        value_name = "N",
        help_heading = "Themes"
    )]
    pub kmeans_restart_sample: usize,

    /// Posts the model is fitted on: a fixed sample, drawn by the seed,
    /// for the LSA basis, the choice of k and the centres (word statistics
    /// count every post). Bounds the memory of the fit; archives up to
    /// this size are fitted whole.
    #[arg(
        long,
        default_value_t = 50_000,
        value_name = "N",
        help_heading = "Themes"
    )]
    pub sample: usize,
}

impl Default for ClusterParams {
    fn default() -> Self {
        crate::flags::defaults()
    }
}

impl ClusterParams {
    /// Checks the values.
    /// Checks the values: the k-means and k-search builders check what
    /// they take (a fixed k, runs, iterations, the centres' sample, the
    /// range), so each rule is written once.
    pub fn check(&self) -> Result<()> {
        if let KChoice::Fixed(k) = self.k {
            KMeans::default().k(k)?;
        }
        self.kmeans(2, 0)?;
        select::SelectParams::default().range(self.k_range.0, self.k_range.1)?;
        if self.sample < 1000 {
            return Err(Error::param("--sample", "must be at least 1000"));
        }
        Ok(())
    }

    /// The k-means settings for `k` themes and `seed`.
    pub fn kmeans(&self, k: usize, seed: u64) -> Result<KMeans> {
        KMeans::default()
            .k(k)?
            .seed(seed)
            .n_runs(self.kmeans_runs)?
            .max_iter(self.kmeans_iters)?
            .fit_sample(self.kmeans_sample)?
            .restart_sample(self.kmeans_restart_sample)
    }

    /// The search of `--k auto`, or `None` for a fixed k.
    pub fn selection(&self) -> Result<Option<select::SelectParams>> {
        match self.k {
            KChoice::Auto => Ok(Some(
                select::SelectParams::default().range(self.k_range.0, self.k_range.1)?,
            )),
            KChoice::Fixed(_) => Ok(None),
        }
    }
}

/// One k-means setting (built from [`ClusterParams`]).
#[derive(Debug, Clone, PartialEq)]
pub struct KMeans {
    k: usize,
    seed: u64,
    n_runs: usize,
    max_iter: u64,
    tolerance: f32,
    sample: usize,
    restart_sample: usize,
    greedy: bool,
}

/// Convergence tolerance of a k-means run (linfa refuses 0).
const TOLERANCE: f32 = 1e-4;

/// The k-means of the flags' defaults (`--kmeans-runs`, `--kmeans-iters`,
/// `--kmeans-sample`), for 2 themes and seed 0.
impl Default for KMeans {
    fn default() -> Self {
        let flags = ClusterParams::default();
        KMeans {
            k: 2,
            seed: 0,
            n_runs: flags.kmeans_runs,
            max_iter: flags.kmeans_iters,
            tolerance: TOLERANCE,
            sample: flags.kmeans_sample,
            restart_sample: flags.kmeans_restart_sample,
            greedy: true,
        }
    }
}

impl KMeans {
    /// Number of themes (at least 2).
    pub fn k(mut self, k: usize) -> Result<Self> {
        if k < 2 {
            return Err(Error::param("--k", "must be at least 2"));
        }
        self.k = k;
        Ok(self)
    }

    /// Seed of the k-means++ initialisation.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Independent k-means runs; the best is kept (1–64).
    pub fn n_runs(mut self, n: usize) -> Result<Self> {
        if !(1..=64).contains(&n) {
            return Err(Error::param("--kmeans-runs", "must be between 1 and 64"));
        }
        self.n_runs = n;
        Ok(self)
    }

    /// Iteration cap of one run (1–10000).
    pub fn max_iter(mut self, n: u64) -> Result<Self> {
        if !(1..=10_000).contains(&n) {
            return Err(Error::param(
                "--kmeans-iters",
                "must be between 1 and 10000",
            ));
        }
        self.max_iter = n;
        Ok(self)
    }

    /// Posts the centres are fitted on (a fixed sample; at least 1,000);
    /// all posts are then assigned to the nearest centre.
    pub fn fit_sample(mut self, n: usize) -> Result<Self> {
        if n < 1000 {
            return Err(Error::param("--kmeans-sample", "must be at least 1000"));
        }
        self.sample = n;
        Ok(self)
    }

    /// Posts the restarts are fitted on (at least 100), when the centres'
    /// sample is larger; the best start is refined on that sample.
    pub fn restart_sample(mut self, n: usize) -> Result<Self> {
        if n < 100 {
            return Err(Error::param(
                "--kmeans-restart-sample",
                "must be at least 100",
            ));
        }
        self.restart_sample = n;
        Ok(self)
    }

    /// Seeds with plain k-means++ (one draw a step) instead of the greedy
    /// variant: the search for k measures how far seeds agree, and the
    /// greedy draw, less random, makes broad themes look more stable than
    /// they are (on the flash archive k = 10 then beat every larger k).
    pub fn plain_seeding(mut self) -> Self {
        self.greedy = false;
        self
    }

    /// Requested number of themes.
    pub fn get_k(&self) -> usize {
        self.k
    }
    /// The seed.
    pub fn get_seed(&self) -> u64 {
        self.seed
    }
    /// Iteration cap.
    pub fn get_max_iter(&self) -> u64 {
        self.max_iter
    }
}

/// The themes found.
#[derive(Debug, Clone)]
pub struct Clustering {
    /// Theme of each row, `0..k`, 0 the largest theme.
    pub labels: Vec<usize>,
    /// Cosine similarity of each row to its theme's centre.
    pub scores: Vec<f32>,
    /// Theme centres in the reduced space, row `t` for theme `t`.
    pub centroids: Array2<f32>,
    /// Mean squared distance of rows to their centre.
    pub inertia: f32,
}

impl Clustering {
    /// Number of themes.
    pub fn k(&self) -> usize {
        self.centroids.nrows()
    }

    /// Number of posts in each theme.
    pub fn sizes(&self) -> Vec<usize> {
        sizes(&self.labels, self.k())
    }
}

/// Derives the seed of run `r` from the user's seed.
fn run_seed(seed: u64, r: usize) -> u64 {
    seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(r as u64)
}

/// Clusters the rows of `x` (posts × dims) into themes.
pub fn cluster(x: ArrayView2<f32>, params: &KMeans) -> Result<Clustering> {
    let n = x.nrows();
    if params.k > n {
        return Err(Error::param(
            "--k",
            format!(
                "{} themes asked for but only {n} posts to cluster",
                params.k
            ),
        ));
    }
    // Large inputs: the centres are fitted on a fixed sample, then every
    // post goes to its nearest centre (linear in the number of posts).
    let fit_rows = select::sample_rows(n, params.sample, params.seed);
    if params.k > fit_rows.len() {
        return Err(Error::param(
            "--kmeans-sample",
            format!(
                "{} posts to fit {} themes' centres on: at least one a theme is needed",
                fit_rows.len(),
                params.k
            ),
        ));
    }
    let records = x.select(Axis(0), &fit_rows);
    let restart = restart_size(params.k, params.restart_sample);
    let model = if params.n_runs > 1 && fit_rows.len() > restart {
        // Many restarts on a large sample: the restarts run on a smaller
        // sample of it, and the best start is refined on the whole sample.
        let small_rows = select::sample_rows(fit_rows.len(), restart, run_seed(params.seed, 64));
        let small = records.select(Axis(0), &small_rows);
        let start = best_run(&small, params, params.n_runs, Start::PlusPlus)?;
        best_run(&records, params, 1, Start::Given(start.centroids()))?
    } else {
        best_run(&records, params, params.n_runs, Start::PlusPlus)?
    };
    let raw: Vec<usize> = if fit_rows.len() == n {
        model.predict(&DatasetBase::from(records)).to_vec()
    } else {
        model.predict(&DatasetBase::from(x.to_owned())).to_vec()
    };
    Ok(renumber_by_size(
        x,
        &raw,
        model.centroids(),
        model.inertia(),
    ))
}

/// One k-means run from `start` (one row per theme) on the centres'
/// sample of `x`, for at most `params`' iterations: the centres it ends
/// at, in the order of `start` (themes are not renumbered, so a refine
/// keeps each theme where it began).
pub fn follow(x: ArrayView2<f32>, start: &Array2<f32>, params: &KMeans) -> Result<Array2<f32>> {
    let params = params.clone().k(start.nrows())?;
    let fit_rows = select::sample_rows(x.nrows(), params.sample, params.seed);
    let records = x.select(Axis(0), &fit_rows);
    Ok(best_run(&records, &params, 1, Start::Given(start))?
        .centroids()
        .clone())
}

/// The nearest of `centres` to `row` (squared Euclidean distance, ties to
/// the lower index), `None` without centres.
pub fn nearest_centre(row: ArrayView1<f32>, centres: ArrayView2<f32>) -> Option<usize> {
    centres
        .rows()
        .into_iter()
        .enumerate()
        .map(|(t, c)| (t, squared_distance(row, c)))
        .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
        .map(|(t, _)| t)
}

/// The squared Euclidean distance of two rows: the one linfa's k-means
/// runs on ([`distance::LaneL2`]), so that a post goes to the centre k-means
/// would give it.
pub fn squared_distance(a: ArrayView1<f32>, b: ArrayView1<f32>) -> f32 {
    use linfa_nn::distance::Distance;
    distance::LaneL2.rdistance(a, b)
}

/// Each row's cosine similarity to its theme's centre (`labels[r]`).
pub fn scores(x: ArrayView2<f32>, centroids: ArrayView2<f32>, labels: &[usize]) -> Vec<f32> {
    let norms: Vec<f32> = centroids
        .rows()
        .into_iter()
        .map(|c| c.dot(&c).sqrt().max(f32::MIN_POSITIVE))
        .collect();
    labels
        .par_iter()
        .enumerate()
        .map(|(r, &t)| x.row(r).dot(&centroids.row(t)) / norms[t])
        .collect()
}

/// Number of rows of each of `k` themes.
pub fn sizes(labels: &[usize], k: usize) -> Vec<usize> {
    let mut sizes = vec![0usize; k];
    for &l in labels {
        sizes[l] += 1;
    }
    sizes
}

/// Posts the restarts of a k-means are fitted on, for `k` themes: the
/// `--kmeans-restart-sample`, and at least [`RESTART_PER_THEME`] posts a
/// theme, so that every start has enough posts to seed each centre.
fn restart_size(k: usize, restart_sample: usize) -> usize {
    restart_sample.max(RESTART_PER_THEME * k)
}

/// The least a restart sample holds per theme.
const RESTART_PER_THEME: usize = 50;

/// Where a k-means run starts.
enum Start<'a> {
    /// k-means++ seeding ([`plus_plus`]), drawn by the run's seed.
    PlusPlus,
    /// These centres.
    Given(&'a Array2<f32>),
}

/// Fits `runs` k-means runs from `start` in parallel (run `r` seeded by
/// [`run_seed`]) and keeps the one of lowest inertia, compared in run
/// order: the result does not depend on the thread count.
fn best_run(
    records: &Array2<f32>,
    params: &KMeans,
    runs: usize,
    start: Start,
) -> Result<LinfaKMeans<f32, LaneL2>> {
    let data = DatasetBase::from(records.view());
    let fits: Vec<std::result::Result<LinfaKMeans<f32, _>, String>> = (0..runs)
        .into_par_iter()
        .map(|r| {
            let init = match start {
                Start::PlusPlus => KMeansInit::Precomputed(plus_plus(
                    records.view(),
                    params.k,
                    run_seed(params.seed, r),
                    params.greedy,
                )),
                Start::Given(c) => KMeansInit::Precomputed(c.clone()),
            };
            LinfaKMeans::params_with(
                params.k,
                Xoshiro256Plus::seed_from_u64(run_seed(params.seed, r)),
                LaneL2,
            )
            .n_runs(1)
            .max_n_iterations(params.max_iter)
            .tolerance(params.tolerance)
            .init_method(init)
            .fit(&data)
            .map_err(|e| e.to_string())
        })
        .collect();
    let mut best: Option<LinfaKMeans<f32, _>> = None;
    for fit in fits {
        let model = fit.map_err(|reason| Error::Numeric {
            stage: "cluster",
            reason,
        })?;
        if best.as_ref().is_none_or(|b| model.inertia() < b.inertia()) {
            best = Some(model);
        }
    }
    Ok(best.expect("runs >= 1"))
}

/// Greedy k-means++ seeding (Arthur & Vassilvitskii 2007; the variant of
/// scikit-learn) of `k` centres among the rows of `x`, drawn by `seed`: the
/// first centre a row at random; at each next step `2 + ln k` rows are
/// drawn with probability proportional to their squared distance to the
/// nearest centre so far, and the one that lowers the sum of those
/// distances most becomes the centre. Each row's nearest distance is kept
/// and lowered by each new centre, so seeding costs about `n · k · (2 +
/// ln k)` distances (linfa's own k-means++ measures every row against every
/// centre chosen so far at each step, `n · k² / 2`, which made seeding the
/// largest cost of the k search). Rows are compared in parallel and summed
/// in row order, so the centres do not depend on the thread count.
/// `greedy` false: one draw a step (plain k-means++).
pub fn plus_plus(x: ArrayView2<f32>, k: usize, seed: u64, greedy: bool) -> Array2<f32> {
    let (n, d) = x.dim();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut centres = Array2::<f32>::zeros((k.min(n), d));
    if n == 0 || k == 0 {
        return centres;
    }
    let x = x.as_standard_layout();
    let norms: Vec<f32> = x.rows().into_iter().map(|r| r.dot(&r)).collect();
    let lowered = |nearest: &[f32], c: usize| -> Vec<f32> {
        let (centre, cn) = (x.row(c), norms[c]);
        nearest
            .par_iter()
            .enumerate()
            .with_min_len(256)
            .map(|(i, &m)| m.min((norms[i] + cn - 2.0 * x.row(i).dot(&centre)).max(0.0)))
            .collect()
    };
    let trials = if greedy {
        2 + (k as f64).ln() as usize
    } else {
        1
    };
    let first = (rng.next_u64() % n as u64) as usize;
    centres.row_mut(0).assign(&x.row(first));
    let mut nearest = lowered(&vec![f32::INFINITY; n], first);
    for c in 1..centres.nrows() {
        let total: f64 = nearest.iter().map(|&m| m as f64).sum();
        let mut best: Option<(f64, usize, Vec<f32>)> = None;
        for _ in 0..trials {
            let candidate = if total > 0.0 {
                let mut target = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * total;
                let mut pick = None;
                for (i, &m) in nearest.iter().enumerate() {
                    target -= m as f64;
                    if target < 0.0 && m > 0.0 {
                        pick = Some(i);
                        break;
                    }
                }
                // Rounding left the draw past the end: the last row that
                // is not a centre yet.
                pick.or_else(|| nearest.iter().rposition(|&m| m > 0.0))
                    .unwrap_or(n - 1)
            } else {
                // Every row sits on a centre: any row will do.
                (rng.next_u64() % n as u64) as usize
            };
            let after = lowered(&nearest, candidate);
            let sum: f64 = after.iter().map(|&m| m as f64).sum();
            if best.as_ref().is_none_or(|b| sum < b.0) {
                best = Some((sum, candidate, after));
            }
        }
        let (_, chosen, after) = best.expect("at least one trial");
        centres.row_mut(c).assign(&x.row(chosen));
        nearest = after;
    }
    centres
}

/// Drops empty clusters, numbers the rest by size (largest first, ties by
/// first member) and scores each row against its centre.
fn renumber_by_size(
    x: ArrayView2<f32>,
    raw: &[usize],
    centroids: &Array2<f32>,
    inertia: f32,
) -> Clustering {
    let k = centroids.nrows();
    let mut size = vec![0usize; k];
    let mut first = vec![usize::MAX; k];
    for (i, &c) in raw.iter().enumerate() {
        size[c] += 1;
        first[c] = first[c].min(i);
    }
    let mut order: Vec<usize> = (0..k).filter(|&c| size[c] > 0).collect();
    order.sort_by(|&a, &b| size[b].cmp(&size[a]).then(first[a].cmp(&first[b])));
    let mut new_id = vec![usize::MAX; k];
    for (new, &old) in order.iter().enumerate() {
        new_id[old] = new;
    }
    let centroids = centroids.select(Axis(0), &order);
    let labels: Vec<usize> = raw.iter().map(|&c| new_id[c]).collect();
    let scores = scores(x, centroids.view(), &labels);
    Clustering {
        labels,
        scores,
        centroids,
        inertia,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blobs() -> Array2<f32> {
        blobs_of(90)
    }

    /// `n` unit vectors in three tight groups around three axes, post `i`
    /// in group `i % 3`.
    fn blobs_of(n: usize) -> Array2<f32> {
        let mut rows = Vec::new();
        for i in 0..n {
            let axis = i % 3;
            let mut v = [0.05f32 * ((i % 7) as f32 - 3.0) / 3.0; 4];
            v[axis] = 1.0;
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            rows.extend(v.iter().map(|x| x / norm));
        }
        Array2::from_shape_vec((n, 4), rows).unwrap()
    }

    #[test]
    fn every_post_is_labelled_with_the_centre_nearest_to_it() {
        // Rows spread without groups, so that many lie near the border of
        // two themes: linfa's labels and `nearest_centre` (which `assign`
        // and the refine use) must agree on every one.
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        };
        let mut x = Array2::from_shape_simple_fn((600, 10), &mut next);
        for mut row in x.rows_mut() {
            let norm = row.dot(&row).sqrt();
            row /= norm;
        }
        let c = cluster(x.view(), &KMeans::default().k(7).unwrap()).unwrap();
        for (r, &label) in c.labels.iter().enumerate() {
            assert_eq!(
                nearest_centre(x.row(r), c.centroids.view()),
                Some(label),
                "row {r}"
            );
        }
    }

    #[test]
    fn more_themes_than_the_centres_sample_holds_is_a_clear_error() {
        let x = blobs_of(1500);
        let p = KMeans::default().k(1200).unwrap().fit_sample(1000).unwrap();
        let err = cluster(x.view(), &p).unwrap_err().to_string();
        assert!(
            err.contains("--kmeans-sample") && err.contains("1000 posts"),
            "{err}"
        );
    }

    #[test]
    fn finds_the_groups_and_numbers_them_by_size() {
        let x = blobs();
        let c = cluster(x.view(), &KMeans::default().k(3).unwrap()).unwrap();
        assert_eq!(c.sizes(), vec![30, 30, 30]);
        for i in 0..90 {
            assert_eq!(c.labels[i], c.labels[i % 3], "post {i}");
        }
        assert!(c.scores.iter().all(|&s| s > 0.95));
        // Ties in size are broken by the first member: post 0's theme is 0.
        assert_eq!(c.labels[0], 0);
    }

    #[test]
    fn plus_plus_seeds_one_centre_in_each_group_whatever_the_threads() {
        // Enough rows for rayon to split the distance updates.
        let x = blobs_of(3000);
        let seeds = |threads: usize, seed: u64| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| plus_plus(x.view(), 3, seed, true))
        };
        for seed in 0..20 {
            let one = seeds(1, seed);
            assert_eq!(one, seeds(2, seed));
            // The three groups lie along three axes: one centre on each.
            let mut axes: Vec<usize> = one
                .rows()
                .into_iter()
                .map(|c| (0..3).max_by(|&a, &b| c[a].total_cmp(&c[b])).unwrap())
                .collect();
            axes.sort_unstable();
            assert_eq!(axes, vec![0, 1, 2], "seed {seed}");
        }
    }

    #[test]
    fn asking_for_more_themes_than_posts_is_a_clear_error() {
        let x = blobs();
        let err = cluster(
            x.slice(ndarray::s![..5, ..]),
            &KMeans::default().k(6).unwrap(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("only 5 posts"), "{err}");
    }

    #[test]
    fn the_same_seed_gives_the_same_themes() {
        let x = blobs();
        let p = KMeans::default().k(3).unwrap().seed(7);
        assert_eq!(
            cluster(x.view(), &p).unwrap().labels,
            cluster(x.view(), &p).unwrap().labels
        );
    }
}
