//! Stage 4, reduce: sparse TF-IDF → a few dense dimensions (LSA).
//!
//! A randomized truncated SVD (Halko, Martinsson & Tropp 2011, algorithm 4.4
//! with power iterations): sample the range of `A` with a random block,
//! sharpen it with a few passes through `Aᵀ` and `A`, then solve the small
//! problem exactly. linfa has no truncated SVD for sparse input, so it is
//! written here on ndarray, with sprs for the sparse products and rayon
//! across row blocks. The small symmetric eigenproblems are solved by a
//! cyclic Jacobi method in `f64`.
//!
//! The output rows are `U·Σ` (as scikit-learn's `TruncatedSVD.transform`)
//! scaled to unit length, so that Euclidean k-means on them is k-means on
//! cosine similarity. Empty input rows stay zero.

use ndarray::{s, Array1, Array2, ArrayView2, Axis, Zip};
use rand_xoshiro::rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::vectorize::SparseMatrix;

/// Parameters of the reduce stage.
#[derive(Debug, Clone, PartialEq)]
pub struct ReduceParams {
    dims: usize,
    oversample: usize,
    power_iters: usize,
    seed: u64,
}

impl Default for ReduceParams {
    fn default() -> Self {
        ReduceParams {
            dims: 50,
            oversample: 10,
            power_iters: 3,
            seed: 42,
        }
    }
}

impl ReduceParams {
    /// Number of dense dimensions (2–1000).
    pub fn dims(mut self, d: usize) -> Result<Self> {
        if !(2..=1000).contains(&d) {
            return Err(Error::param("--dims", "must be between 2 and 1000"));
        }
        self.dims = d;
        Ok(self)
    }

    /// Power iterations (0–10); more is more accurate and slower.
    pub fn power_iters(mut self, q: usize) -> Result<Self> {
        if q > 10 {
            return Err(Error::param("--svd-iters", "must be at most 10"));
        }
        self.power_iters = q;
        Ok(self)
    }

    /// Seed of the random projection.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The number of dimensions asked for.
    pub fn get_dims(&self) -> usize {
        self.dims
    }

    /// The number of power iterations.
    pub fn get_power_iters(&self) -> usize {
        self.power_iters
    }
}

/// The reduced representation.
#[derive(Debug, Clone)]
pub struct Reduced {
    /// Posts × dims, rows of unit length (zero for empty posts).
    pub rows: Array2<f32>,
    /// The singular values kept, largest first.
    pub singular_values: Vec<f32>,
    /// Right singular vectors, features × dims: a TF-IDF row `q` maps to
    /// `q · components` in the space of `rows` (before normalisation).
    pub components: Array2<f32>,
}

impl Reduced {
    /// Maps a sparse TF-IDF vector (feature, weight) into the reduced
    /// space, scaled to unit length (zero when no feature is known).
    pub fn project(&self, features: &[(usize, f32)]) -> Array1<f32> {
        let mut v = Array1::<f32>::zeros(self.components.ncols());
        for &(f, w) in features {
            v.scaled_add(w, &self.components.row(f));
        }
        let norm = v.dot(&v).sqrt();
        if norm > 0.0 {
            v /= norm;
        }
        v
    }
}

/// Rows per rayon task in the dense products.
const BLOCK: usize = 2048;

/// `a · b` with rows of `a` split across rayon tasks.
fn par_dot(a: ArrayView2<f32>, b: ArrayView2<f32>) -> Array2<f32> {
    let mut out = Array2::<f32>::zeros((a.nrows(), b.ncols()));
    out.axis_chunks_iter_mut(Axis(0), BLOCK)
        .into_par_iter()
        .zip(a.axis_chunks_iter(Axis(0), BLOCK).into_par_iter())
        .for_each(|(mut o, a)| o.assign(&a.dot(&b)));
    out
}

/// `aᵀ · a` accumulated in `f64` over row blocks. Blocks are summed in a
/// fixed order so the result does not depend on the number of threads.
fn gram(a: ArrayView2<f32>) -> Array2<f64> {
    let l = a.ncols();
    let parts: Vec<Array2<f64>> = a
        .axis_chunks_iter(Axis(0), BLOCK)
        .into_par_iter()
        .map(|blk| blk.t().dot(&blk).mapv(f64::from))
        .collect();
    parts
        .into_iter()
        .fold(Array2::zeros((l, l)), |acc, p| acc + p)
}

/// `m · d` for sparse `m` (CSR) and dense `d`, rows split across rayon tasks.
fn sparse_dot(m: &SparseMatrix, d: ArrayView2<f32>) -> Array2<f32> {
    let mut out = Array2::<f32>::zeros((m.rows(), d.ncols()));
    out.axis_chunks_iter_mut(Axis(0), BLOCK)
        .into_par_iter()
        .enumerate()
        .for_each(|(i, o)| {
            let start = i * BLOCK;
            let block = m.slice_outer(start..start + o.nrows());
            sprs::prod::csr_mulacc_dense_rowmaj(block, d, o);
        });
    out
}

/// Symmetric eigen-decomposition by cyclic Jacobi rotations.
/// Returns eigenvalues (descending) and eigenvectors as columns.
pub fn symmetric_eigen(m: &Array2<f64>) -> (Vec<f64>, Array2<f64>) {
    let n = m.nrows();
    // Row-major copies: `a` stays symmetric, so a rotation updates rows p
    // and q (contiguous) and mirrors them into the columns; `vt` holds the
    // eigenvectors as rows, so its rotation is on rows too.
    let mut a: Vec<f64> = m.iter().copied().collect();
    let mut vt: Vec<f64> = Array2::<f64>::eye(n).iter().copied().collect();
    let scale: f64 = a
        .iter()
        .map(|x| x * x)
        .sum::<f64>()
        .sqrt()
        .max(f64::MIN_POSITIVE);
    let mut row_p = vec![0.0; n];
    let mut row_q = vec![0.0; n];
    for _sweep in 0..60 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * n + j] * a[i * n + j])
            .sum::<f64>()
            .sqrt();
        if off <= 1e-13 * scale {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq.abs() <= 1e-300 {
                    continue;
                }
                let (app, aqq) = (a[p * n + p], a[q * n + q]);
                let theta = (aqq - app) / (2.0 * apq);
                let t = if theta == 0.0 {
                    1.0
                } else {
                    theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt())
                };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                // Rows p and q of A·J (then mirrored: A is symmetric).
                for (k, (rp, rq)) in row_p.iter_mut().zip(row_q.iter_mut()).enumerate() {
                    let (akp, akq) = (a[p * n + k], a[q * n + k]);
                    *rp = c * akp - s * akq;
                    *rq = s * akp + c * akq;
                }
                row_p[p] = app - t * apq;
                row_q[q] = aqq + t * apq;
                row_p[q] = 0.0;
                row_q[p] = 0.0;
                a[p * n..(p + 1) * n].copy_from_slice(&row_p);
                a[q * n..(q + 1) * n].copy_from_slice(&row_q);
                for k in 0..n {
                    a[k * n + p] = row_p[k];
                    a[k * n + q] = row_q[k];
                }
                let (head, tail) = vt.split_at_mut(q * n);
                let vp = &mut head[p * n..(p + 1) * n];
                let vq = &mut tail[..n];
                for (x, y) in vp.iter_mut().zip(vq.iter_mut()) {
                    let (xp, xq) = (*x, *y);
                    *x = c * xp - s * xq;
                    *y = s * xp + c * xq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| a[j * n + j].total_cmp(&a[i * n + i]));
    let values = order.iter().map(|&i| a[i * n + i]).collect();
    let mut vectors = Array2::<f64>::zeros((n, n));
    for (dst, &src) in order.iter().enumerate() {
        for k in 0..n {
            vectors[[k, dst]] = vt[src * n + k];
        }
    }
    (values, vectors)
}

/// An orthonormal basis of the column space of `y` (via the Gram matrix's
/// eigenvectors, done twice for accuracy); directions with no weight are
/// dropped, so the result may have fewer columns.
fn orthonormalize(y: &Array2<f32>) -> Array2<f32> {
    let mut q = y.clone();
    for _ in 0..2 {
        let (values, vectors) = symmetric_eigen(&gram(q.view()));
        let top = values.first().copied().unwrap_or(0.0);
        let keep: Vec<usize> = (0..values.len())
            .filter(|&i| values[i] > top * 1e-10 && values[i] > 0.0)
            .collect();
        let mut w = Array2::<f32>::zeros((q.ncols(), keep.len()));
        for (dst, &i) in keep.iter().enumerate() {
            let inv = 1.0 / values[i].sqrt();
            w.column_mut(dst)
                .assign(&vectors.column(i).mapv(|x| (x * inv) as f32));
        }
        q = par_dot(q.view(), w.view());
    }
    q
}

/// Runs the randomized truncated SVD and returns the normalised `U·Σ` rows.
pub fn reduce(a: &SparseMatrix, params: &ReduceParams) -> Result<Reduced> {
    reduce_from(a, &a.transpose_view().to_csr(), params, None)
}

/// Like [`reduce`], but the sampling block starts from `start` (features ×
/// columns, e.g. the previous run's components mapped onto this run's
/// vocabulary) instead of random numbers; missing columns are random. A
/// start close to the answer needs fewer power iterations.
/// `at` is `a` transposed (as CSR), which the caller may need too.
pub fn reduce_from(
    a: &SparseMatrix,
    at: &SparseMatrix,
    params: &ReduceParams,
    start: Option<&Array2<f32>>,
) -> Result<Reduced> {
    let (n, v) = (a.rows(), a.cols());
    if n < 2 || v < 2 {
        return Err(Error::Numeric {
            stage: "reduce",
            reason: format!("need at least 2 posts and 2 words, have {n} posts and {v} words"),
        });
    }
    let dims = params.dims.min(n - 1).min(v - 1).max(1);
    let width = (dims + params.oversample).min(n).min(v);

    let mut rng = Xoshiro256PlusPlus::seed_from_u64(params.seed);
    let mut omega = Array2::from_shape_simple_fn((v, width), || {
        // Uniform on [-1, 1): any zero-mean distribution samples the range.
        (rng.next_u32() as f32 / u32::MAX as f32) * 2.0 - 1.0
    });
    if let Some(s) = start.filter(|s| s.nrows() == v) {
        let cols = s.ncols().min(width);
        omega
            .slice_mut(s![.., ..cols])
            .assign(&s.slice(s![.., ..cols]));
    }
    let mut q = orthonormalize(&sparse_dot(a, omega.view()));
    for _ in 0..params.power_iters {
        let z = orthonormalize(&sparse_dot(at, q.view()));
        q = orthonormalize(&sparse_dot(a, z.view()));
    }
    // B = Qᵀ A, kept transposed: Bt = Aᵀ Q (words × width).
    let bt = sparse_dot(at, q.view());
    let (values, w) = symmetric_eigen(&gram(bt.view()));
    let dims = dims.min(values.iter().filter(|&&x| x > 0.0).count()).max(1);
    let sigma: Vec<f32> = values[..dims]
        .iter()
        .map(|x| x.max(0.0).sqrt() as f32)
        .collect();
    // U·Σ = Q · W[:, :dims] · diag(σ).
    // V = Bt · W[:, :dims] · diag(1/σ).
    let mut w_inv = w.slice(s![.., ..dims]).mapv(|x| x as f32);
    Zip::from(w_inv.axis_iter_mut(Axis(1)))
        .and(&Array1::from(sigma.clone()))
        .for_each(|mut col, &sv| col /= sv.max(f32::MIN_POSITIVE));
    let components = par_dot(bt.view(), w_inv.view());
    let mut ws = w.slice(s![.., ..dims]).mapv(|x| x as f32);
    Zip::from(ws.axis_iter_mut(Axis(1)))
        .and(&Array1::from(sigma.clone()))
        .for_each(|mut col, &sv| col *= sv);
    let mut rows = par_dot(q.view(), ws.view());
    rows.axis_iter_mut(Axis(0))
        .into_par_iter()
        .for_each(|mut r| {
            let norm = r.dot(&r).sqrt();
            if norm > 0.0 {
                r /= norm;
            }
        });
    Ok(Reduced {
        rows,
        singular_values: sigma,
        components,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jacobi_recovers_a_known_spectrum() {
        let m = ndarray::arr2(&[[4.0, 1.0, 0.0], [1.0, 3.0, 0.0], [0.0, 0.0, 1.0]]);
        let (vals, vecs) = symmetric_eigen(&m);
        let expected = [(7.0 + 5f64.sqrt()) / 2.0, (7.0 - 5f64.sqrt()) / 2.0, 1.0];
        for (a, b) in vals.iter().zip(expected) {
            assert!((a - b).abs() < 1e-10, "{vals:?}");
        }
        // M v = λ v for each column.
        for (i, &l) in vals.iter().enumerate() {
            let col = vecs.column(i);
            let mv = m.dot(&col);
            for k in 0..3 {
                assert!((mv[k] - l * col[k]).abs() < 1e-9);
            }
        }
    }

    /// Two groups of posts with disjoint words must land far apart.
    #[test]
    fn posts_with_disjoint_vocabularies_are_separated() {
        let n = 40;
        let mut indptr = vec![0];
        let mut indices = vec![];
        let mut data = vec![];
        for i in 0..n {
            // Unequal groups, so no singular value is shared by both.
            let base = if i < 25 { 0u32 } else { 10 };
            for j in 0..3u32 {
                indices.push(base + (i as u32 + j) % 10);
                data.push(1.0 / 3f32.sqrt());
            }
            let start = indptr[indptr.len() - 1];
            let row = &mut indices[start..];
            row.sort_unstable();
            indptr.push(indices.len());
        }
        let m = SparseMatrix::new((n, 20), indptr, indices, data);
        let r = reduce(&m, &ReduceParams::default().dims(4).unwrap()).unwrap();
        assert_eq!(r.rows.ncols(), 4);
        let within = r.rows.row(0).dot(&r.rows.row(1));
        let across = r.rows.row(0).dot(&r.rows.row(n - 1));
        assert!(within > 0.5, "{within}");
        assert!(across.abs() < 0.2, "{across}");
        for row in r.rows.rows() {
            assert!((row.dot(&row) - 1.0).abs() < 1e-4);
        }
        assert!(r.singular_values.windows(2).all(|w| w[0] >= w[1]));
        // Projecting a post's own TF-IDF row lands on its reduced row.
        let row = m.outer_view(3).unwrap();
        let q: Vec<(usize, f32)> = row.iter().map(|(c, &v)| (c, v)).collect();
        let p = r.project(&q);
        assert!(p.dot(&r.rows.row(3)) > 0.999, "{}", p.dot(&r.rows.row(3)));
    }

    #[test]
    fn the_result_does_not_depend_on_the_thread_count() {
        let n = 300;
        let mut indptr = vec![0];
        let mut indices = vec![];
        let mut data = vec![];
        for i in 0..n {
            let mut cols: Vec<u32> = (0..5).map(|j| ((i * 7 + j * 13) % 50) as u32).collect();
            cols.sort_unstable();
            cols.dedup();
            data.extend(cols.iter().map(|_| 0.5f32));
            indices.extend(cols);
            indptr.push(indices.len());
        }
        let m = SparseMatrix::new((n, 50), indptr, indices, data);
        let p = ReduceParams::default().dims(8).unwrap();
        let run = |t| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .unwrap()
                .install(|| reduce(&m, &p).unwrap().rows)
        };
        assert_eq!(run(1), run(2));
    }
}
