//! The analysed posts as the events stage reads them: a post's date, time
//! of day, outlet and words, month by month in doc order.
//!
//! The stage counts over the posts many times (the co-occurrences twice,
//! the tallies once per round, the words of the events' posts). Each
//! count reads the assignment results of the whole archive, which on a
//! night re-run come from disk and cost a decoding of every post. So the
//! first read keeps in memory what the counts look at — the posts that can
//! take part in an event at all, those holding a candidate word and dated
//! within the timeline, with only the four fields the counts read — while
//! that stays within [`HELD_BYTES`]. Beyond it, every count reads the
//! results again, as before, and is handed the same posts (a post without
//! a candidate word, or dated outside the timeline, can join no event and
//! is left out either way), in the same order: the events do not depend on
//! which it was.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::timeline::Timeline;
use crate::error::Result;
use crate::results::{Assignment, Results};
use crate::time::Day;

/// Memory the posts kept for the counts may take (about 200 bytes a post
/// of 48 words: a million posts).
pub const HELD_BYTES: usize = 384 << 20;

/// What the counts read of one post.
#[derive(Debug, Clone, Copy)]
pub struct Post<'a> {
    /// Its day.
    pub date: Option<Day>,
    /// Its time of day, minutes after midnight.
    pub minute: Option<u16>,
    /// Its outlet.
    pub outlet: Option<&'a str>,
    /// Its words' keys, ascending.
    pub terms: &'a [u32],
    /// The whole row, when read from the results (not kept in memory):
    /// what the final tally takes its themes and example posts from.
    pub row: Option<&'a Assignment>,
}

/// The posts of the archive for the events' counts.
pub struct Posts<'a> {
    results: &'a Results<'a>,
    held: Option<Held>,
    outlets: u8,
    timeline: Timeline,
    wanted: &'a HashSet<u32>,
}

/// The posts kept in memory, column by column.
#[derive(Default)]
struct Held {
    /// Each month: its earliest day (of all its posts) and its kept posts'
    /// range.
    months: Vec<(Option<Day>, usize, usize)>,
    dates: Vec<Day>,
    minutes: Vec<Option<u16>>,
    outlets: Vec<Option<u32>>,
    names: Vec<String>,
    offsets: Vec<usize>,
    terms: Vec<u32>,
}

impl Held {
    /// The memory held, as allocated.
    fn bytes(&self) -> usize {
        self.dates.capacity() * std::mem::size_of::<Day>()
            + self.minutes.capacity() * std::mem::size_of::<Option<u16>>()
            + self.outlets.capacity() * std::mem::size_of::<Option<u32>>()
            + self.offsets.capacity() * std::mem::size_of::<usize>()
            + self.terms.capacity() * 4
            + self.months.capacity() * std::mem::size_of::<(Option<Day>, usize, usize)>()
            + self.names.iter().map(|n| 2 * n.len() + 64).sum::<usize>()
    }
}

/// Whether a post can join an event at all: dated within the timeline and
/// holding a candidate word.
fn eligible(t: &Timeline, wanted: &HashSet<u32>, date: Option<Day>, terms: &[u32]) -> bool {
    date.is_some_and(|d| t.index(d).is_some()) && terms.iter().any(|k| wanted.contains(k))
}

impl<'a> Posts<'a> {
    /// Reads `results` once: the outlets, and the posts holding one of
    /// the words `wanted` and dated within `t`, kept while they fit in
    /// `budget` bytes.
    pub fn read(
        results: &'a Results<'a>,
        t: &Timeline,
        wanted: &'a HashSet<u32>,
        budget: usize,
    ) -> Result<Self> {
        let mut held = Some(Held::default());
        let mut outlet_ids: HashMap<String, u32> = HashMap::default();
        let mut first_outlet: Option<String> = None;
        let mut outlets = 0u8;
        results.each(|a| {
            for row in &a.rows {
                if let (true, Some(o)) = (outlets < 2, &row.outlet) {
                    match &first_outlet {
                        None => {
                            first_outlet = Some(o.clone());
                            outlets = 1;
                        }
                        Some(f) if f != o => outlets = 2,
                        Some(_) => {}
                    }
                }
            }
            let Some(h) = held.as_mut() else {
                return Ok(());
            };
            let start = h.dates.len();
            let mut over = false;
            for row in &a.rows {
                if !eligible(t, wanted, row.date, &row.terms) {
                    continue;
                }
                let Some(day) = row.date else { continue };
                // The words take most of the memory: they grow only while
                // the grown buffer stays within the budget.
                let need = h.terms.len() + row.terms.len();
                if need > h.terms.capacity() {
                    let grown = need.max(2 * h.terms.capacity()).max(1 << 16);
                    if h.bytes() + (grown - h.terms.capacity()) * 4 > budget {
                        over = true;
                        break;
                    }
                    h.terms.reserve_exact(grown - h.terms.len());
                }
                h.dates.push(day);
                h.minutes.push(row.minute);
                h.outlets.push(row.outlet.as_ref().map(|o| {
                    let next = outlet_ids.len() as u32;
                    *outlet_ids.entry(o.clone()).or_insert_with(|| {
                        h.names.push(o.clone());
                        next
                    })
                }));
                h.terms.extend_from_slice(&row.terms);
                h.offsets.push(h.terms.len());
            }
            let earliest = a.rows.iter().filter_map(|r| r.date).min();
            h.months.push((earliest, start, h.dates.len()));
            if over || h.bytes() > budget {
                held = None;
            }
            Ok(())
        })?;
        Ok(Posts {
            results,
            held,
            outlets,
            timeline: *t,
            wanted,
        })
    }

    /// Outlets among all the analysed posts: 0, 1, or 2 for two or more.
    pub fn outlets(&self) -> u8 {
        self.outlets
    }

    /// Whether the posts are kept in memory.
    pub fn held(&self) -> bool {
        self.held.is_some()
    }

    /// The same posts read from the results, whole rows.
    pub fn stored(&self) -> Posts<'a> {
        Posts {
            results: self.results,
            held: None,
            outlets: self.outlets,
            timeline: self.timeline,
            wanted: self.wanted,
        }
    }

    /// Calls `f` with each month's earliest day (of all its posts) and its
    /// posts that can join an event, in doc order: from memory, or from
    /// the results when they are not kept.
    pub fn each(&self, mut f: impl FnMut(Option<Day>, &[Post]) -> Result<()>) -> Result<()> {
        match &self.held {
            Some(h) => {
                let mut posts = Vec::new();
                for &(earliest, start, end) in &h.months {
                    posts.clear();
                    posts.extend((start..end).map(|i| Post {
                        date: Some(h.dates[i]),
                        minute: h.minutes[i],
                        outlet: h.outlets[i].map(|o| h.names[o as usize].as_str()),
                        terms: &h.terms[if i == 0 { 0 } else { h.offsets[i - 1] }..h.offsets[i]],
                        row: None,
                    }));
                    f(earliest, &posts)?;
                }
                Ok(())
            }
            None => self.results.each(|a| {
                let posts: Vec<Post> = a
                    .rows
                    .iter()
                    .filter(|r| eligible(&self.timeline, self.wanted, r.date, &r.terms))
                    .map(|r| Post {
                        date: r.date,
                        minute: r.minute,
                        outlet: r.outlet.as_deref(),
                        terms: &r.terms,
                        row: Some(r),
                    })
                    .collect();
                f(a.rows.iter().filter_map(|r| r.date).min(), &posts)
            }),
        }
    }
}
