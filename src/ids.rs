//! The kinds of index the pipeline passes around, each its own type so that
//! one can never be used for another: a post's place in the input
//! ([`DocId`]), a theme's place in this run's list ([`ThemeIdx`]) and a
//! theme's stable id across runs ([`ThemeId`]).

use serde::{Deserialize, Serialize};

/// A post's 0-based place among the input's posts: post files in sorted
/// path order, or table rows in order, rejected ones included. It is the
/// `doc_id` of the reports.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct DocId(pub u64);

/// A theme's place in this run's list of themes (named themes first, then
/// by id): an index into per-theme arrays. Not stable across runs.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct ThemeIdx(pub u32);

/// A theme's stable id: kept by the theme from one run to the next while it
/// exists, never given to another theme (the `theme_id` of the reports).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct ThemeId(pub u32);

impl ThemeIdx {
    /// As an index into a per-theme array.
    pub fn get(self) -> usize {
        self.0 as usize
    }
}

impl std::fmt::Display for DocId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::fmt::Display for ThemeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}
