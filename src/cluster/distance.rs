//! The squared Euclidean distance k-means runs on, summed in eight lanes.
//!
//! linfa's `L2Dist` sums `(a − b)²` one element after another into one
//! accumulator (ndarray-stats' generic `Zip` loop); a float sum in a fixed
//! sequence cannot be vectorised, and that distance was the second largest
//! single cost of a run, after the SVD's sparse products (about 15% of the
//! CPU time of an xwlb `--k 20` run, docs/scaling.md).
//! [`LaneL2`] is the same distance summed in eight interleaved partial sums
//! (lane `i` takes the elements `i, i + 8, …`), added in a fixed order at
//! the end: the compiler turns it into SIMD, and the result depends on the
//! two rows alone, never on the thread count. linfa still runs every step
//! of k-means; it is handed this distance as its `dist_fn`, the way linfa
//! lets a caller choose the metric. Every distance to a clustered centre
//! (seeding aside, which uses norms and dot products; named themes and lone
//! posts are placed by cosine) is this one, so a post is assigned to the
//! same centre by linfa's `predict`, by `assign` and by a refine.

use linfa_nn::distance::Distance;
use ndarray::{ArrayView, Dimension};

/// Lanes of the partial sums.
const LANES: usize = 8;

/// The squared Euclidean distance of two equally long slices, in
/// [`LANES`] partial sums. Panics when the lengths differ.
pub fn squared(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "rows of different lengths");
    let mut acc = [0f32; LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..LANES {
            let d = x[l] - y[l];
            acc[l] += d * d;
        }
    }
    for (l, (x, y)) in ra.iter().zip(rb).enumerate() {
        let d = x - y;
        acc[l] += d * d;
    }
    // A fixed pairwise order.
    let s4 = [
        acc[0] + acc[4],
        acc[1] + acc[5],
        acc[2] + acc[6],
        acc[3] + acc[7],
    ];
    (s4[0] + s4[2]) + (s4[1] + s4[3])
}

/// Euclidean distance for linfa's k-means, summed by [`squared`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LaneL2;

impl Distance<f32> for LaneL2 {
    #[inline]
    fn distance<D: Dimension>(&self, a: ArrayView<f32, D>, b: ArrayView<f32, D>) -> f32 {
        self.rdistance(a, b).sqrt()
    }

    #[inline]
    fn rdistance<D: Dimension>(&self, a: ArrayView<f32, D>, b: ArrayView<f32, D>) -> f32 {
        assert_eq!(a.shape(), b.shape(), "points of different shapes");
        match (a.as_slice(), b.as_slice()) {
            (Some(x), Some(y)) => squared(x, y),
            // Views that are not contiguous: the same sum, on copies.
            _ => {
                let x: Vec<f32> = a.iter().copied().collect();
                let y: Vec<f32> = b.iter().copied().collect();
                squared(&x, &y)
            }
        }
    }

    #[inline]
    fn rdist_to_dist(&self, rdist: f32) -> f32 {
        rdist.sqrt()
    }

    #[inline]
    fn dist_to_rdist(&self, dist: f32) -> f32 {
        dist * dist
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{arr1, Array2, ShapeBuilder};

    #[test]
    fn the_lanes_sum_to_the_squared_distance_at_every_length() {
        for n in 0..40 {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
            let plain: f64 = a
                .iter()
                .zip(&b)
                .map(|(x, y)| ((x - y) as f64).powi(2))
                .sum();
            let lanes = squared(&a, &b) as f64;
            assert!(
                (lanes - plain).abs() <= 1e-5 * plain.max(1.0),
                "length {n}: {lanes} against {plain}"
            );
        }
    }

    #[test]
    fn a_strided_view_gets_the_same_distance_as_a_contiguous_one() {
        let rows = Array2::from_shape_fn((2, 19), |(r, c)| (r * 19 + c) as f32 / 7.0);
        let cols = Array2::from_shape_fn((2, 19).f(), |(r, c)| (r * 19 + c) as f32 / 7.0);
        assert!(cols.row(0).as_slice().is_none());
        let d = LaneL2;
        assert_eq!(
            d.rdistance(rows.row(0), rows.row(1)),
            d.rdistance(cols.row(0), cols.row(1))
        );
        assert_eq!(
            d.distance(arr1(&[0.0, 3.0]).view(), arr1(&[4.0, 0.0]).view()),
            5.0
        );
    }

    #[test]
    fn a_column_major_matrix_gets_the_same_distance_as_a_row_major_one() {
        // linfa's convergence test measures whole centre matrices.
        let c = Array2::from_shape_fn((3, 11), |(r, k)| (r * 11 + k) as f32 / 3.0);
        let mut f = Array2::<f32>::zeros((3, 11).f());
        f.assign(&c);
        let g = c.mapv(|x| x * 0.5 + 1.0);
        assert!(f.as_slice().is_none());
        assert_eq!(
            LaneL2.rdistance(c.view(), g.view()).to_bits(),
            LaneL2.rdistance(f.view(), g.view()).to_bits()
        );
    }

    #[test]
    #[should_panic(expected = "different")]
    fn rows_of_different_lengths_are_refused() {
        squared(&[1.0, 2.0], &[1.0]);
    }

    #[test]
    #[should_panic(expected = "different shapes")]
    fn matrices_of_different_shapes_are_refused() {
        let a = Array2::<f32>::zeros((2, 3));
        let b = Array2::<f32>::zeros((3, 2));
        LaneL2.rdistance(a.view(), b.view());
    }
}
