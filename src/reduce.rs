//! Reduce (an algorithm of `fit`, layer 8): sparse TF-IDF → a few dense dimensions (LSA).
//!
//! A randomized truncated SVD (Halko, Martinsson & Tropp 2011, algorithm 4.4
//! with power iterations) of the fitting sample's TF-IDF matrix `A`: sample
//! the range of `A` with a random block, sharpen it with a few passes
//! through `Aᵀ` and `A`, then solve the small problem exactly. The sparse
//! matrix is sprs's; its products with dense blocks are a plain loop of
//! ours ([`sparse_rows`]), split across rayon tasks by row blocks; the dense
//! steps come from a maintained library (linfa-linalg): each block is made
//! orthonormal by CholeskyQR2 (Cholesky of its Gram matrix, twice), or by
//! Householder QR when its columns are too nearly dependent for that, and
//! the small symmetric eigenproblem gives the singular vectors.
//!
//! The result is a [`Basis`]: the right singular vectors, features × dims.
//! A post's reduced row is its TF-IDF row times the basis, scaled to unit
//! length (as scikit-learn's `TruncatedSVD.transform`, normalised), so that
//! Euclidean k-means on the rows is k-means on cosine similarity. Every
//! post, sampled or not, is placed by the same projection. Empty rows stay
//! zero.

use linfa_linalg::cholesky::Cholesky;
use linfa_linalg::eigh::Eigh;
use linfa_linalg::qr::QR;
use linfa_linalg::triangular::{SolveTriangular, UPLO};
use ndarray::{s, Array1, Array2, ArrayView2, Axis};
use rand_xoshiro::rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::vectorize::{Row, SparseMatrix};

/// Parameters of the reduce stage.
#[derive(Debug, Clone, PartialEq, clap::Args, Serialize, Deserialize)]
#[serde(default)]
pub struct ReduceParams {
    /// Dense dimensions of the LSA reduction that k-means works on.
    #[arg(long, default_value_t = 50, value_name = "N", help_heading = "Themes")]
    pub dims: usize,

    /// Power iterations of the randomized SVD (more = more exact, slower).
    #[arg(long, default_value_t = 7, value_name = "N", help_heading = "Themes")]
    pub svd_iters: usize,
}

impl Default for ReduceParams {
    fn default() -> Self {
        crate::flags::defaults()
    }
}

impl ReduceParams {
    /// Checks the values.
    pub fn check(&self) -> Result<()> {
        if !(2..=1000).contains(&self.dims) {
            return Err(Error::param("--dims", "must be between 2 and 1000"));
        }
        if self.svd_iters > 10 {
            return Err(Error::param("--svd-iters", "must be at most 10"));
        }
        Ok(())
    }
}

/// Columns sampled beyond the dimensions asked for.
const OVERSAMPLE: usize = 10;

/// The LSA basis: right singular vectors of the fitting sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Basis {
    /// Features × dims: a TF-IDF row `q` maps to `q · components`.
    pub components: Array2<f32>,
    /// The singular values kept, largest first.
    pub singular_values: Vec<f32>,
}

impl Basis {
    /// Dimensions of the reduced space.
    pub fn dims(&self) -> usize {
        self.components.ncols()
    }

    /// Maps a sparse TF-IDF row into the reduced space, scaled to unit
    /// length (zero when no feature is known).
    pub fn project(&self, (cols, vals): (&[u32], &[f32])) -> Array1<f32> {
        let mut v = Array1::<f32>::zeros(self.dims());
        for (&f, &w) in cols.iter().zip(vals) {
            v.scaled_add(w, &self.components.row(f as usize));
        }
        let norm = v.dot(&v).sqrt();
        if norm > 0.0 {
            v /= norm;
        }
        v
    }

    /// [`Basis::project`] for many rows, in parallel.
    pub fn project_rows(&self, rows: &[Row]) -> Array2<f32> {
        let mut out = Array2::<f32>::zeros((rows.len(), self.dims()));
        out.axis_iter_mut(Axis(0))
            .into_par_iter()
            .zip(rows.par_iter())
            .for_each(|(mut o, (c, v))| o.assign(&self.project((c, v))));
        out
    }
}

/// Rows per rayon task in the products.
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

/// `aᵀ · a` accumulated in `f64` over row blocks, summed in a fixed order
/// so the result does not depend on the number of threads.
fn gram(a: ArrayView2<f32>) -> Array2<f64> {
    let l = a.ncols();
    let parts: Vec<Array2<f64>> = a
        .axis_chunks_iter(Axis(0), BLOCK)
        .into_par_iter()
        .map(|blk| {
            let b = blk.mapv(f64::from);
            b.t().dot(&b)
        })
        .collect();
    parts
        .into_iter()
        .fold(Array2::zeros((l, l)), |acc, p| acc + p)
}

/// `m · d` for sparse `m` (CSR) and dense `d`, rows split across rayon tasks.
fn sparse_dot(m: &SparseMatrix, d: ArrayView2<f32>) -> Array2<f32> {
    debug_assert!(m.is_csr(), "sparse_dot takes a CSR matrix");
    debug_assert_eq!(m.cols(), d.nrows(), "sparse_dot: the shapes do not match");
    let mut out = Array2::<f32>::zeros((m.rows(), d.ncols()));
    if d.ncols() == 0 || m.rows() == 0 {
        return out;
    }
    let d = d.as_standard_layout();
    let dense = d.as_slice().expect("standard layout");
    let width = d.ncols();
    let (indptr, indices, data) = (m.indptr(), m.indices(), m.data());
    let indptr = indptr.raw_storage();
    out.axis_chunks_iter_mut(Axis(0), BLOCK)
        .into_par_iter()
        .enumerate()
        .for_each(|(i, mut o)| {
            let o = o.as_slice_mut().expect("rows of a standard-layout array");
            sparse_rows(i * BLOCK, indptr, indices, data, dense, width, o);
        });
    out
}

/// Rows `first..` of a CSR product into `out` (row-major, `width` wide):
/// each stored value adds its scaled row of `dense`. Kept out of line, on
/// plain slices, so that the compiler vectorises the inner loop the same
/// way in every build (inlined into the rayon closure, sprs's generic
/// kernel ran at a third of its speed in some builds).
#[inline(never)]
fn sparse_rows(
    first: usize,
    indptr: &[usize],
    indices: &[u32],
    data: &[f32],
    dense: &[f32],
    width: usize,
    out: &mut [f32],
) {
    for (r, row) in out.chunks_exact_mut(width).enumerate() {
        let (a, b) = (
            indptr[first + r] - indptr[0],
            indptr[first + r + 1] - indptr[0],
        );
        for (&j, &v) in indices[a..b].iter().zip(&data[a..b]) {
            let src = &dense[j as usize * width..(j as usize + 1) * width];
            for (o, &x) in row.iter_mut().zip(src) {
                *o += v * x;
            }
        }
    }
}

fn numeric(reason: impl ToString) -> Error {
    Error::Numeric {
        stage: "reduce",
        reason: reason.to_string(),
    }
}

/// An orthonormal basis of the column space of `y`. CholeskyQR2 first
/// (the Cholesky factor of the `f64` Gram matrix, twice: fast and
/// parallel, and orthonormal to working precision while the columns are
/// well conditioned); when the Gram matrix is too close to singular for
/// that, thin Householder QR in `f64`, which holds however nearly
/// dependent the columns are.
fn orthonormalize(y: &Array2<f32>) -> Result<Array2<f32>> {
    let mut q = y.clone();
    for _ in 0..2 {
        match cholesky_step(&q) {
            Some(next) => q = next,
            None => return householder(y),
        }
    }
    Ok(q)
}

/// `y · R⁻¹` with `R` the Cholesky factor of `yᵀy`; `None` when the
/// factor is too close to singular.
fn cholesky_step(y: &Array2<f32>) -> Option<Array2<f32>> {
    let g = gram(y.view());
    let l = g.cholesky().ok()?;
    let diag: Vec<f64> = l.diag().to_vec();
    let (lo, hi) = diag
        .iter()
        .fold((f64::INFINITY, 0f64), |(a, b), &d| (a.min(d), b.max(d)));
    if !(lo > 0.0 && lo > hi * 1e-6) {
        return None;
    }
    let n = l.nrows();
    let inv = l
        .solve_triangular(&Array2::<f64>::eye(n), UPLO::Lower)
        .ok()?;
    let w = inv.t().mapv(|x| x as f32);
    Some(par_dot(y.view(), w.view()))
}

/// Thin Householder QR of `y` in `f64`: its Q.
fn householder(y: &Array2<f32>) -> Result<Array2<f32>> {
    let q = y.mapv(f64::from).qr().map_err(numeric)?.generate_q();
    Ok(q.mapv(|x| x as f32))
}

/// Symmetric eigen-decomposition: eigenvalues descending, eigenvectors as
/// columns in the same order.
pub fn symmetric_eigen(m: &Array2<f64>) -> Result<(Vec<f64>, Array2<f64>)> {
    let (values, vectors) = m.eigh().map_err(numeric)?;
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&i, &j| values[j].total_cmp(&values[i]).then(i.cmp(&j)));
    let sorted = order.iter().map(|&i| values[i]).collect();
    let mut out = Array2::<f64>::zeros(vectors.dim());
    for (dst, &src) in order.iter().enumerate() {
        // An eigenvector's sign is arbitrary: fix it (largest entry
        // positive) so that results do not depend on the solver's path.
        let mut col = vectors.column(src).to_owned();
        let big = col
            .iter()
            .copied()
            .fold(0.0f64, |a, x| if x.abs() > a.abs() { x } else { a });
        if big < 0.0 {
            col.mapv_inplace(|x| -x);
        }
        out.column_mut(dst).assign(&col);
    }
    Ok((sorted, out))
}

/// Fits the basis on `a` (sample posts × features). With `start`
/// (features × columns, e.g. the previous run's basis mapped onto this
/// run's features) the sampling block starts from it instead of random
/// numbers, and fewer power iterations are needed.
pub fn fit_basis(
    a: &SparseMatrix,
    params: &ReduceParams,
    seed: u64,
    start: Option<&Array2<f32>>,
) -> Result<Basis> {
    let (n, v) = (a.rows(), a.cols());
    if n < 2 || v < 2 {
        return Err(numeric(format!(
            "need at least 2 posts and 2 words, have {n} posts and {v} words"
        )));
    }
    let at = a.transpose_view().to_csr();
    let dims = params.dims.min(n - 1).min(v - 1).max(1);
    let width = (dims + OVERSAMPLE).min(n).min(v);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut omega = Array2::from_shape_simple_fn((v, width), || {
        // Uniform on [-1, 1): any zero-mean distribution samples the range.
        (rng.next_u32() as f32 / u32::MAX as f32) * 2.0 - 1.0
    });
    let power_iters = match start.filter(|s| s.nrows() == v) {
        Some(s) => {
            let cols = s.ncols().min(width);
            omega
                .slice_mut(s![.., ..cols])
                .assign(&s.slice(s![.., ..cols]));
            0
        }
        None => params.svd_iters,
    };
    let mut q = orthonormalize(&sparse_dot(a, omega.view()))?;
    for _ in 0..power_iters {
        let z = orthonormalize(&sparse_dot(&at, q.view()))?;
        q = orthonormalize(&sparse_dot(a, z.view()))?;
    }
    // B = Qᵀ A, kept transposed: Bt = Aᵀ Q (features × width). Its right
    // singular vectors are the eigenvectors of Btᵀ Bt.
    let bt = sparse_dot(&at, q.view());
    let (values, w) = symmetric_eigen(&gram(bt.view()))?;
    let dims = dims
        .min(values.iter().filter(|&&x| x > 1e-12).count())
        .max(1);
    let sigma: Vec<f32> = values[..dims]
        .iter()
        .map(|x| x.max(0.0).sqrt() as f32)
        .collect();
    // V = Bt · W[:, :dims] · diag(1/σ).
    let mut w_inv = w.slice(s![.., ..dims]).mapv(|x| x as f32);
    for (mut col, &sv) in w_inv.axis_iter_mut(Axis(1)).zip(&sigma) {
        col /= sv.max(f32::MIN_POSITIVE);
    }
    let components = par_dot(bt.view(), w_inv.view());
    Ok(Basis {
        components,
        singular_values: sigma,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows_of(m: &SparseMatrix) -> Vec<Row> {
        (0..m.rows())
            .map(|i| {
                let r = m.outer_view(i).unwrap();
                (r.indices().to_vec(), r.data().to_vec())
            })
            .collect()
    }

    #[test]
    fn the_eigen_solver_recovers_a_known_spectrum() {
        let m = ndarray::arr2(&[[4.0, 1.0, 0.0], [1.0, 3.0, 0.0], [0.0, 0.0, 1.0]]);
        let (vals, vecs) = symmetric_eigen(&m).unwrap();
        let expected = [(7.0 + 5f64.sqrt()) / 2.0, (7.0 - 5f64.sqrt()) / 2.0, 1.0];
        for (a, b) in vals.iter().zip(expected) {
            assert!((a - b).abs() < 1e-10, "{vals:?}");
        }
        for (i, &l) in vals.iter().enumerate() {
            let col = vecs.column(i);
            let mv = m.dot(&col);
            for k in 0..3 {
                assert!((mv[k] - l * col[k]).abs() < 1e-9);
            }
        }
    }

    /// The Gram-eigenvector orthonormalisation this replaces lost accuracy
    /// on nearly dependent columns; Householder QR (taken when CholeskyQR
    /// cannot be trusted) does not.
    #[test]
    fn nearly_dependent_columns_stay_orthonormal() {
        let n = 500;
        let mut y = Array2::<f32>::zeros((n, 3));
        for i in 0..n {
            let x = (i as f32 * 0.37).sin();
            y[[i, 0]] = x;
            y[[i, 1]] = x + 1e-6 * (i as f32 * 1.3).cos();
            y[[i, 2]] = (i as f32 * 0.11).cos();
        }
        let q = orthonormalize(&y).unwrap();
        let g = q.t().dot(&q);
        for i in 0..3 {
            for j in 0..3 {
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((g[[i, j]] - want).abs() < 1e-3, "{g:?}");
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
            let mut cols: Vec<u32> = (0..3u32).map(|j| base + (i as u32 + j) % 10).collect();
            cols.sort_unstable();
            data.extend(cols.iter().map(|_| 1.0 / 3f32.sqrt()));
            indices.extend(cols);
            indptr.push(indices.len());
        }
        let m = SparseMatrix::new((n, 20), indptr, indices, data);
        let params = ReduceParams {
            dims: 4,
            ..Default::default()
        };
        let basis = fit_basis(&m, &params, 42, None).unwrap();
        let rows = basis.project_rows(&rows_of(&m));
        assert_eq!(rows.ncols(), 4);
        let within = rows.row(0).dot(&rows.row(1));
        let across = rows.row(0).dot(&rows.row(n - 1));
        assert!(within > 0.5, "{within}");
        assert!(across.abs() < 0.2, "{across}");
        for row in rows.rows() {
            assert!((row.dot(&row) - 1.0).abs() < 1e-4);
        }
        assert!(basis.singular_values.windows(2).all(|w| w[0] >= w[1]));
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
        let p = ReduceParams {
            dims: 8,
            ..Default::default()
        };
        let run = |t| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .unwrap()
                .install(|| fit_basis(&m, &p, 7, None).unwrap().components)
        };
        assert_eq!(run(1), run(2));
    }
}
