//! Segments kept in memory for the stages of the same process.

use rustc_hash::FxHashMap as HashMap;

use super::segment::Segment;

/// Segments kept in memory after they were written, up to a budget of
/// bytes, so that the stages of the same process read a small archive
/// without decoding it again; a large one is read from disk, a segment at
/// a time. A scratch store (`run --no-cache`) keeps in memory what fits and
/// writes only the rest.
#[derive(Debug, Default)]
pub struct Resident {
    left: std::sync::atomic::AtomicI64,
    segments: std::sync::Mutex<HashMap<String, std::sync::Arc<Segment>>>,
    pub(super) memory_only: bool,
}

/// Bytes of segments kept in memory by default.
pub const RESIDENT_BYTES: i64 = 256 << 20;

impl Resident {
    /// Room for `bytes` of segments; `memory_only` for a scratch store.
    pub fn new(bytes: i64, memory_only: bool) -> Self {
        Resident {
            left: std::sync::atomic::AtomicI64::new(bytes),
            segments: Default::default(),
            memory_only,
        }
    }

    /// Takes `bytes` of the budget, if they are left.
    pub(super) fn reserve(&self, bytes: i64) -> bool {
        use std::sync::atomic::Ordering;
        let taken = self.left.fetch_sub(bytes, Ordering::Relaxed) >= bytes;
        if !taken {
            self.left.fetch_add(bytes, Ordering::Relaxed);
        }
        taken
    }

    pub(super) fn keep(&self, file: &str, segment: Segment) {
        if let Ok(mut m) = self.segments.lock() {
            m.insert(file.to_string(), std::sync::Arc::new(segment));
        }
    }

    /// The segment kept for `file`, if any.
    pub fn get(&self, file: &str) -> Option<std::sync::Arc<Segment>> {
        self.segments.lock().ok()?.get(file).cloned()
    }
}
