//! What the search for copies keeps for the next run, and the night's
//! search that uses it.
//!
//! A nightly re-run adds a day of posts to an archive of millions. The
//! search over the whole store (every key spilled and sorted, every month's
//! texts read for near copies) would cost the same as on the first night.
//! The state kept in the cache folder ([`STATE_FILE`]) holds what that
//! search found: the segments it searched, the latest post among them, the
//! original of every distinct text and the copies.
//!
//! A night may use it only when its answer is the one a whole search would
//! give:
//! - the same settings;
//! - every segment searched before is still there, with the same records
//!   current (no post removed or changed);
//! - every new post sorts after every post searched before (month, then
//!   place in the input): a feed adds the newest posts last, under the
//!   latest file names.
//!
//! Then the copies of the old posts stand, since an original is always
//! earlier than its copies. Each new post is looked up among the
//! originals (exact copies) and searched for near copies against the
//! window of its month and the previous one. Otherwise the whole store is
//! searched again, and the log says why.

use std::path::Path;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::{Deserialize, Serialize};

use super::search::{exact_copies, name_originals, near_copies, Original, SPILL_AT};
use super::{DedupParams, Duplicates};
use crate::error::Result;
use crate::ids::DocId;
use crate::store::{Partition, SegmentRef, Want};

/// The state's file magic.
pub const STATE_MAGIC: &[u8; 8] = b"TTDST\x00\x00\x01";
/// The state's file name in the cache folder.
pub const STATE_FILE: &str = "copies-state.bin";
/// Bytes of one original in the state file: key, segment, record.
const ORIGINAL_BYTES: usize = 24;
/// The version of the search (`search.rs`): a state made by another
/// version is not used. Raise it when the search may find other copies.
const SEARCH_VERSION: u32 = 1;

/// A segment as it was searched: its file and which of its records were
/// current.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Searched {
    file: String,
    records: u32,
    dead: Vec<u32>,
}

impl Searched {
    fn of(seg: &SegmentRef) -> Self {
        Searched {
            file: seg.entry.file.clone(),
            records: seg.entry.records,
            dead: seg.entry.dead.clone(),
        }
    }
}

/// Everything of the state but the originals.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Meta {
    /// The dedup settings' key.
    settings: String,
    /// The segments searched, in store order; an original's `segment` is
    /// its place here.
    segments: Vec<Searched>,
    /// The latest post searched.
    last: Option<(Partition, DocId)>,
    /// The copies found.
    copies: Duplicates,
}

/// The state of a finished search.
struct State {
    meta: Meta,
    originals: Vec<Original>,
}

/// How the copies were found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    /// From the previous run's state and the new posts alone.
    Night {
        /// New posts searched.
        posts: usize,
    },
    /// The whole store searched, and why (`None`: no state to start from).
    All(Option<String>),
}

impl Search {
    /// A line for the log.
    pub fn describe(&self) -> String {
        match self {
            Search::Night { posts } => {
                format!("copies: {posts} new posts searched against the previous run's")
            }
            Search::All(Some(why)) => format!("copies: the whole archive searched ({why})"),
            Search::All(None) => "copies: the whole archive searched".into(),
        }
    }
}

/// Finds the copies, from the state in `previous` when it still holds
/// (see the module), and writes the new state into `save`.
pub fn find(
    segments: &[SegmentRef],
    params: &DedupParams,
    tmp: &Path,
    previous: Option<&Path>,
    save: Option<&Path>,
) -> Result<(Duplicates, Search)> {
    // The settings, and the version of the search that found the copies.
    let settings = format!(
        "{} {SEARCH_VERSION} {}",
        env!("CARGO_PKG_VERSION"),
        crate::cache::key(params)
    );
    let night = match previous.map(|dir| load(&dir.join(STATE_FILE))) {
        None => Err(None),
        Some(Ok(None)) => Err(None),
        Some(Err(reason)) => Err(Some(format!("the previous run's state: {reason}"))),
        Some(Ok(Some(state))) => night(segments, params, &settings, state),
    };
    let (state, how) = match night {
        Ok((state, posts)) => (state, Search::Night { posts }),
        Err(why) => (
            whole(segments, params, &settings, tmp, save.is_some())?,
            Search::All(why),
        ),
    };
    if let Some(dir) = save {
        write(&dir.join(STATE_FILE), &state)?;
    }
    Ok((state.meta.copies, how))
}

/// The whole store searched.
fn whole(
    segments: &[SegmentRef],
    params: &DedupParams,
    settings: &str,
    tmp: &Path,
    keep_originals: bool,
) -> Result<State> {
    let exact = exact_copies(segments, tmp, SPILL_AT, keep_originals)?;
    let mut copies = exact.copies;
    if !params.keep_near_duplicates {
        near_copies(
            segments,
            params.near_duplicate,
            &mut copies,
            &HashSet::default(),
        )?;
    }
    Ok(State {
        meta: Meta {
            settings: settings.to_string(),
            segments: segments.iter().map(Searched::of).collect(),
            last: exact.last,
            copies: Duplicates { copies },
        },
        originals: exact.originals,
    })
}

/// The night's search from `state`, or why it cannot be used.
fn night(
    segments: &[SegmentRef],
    params: &DedupParams,
    settings: &str,
    state: State,
) -> std::result::Result<(State, usize), Option<String>> {
    if state.meta.settings != settings {
        return Err(Some("other copy settings".into()));
    }
    let place: HashMap<&str, usize> = segments
        .iter()
        .enumerate()
        .map(|(i, s)| (s.entry.file.as_str(), i))
        .collect();
    // Each segment searched before: where it is now, with the same records.
    let mut now = Vec::with_capacity(state.meta.segments.len());
    for old in &state.meta.segments {
        match place.get(old.file.as_str()) {
            Some(&i) if Searched::of(&segments[i]) == *old => now.push(i as u32),
            _ => return Err(Some("posts were removed or changed since".into())),
        }
    }
    let settled: HashSet<&str> = state
        .meta
        .segments
        .iter()
        .map(|s| s.file.as_str())
        .collect();
    let fresh: Vec<usize> = (0..segments.len())
        .filter(|&i| !settled.contains(segments[i].entry.file.as_str()))
        .collect();
    let failed = |e: crate::error::Error| Some(format!("reading the store: {e}"));
    // The new posts' keys: (key, month, doc, segment, record).
    let mut new: Vec<(u128, Partition, DocId, u32, u32)> = Vec::new();
    for &s in &fresh {
        let read = segments[s].read(Want::KEYS).map_err(failed)?;
        for (r, k) in read.keys.iter().flatten().enumerate() {
            new.push((
                k.exact,
                segments[s].entry.partition,
                k.doc,
                s as u32,
                r as u32,
            ));
        }
    }
    let first_new = new.iter().map(|e| (e.1, e.2)).min();
    if let (Some(first), Some(last)) = (first_new, state.meta.last) {
        if first <= last {
            return Err(Some(
                "a new post sorts before posts searched before (an older month or an earlier file name)"
                    .into(),
            ));
        }
    }
    let mut originals: Vec<Original> = state
        .originals
        .into_iter()
        .map(|o| Original::new(o.key(), now[o.segment as usize], o.record))
        .collect();
    // Exact copies: a new post whose text is known is a copy of its
    // original; among new posts of one text, the earliest is the original.
    new.sort_unstable();
    let mut pending = Vec::new();
    let mut added = Vec::new();
    for run in new.chunk_by(|a, b| a.0 == b.0) {
        let (first, rest) = match originals.binary_search_by_key(&run[0].0, Original::key) {
            Ok(i) => ((originals[i].segment, originals[i].record), run),
            Err(_) => {
                added.push(Original::new(run[0].0, run[0].3, run[0].4));
                ((run[0].3, run[0].4), &run[1..])
            }
        };
        pending.extend(rest.iter().map(|e| (e.2, first.0, first.1)));
    }
    let mut copies = state.meta.copies.copies;
    name_originals(segments, pending, &mut copies).map_err(failed)?;
    // Near copies: from the month before the first new post's, whose kept
    // posts make the window; the posts searched before are not searched
    // again.
    if let (Some((month, _)), false) = (first_new, params.keep_near_duplicates) {
        let before = segments
            .iter()
            .map(|s| s.entry.partition)
            .filter(|&p| p < month)
            .max()
            .unwrap_or(month);
        let from = segments
            .iter()
            .position(|s| s.entry.partition >= before)
            .unwrap_or(segments.len());
        near_copies(
            &segments[from..],
            params.near_duplicate,
            &mut copies,
            &settled,
        )
        .map_err(failed)?;
    }
    // Two sorted runs (the new originals' keys are sorted, and none is
    // among the old): the stable sort merges them in one pass.
    originals.extend(added);
    originals.sort();
    let posts = new.len();
    Ok((
        State {
            meta: Meta {
                settings: settings.to_string(),
                segments: segments.iter().map(Searched::of).collect(),
                last: state.meta.last.max(new.iter().map(|e| (e.1, e.2)).max()),
                copies: Duplicates { copies },
            },
            originals,
        },
        posts,
    ))
}

/// Writes `state` to `path` (atomically): the meta block, then the
/// originals as fixed-size little-endian records.
fn write(path: &Path, state: &State) -> Result<()> {
    let meta =
        crate::codec::encode(&state.meta).map_err(|e| crate::error::Error::write(path, e))?;
    let mut originals = Vec::with_capacity(state.originals.len() * ORIGINAL_BYTES);
    for o in &state.originals {
        originals.extend_from_slice(&o.key().to_le_bytes());
        originals.extend_from_slice(&o.segment.to_le_bytes());
        originals.extend_from_slice(&o.record.to_le_bytes());
    }
    crate::codec::write_blocks(path, STATE_MAGIC, &[&meta, &originals])
}

/// Reads the state at `path`: `Ok(None)` when there is none, `Err` with
/// the reason when it cannot be used.
fn load(path: &Path) -> std::result::Result<Option<State>, String> {
    if !path.exists() {
        return Ok(None);
    }
    let blocks = crate::codec::read_blocks(path, STATE_MAGIC)?;
    let [meta, originals] = blocks.as_slice() else {
        return Err("not two blocks".into());
    };
    let meta: Meta = crate::codec::decode(meta)?;
    if originals.len() % ORIGINAL_BYTES != 0 {
        return Err("truncated originals".into());
    }
    let n = meta.segments.len() as u32;
    let originals: Vec<Original> = originals
        .chunks_exact(ORIGINAL_BYTES)
        .map(|c| {
            Original::new(
                u128::from_le_bytes(c[..16].try_into().expect("16")),
                u32::from_le_bytes(c[16..20].try_into().expect("4")),
                u32::from_le_bytes(c[20..24].try_into().expect("4")),
            )
        })
        .collect();
    drop(blocks);
    if originals.iter().any(|o| o.segment >= n)
        || originals.windows(2).any(|w| w[0].key() >= w[1].key())
    {
        return Err("originals out of order or out of range".into());
    }
    Ok(Some(State { meta, originals }))
}
