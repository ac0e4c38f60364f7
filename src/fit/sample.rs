//! The fitting sample as `fit`'s steps share it (a leaf of `fit`: it
//! imports no file of the folder, so none imports another in a circle).

use crate::ids::DocId;
use crate::vectorize::Row;

/// The fitting sample as TF-IDF rows, and as lists of features (with
/// repeats, for word counts); posts with no feature are left out.
pub(crate) struct SampleRows {
    pub(super) docs: Vec<DocId>,
    /// Each post's place in the scan's sample.
    pub(super) sampled: Vec<usize>,
    pub(super) rows: Vec<Row>,
    pub(super) features: Vec<Vec<u32>>,
    /// Each post's words as indexes of the word vectors (with repeats;
    /// empty without vectors).
    pub(super) vector_words: Vec<Vec<u32>>,
    /// Each post's number of words (with repeats).
    pub(super) lengths: Vec<usize>,
}
