//! The cache folder: what it holds, where, and what each part is keyed by.
//!
//! A cache folder (by default `OUT/.cache`, published with the reports;
//! `--cache DIR` puts it elsewhere) holds the store (`store/`, what
//! `prepare` made of every post), the copies found in it
//! (`duplicates.bin`, for the stages run by hand; `copies-state.bin`, what
//! the next night's search for copies starts from), the model (`model.bin`)
//! and the assignment results (`assigned/`). Each part says what made it,
//! and is used again only while that holds:
//!
//! - the store, by its **fingerprint** ([`store_fingerprint`]): the tool's
//!   version, the store format, the ingest settings and the segmentation
//!   settings with the contents of the stop-word and dictionary files;
//! - the model, by its **key** ([`key`] of the fit parameters);
//! - each assignment result, by the model's id, its segment, and the
//!   **key** of the assign parameters.
//!
//! The keys are derived from the parameter structs themselves (their
//! serde form), never listed by hand, so a new parameter cannot be
//! forgotten.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::Result;
use crate::ingest::IngestParams;
use crate::segment::SegmentParams;

/// The cache folder inside the output folder, unless `--cache` moves it.
pub const IN_OUT: &str = ".cache";
/// Store format version: part of the fingerprint.
const STORE_FORMAT: u32 = 2;

/// A cache folder and the places of its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheDir(PathBuf);

impl CacheDir {
    /// The cache folder at `dir`.
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        CacheDir(dir.into())
    }

    /// The folder itself.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The store: what `prepare` made of the posts.
    pub fn store(&self) -> PathBuf {
        self.0.join("store")
    }

    /// The assignment results, one file per store segment.
    pub fn assigned(&self) -> PathBuf {
        self.0.join("assigned")
    }

    /// The folder `model.bin` is in (the cache folder itself).
    pub fn model(&self) -> &Path {
        &self.0
    }

    /// The folder `duplicates.bin` is in (the cache folder itself).
    pub fn duplicates(&self) -> &Path {
        &self.0
    }

    /// Where finding copies spills its keys on a large archive.
    pub fn dedup_spill(&self) -> PathBuf {
        self.0.join("tmp-dedup")
    }
}

/// Where a run reads its cache from and writes it to.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The cache of the previous run (`None` without one).
    pub previous: Option<CacheDir>,
    /// Where this run's store, model and results go.
    pub current: CacheDir,
    /// A working folder to remove at the end (a run without cache).
    pub scratch: Option<PathBuf>,
}

impl Layout {
    /// The layout of a run writing the reports of `out` into `staging`
    /// with the cache `cache` (`None`: no cache, a working folder beside
    /// the staging folder instead). A cache inside `out` is published with
    /// the reports: written into the staging folder, read from `out`.
    pub fn new(cache: Option<&Path>, out: &Path, staging: &Path) -> Layout {
        match cache {
            Some(dir) => Layout {
                previous: Some(CacheDir::at(dir)),
                current: CacheDir::at(match dir.strip_prefix(out) {
                    Ok(rel) => staging.join(rel),
                    Err(_) => dir.to_path_buf(),
                }),
                scratch: None,
            },
            None => {
                let scratch = staging.with_file_name(format!(
                    "{}-work",
                    staging.file_name().map_or_else(
                        || "theme-trends".into(),
                        |n| n.to_string_lossy().into_owned()
                    )
                ));
                Layout {
                    previous: None,
                    current: CacheDir::at(&scratch),
                    scratch: Some(scratch),
                }
            }
        }
    }

    /// Whether the cache is written in place (outside the output folder),
    /// where readers of the published run also read it.
    pub fn in_place(&self, staging: &Path) -> bool {
        self.scratch.is_none() && !self.current.path().starts_with(staging)
    }

    /// The same layout without the previous cache (a damaged one).
    pub fn without_previous(&self) -> Layout {
        Layout {
            previous: None,
            ..self.clone()
        }
    }
}

/// Fingerprint of everything that shapes the store's records.
pub fn store_fingerprint(ingest: &IngestParams, segment: &SegmentParams) -> Result<u64> {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(&STORE_FORMAT.to_le_bytes());
    h.update(key(ingest).as_bytes());
    h.update(&segment.shaping_bytes()?);
    Ok(h.digest())
}

/// The key of the settings `settings` shape a kept result with: their
/// serde form, as compact JSON.
pub fn key<T: Serialize>(settings: &T) -> String {
    // Parameter structs serialise to JSON without fail: their fields are
    // plain values, and those written as text implement Display.
    serde_json::to_string(settings).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cache_inside_the_output_folder_is_written_into_the_staging_folder() {
        let out = Path::new("/r/out");
        let staging = Path::new("/r/.out.theme-trends-tmp-7");
        let l = Layout::new(Some(&out.join(".cache")), out, staging);
        assert_eq!(l.previous, Some(CacheDir::at("/r/out/.cache")));
        assert_eq!(l.current, CacheDir::at("/r/.out.theme-trends-tmp-7/.cache"));
        assert!(!l.in_place(staging));
        let l = Layout::new(Some(Path::new("/c")), out, staging);
        assert_eq!(l.current, CacheDir::at("/c"));
        assert!(l.in_place(staging));
        let l = Layout::new(None, out, staging);
        assert_eq!(
            l.scratch.as_deref(),
            Some(Path::new("/r/.out.theme-trends-tmp-7-work"))
        );
        assert_eq!(l.previous, None);
    }
}
