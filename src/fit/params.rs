//! What shapes a model: `fit`'s parameters and constants (a leaf of `fit`:
//! the folder's other files import it, it imports none of them).

use serde::Serialize;

use crate::cluster::named::NamedTheme;
use crate::cluster::ClusterParams;
use crate::embed::EmbedParams;
use crate::label::LabelParams;
use crate::reduce::ReduceParams;
use crate::segment::SegmentParams;
use crate::time::Window;
use crate::vectorize::VectorizeParams;

/// The parameters of `fit`: everything that shapes a model. Their serde
/// form is the model's key ([`FitParams::key`]): another key, another
/// model. Report settings (granularity, facets, charts) are no part of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FitParams {
    /// Seed of every random choice.
    pub seed: u64,
    /// Which posts are analysed (`--since`/`--until`; the moment of the
    /// run is not part of the key).
    pub window: Window,
    /// Word selection and weighting.
    pub vectorize: VectorizeParams,
    /// The LSA.
    pub reduce: ReduceParams,
    /// k-means and the choice of k.
    pub cluster: ClusterParams,
    /// Theme words.
    pub label: LabelParams,
    /// Word vectors and form words.
    pub embed: EmbedParams,
    /// Segmenting the named themes' seed words (part of the store's
    /// fingerprint, which the model also records, not of its key).
    #[serde(skip)]
    pub segment: SegmentParams,
    /// The named themes (`--themes`), read.
    pub named: Vec<NamedTheme>,
}

impl FitParams {
    /// The key of the model these parameters fit.
    pub fn key(&self) -> String {
        crate::cache::key(self)
    }
}

/// Words per theme whose co-occurrence measures coherence.
pub const COHERENCE_TERMS: usize = 10;
/// k-means iterations of a refine, from the previous themes' centres. On
/// the flash feed's nights (`benches/nightly_flash.sh`) 3 iterations keep
/// 95% of the posts' theme ids where 10 keep 90–94%, with the same
/// coherence (0.308 both, mean of four refines).
pub(crate) const WARM_ITERS: u64 = 3;
