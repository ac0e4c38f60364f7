//! The `events` stage: what happened, and when.
//!
//! Themes group posts by content over the whole archive; an event is a
//! group of posts *confined in time*. Events are found from words, not
//! from themes, so that two plenary sessions two years apart, or a small
//! sports event inside a broad theme, come out as events of their own:
//!
//! 1. **Rising words.** `assign` counts, per week, the posts and the posts
//!    containing each word ([`crate::aggregate::Weekly`]). Each word's
//!    weekly series goes through Kleinberg's two-state burst automaton
//!    ([`crate::trend::burst`]) against its own long-run rate: a burst is
//!    a run of weeks in which the word is several times as frequent as
//!    usual. Bursts with enough posts are `rising_terms.csv`. A word that
//!    arrives and stays raises its own long-run rate and may not burst;
//!    its first weeks are an *onset* when its share there is well above
//!    its share before.
//! 2. **Grouping.** One pass over the analysed posts counts, for the
//!    strongest bursts shorter than half a year and the onsets, how often
//!    two of their words occur in the same post while both are active.
//!    Seeds are taken in order of lift; a word joins a seed when at least
//!    half of its active posts also hold the seed and their core weeks
//!    overlap by half of the shorter (a word is compared with the seed
//!    only, so a frequent word cannot chain unrelated stories).
//! 3. **Membership.** A post is in an event when it is dated within the
//!    event's weeks and contains at least two of its words (one, for an
//!    event of one word); of several, the event it shares most words
//!    with. A second pass counts each event's posts, dates, themes and
//!    representative titles. Events are the unusual part of the archive:
//!    if they would hold more than `--event-max-share` of the posts, the
//!    weakest are dropped.
//! 4. **Ids.** Events are matched to the previous run's by their words and
//!    weeks, and keep their ids; new ones get ids never used before.
//!
//! Weeks are fixed (ISO, from Monday) whatever `--granularity` says, so the
//! same events are found at any granularity; `peak_period` is given in the
//! report's periods. Memory: the weekly counts (weeks × words of a week),
//! the candidate bursts and their co-occurrences, one month of rows.

use std::collections::BTreeMap;
use std::path::Path;

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};

use crate::aggregate::Weekly;
use crate::analysis::PostRef;
use crate::analysis::{Event, Happenings, RisingTerm};
use crate::error::{Error, Result};
use crate::flags::Checked;
use crate::ids::ThemeIdx;
use crate::results::{Assignment, Results};
use crate::time::{epoch_days, from_epoch_days, week_of, Granularity};
use crate::trend::burst::{self, BurstParams};

/// Parameters of the events stage.
#[derive(Debug, Clone, PartialEq, clap::Args, Serialize, Deserialize)]
#[serde(default)]
pub struct EventParams {
    /// Smallest event, and smallest word burst worth reporting: this many
    /// posts.
    #[arg(long, default_value_t = 5, value_name = "N", help_heading = "Events")]
    pub event_min_posts: u32,

    /// Events are the unusual part of the archive: if they would hold more
    /// than this share of the analysed posts, the weakest are dropped.
    #[arg(
        long,
        default_value_t = 0.5,
        value_name = "FRACTION",
        help_heading = "Events"
    )]
    pub event_max_share: f64,

    /// Find no events and no rising words (events.csv and rising_terms.csv
    /// are written empty).
    #[arg(long, help_heading = "Events")]
    pub no_events: bool,
}

impl Default for EventParams {
    fn default() -> Self {
        crate::flags::defaults()
    }
}

impl EventParams {
    /// Checks the values.
    pub fn check(&self) -> Result<()> {
        if !(2..=100_000).contains(&self.event_min_posts) {
            return Err(Error::param(
                "--event-min-posts",
                "must be between 2 and 100000",
            ));
        }
        if !(self.event_max_share > 0.0 && self.event_max_share <= 1.0) {
            return Err(Error::param(
                "--event-max-share",
                "must be above 0 and at most 1",
            ));
        }
        Ok(())
    }
}

/// A word is bursting when it is this many times as frequent as usual.
const WORD_BURST: BurstParams = BurstParams {
    scale: 3.0,
    gamma: 1.0,
};
/// Bursts considered for events, strongest first.
const CANDIDATES: usize = 4000;
/// Bursting words of one post taken into the co-occurrence counts.
const ACTIVE_PER_POST: usize = 24;
/// A burst joins an event when the event's seed word occurs in this
/// share of its posts…
const JOIN_SHARE: f64 = 0.5;
/// …and their core weeks overlap by this share of the shorter.
const LINK_TIME: f64 = 0.5;
/// A burst seeds an event only when its word is this many times as
/// frequent as usual in its core weeks (a common word that merely rises
/// seeds nothing).
const SEED_LIFT: f64 = 5.0;
/// The core of a burst: weeks with at least this share of its peak.
const CORE_SHARE: f64 = 0.25;
/// An event is matched by at most this many of its words.
const EVENT_TERMS: usize = 12;
/// Words in an event's label.
const LABEL_TERMS: usize = 3;
/// Representative titles per event.
const REPRESENTATIVES: usize = 3;
/// An event is longer than this many weeks only if its words burst
/// longer: a longer burst is a trend, listed among rising words only.
const MAX_EVENT_WEEKS: usize = 26;

/// One burst of one word, in week indexes.
#[derive(Debug, Clone)]
struct WordBurst {
    key: u32,
    start: usize,
    end: usize,
    strength: f64,
    posts: u64,
    peak: usize,
    /// The weeks around the peak where the word keeps at least a quarter
    /// of its peak share: where an event of it is looked for.
    core: (usize, usize),
    /// How many times its usual share the word has in its core weeks.
    lift: f64,
    /// The first weeks of a long burst of a word that was rare before it
    /// (a war breaking out, a new policy): an event of its own, while the
    /// whole burst is a trend.
    onset: bool,
}

/// Weeks at the start of a long burst that make its onset.
const ONSET_WEEKS: usize = 4;

/// The onset of a word that arrives and stays (a war breaking out, a new
/// policy): the first [`ONSET_WEEKS`] weeks holding `min_posts` of its
/// posts, after at least as many weeks of archive, if the word had at most
/// 1/[`SEED_LIFT`] of their share in all the weeks before. Such a rise is
/// often no burst at all against the word's own long-run share, which the
/// rise itself makes large. `None` as well when one of the word's bursts
/// already covers those weeks with an event-length burst (that burst is
/// its event).
fn onset_of(
    key: u32,
    counts: &[u32],
    totals: &[u32],
    min_posts: u32,
    bursts: &[WordBurst],
) -> Option<WordBurst> {
    let n = counts.len();
    let window = |w: usize| w..(w + ONSET_WEEKS).min(n);
    let sum = |r: std::ops::Range<usize>| -> (f64, f64) {
        r.fold((0.0, 0.0), |(c, t), i| {
            (c + counts[i] as f64, t + totals[i] as f64)
        })
    };
    let start = (ONSET_WEEKS..n)
        .find(|&w| counts[w] > 0 && window(w).map(|i| counts[i]).sum::<u32>() >= min_posts)?;
    let end = window(start).end - 1;
    if bursts
        .iter()
        .any(|b| b.end - b.start < MAX_EVENT_WEEKS && b.core.0 <= end && b.core.1 >= start)
    {
        return None;
    }
    let (c, t) = sum(start..end + 1);
    let (bc, bt) = sum(0..start);
    if t == 0.0 || bt == 0.0 {
        return None;
    }
    let lift = (c / t) / (bc / bt).max(1.0 / bt);
    let share = |i: usize| counts[i] as f64 / totals[i].max(1) as f64;
    (lift >= SEED_LIFT).then(|| WordBurst {
        key,
        start,
        end,
        // Like a burst's strength: how much better the raised share
        // explains these posts than the share before.
        strength: c * lift.ln(),
        posts: c as u64,
        peak: (start..=end)
            .max_by(|&i, &j| share(i).total_cmp(&share(j)).then(j.cmp(&i)))
            .unwrap_or(start),
        core: (start, end),
        lift,
        onset: true,
    })
}

/// The weeks of the archive: `first` (a Monday) and how many.
#[derive(Debug, Clone, Copy)]
struct Weeks {
    first: i32,
    n: usize,
}

impl Weeks {
    fn index(&self, day: i32) -> Option<usize> {
        let i = (week_of(day) - self.first) / 7;
        (i >= 0 && (i as usize) < self.n).then_some(i as usize)
    }
    fn monday(&self, i: usize) -> i32 {
        self.first + 7 * i as i32
    }
}

/// Every word's bursts, strongest first.
fn word_bursts(
    weekly: &BTreeMap<i32, Weekly>,
    names: &HashMap<u32, String>,
    min_posts: u32,
) -> (Weeks, Vec<WordBurst>) {
    let (Some(&first), Some(&last)) = (weekly.keys().next(), weekly.keys().next_back()) else {
        return (Weeks { first: 0, n: 0 }, Vec::new());
    };
    let weeks = Weeks {
        first,
        n: ((last - first) / 7 + 1) as usize,
    };
    let mut totals = vec![0u32; weeks.n];
    let mut series: HashMap<u32, Vec<(u32, u32)>> = HashMap::default();
    for (&monday, w) in weekly {
        let i = weeks.index(monday).expect("a week of the archive");
        totals[i] = w.posts;
        for (&k, &c) in &w.df {
            if names.contains_key(&k) {
                series.entry(k).or_default().push((i as u32, c));
            }
        }
    }
    let all_posts = totals.iter().map(|&t| t as f64).sum::<f64>().max(1.0);
    let mut keys: Vec<u32> = series
        .iter()
        .filter(|(_, s)| s.iter().map(|&(_, c)| c).sum::<u32>() >= min_posts)
        .map(|(&k, _)| k)
        .collect();
    keys.sort_unstable();
    let mut bursts: Vec<WordBurst> = keys
        .par_iter()
        .flat_map_iter(|&k| {
            let mut counts = vec![0u32; weeks.n];
            let mut total = 0u64;
            for &(i, c) in &series[&k] {
                counts[i as usize] = c;
                total += c as u64;
            }
            let mut found: Vec<WordBurst> = burst::detect(&counts, &totals, WORD_BURST)
                .into_iter()
                .filter_map(|b| {
                    let posts: u64 = counts[b.start..=b.end].iter().map(|&c| c as u64).sum();
                    let peak = (b.start..=b.end)
                        .max_by(|&i, &j| {
                            let share = |i: usize| counts[i] as f64 / totals[i].max(1) as f64;
                            share(i).total_cmp(&share(j)).then(j.cmp(&i))
                        })
                        .unwrap_or(b.start);
                    let share = |i: usize| counts[i] as f64 / totals[i].max(1) as f64;
                    let floor = share(peak) * CORE_SHARE;
                    let (mut lo, mut hi) = (peak, peak);
                    while lo > b.start && share(lo - 1) >= floor {
                        lo -= 1;
                    }
                    while hi < b.end && share(hi + 1) >= floor {
                        hi += 1;
                    }
                    let inside: (f64, f64) = (lo..=hi).fold((0.0, 0.0), |(c, t), i| {
                        (c + counts[i] as f64, t + totals[i] as f64)
                    });
                    let lift = (inside.0 / inside.1.max(1.0)) / (total as f64 / all_posts);
                    if posts < min_posts as u64 {
                        return None;
                    }
                    Some(WordBurst {
                        key: k,
                        start: b.start,
                        end: b.end,
                        strength: b.strength,
                        posts,
                        peak,
                        core: (lo, hi),
                        lift,
                        onset: false,
                    })
                })
                .collect::<Vec<_>>();
            let onset = onset_of(k, &counts, &totals, min_posts, &found);
            found.extend(onset);
            found
        })
        .collect();
    bursts.sort_by(|a, b| {
        b.strength
            .total_cmp(&a.strength)
            .then(a.key.cmp(&b.key))
            .then(a.start.cmp(&b.start))
    });
    (weeks, bursts)
}

/// For each word key, the candidate bursts of it: (candidate, start, end).
type BurstIndex = HashMap<u32, Vec<(u32, usize, usize)>>;

fn index_of(candidates: &[WordBurst]) -> BurstIndex {
    let mut index: BurstIndex = HashMap::default();
    for (c, b) in candidates.iter().enumerate() {
        index
            .entry(b.key)
            .or_default()
            .push((c as u32, b.core.0, b.core.1));
    }
    index
}

/// The candidates bursting in `week` among `terms`, strongest first.
fn active(index: &BurstIndex, terms: &[u32], week: usize, out: &mut Vec<u32>) {
    out.clear();
    for t in terms {
        if let Some(list) = index.get(t) {
            for &(c, s, e) in list {
                if s <= week && week <= e {
                    out.push(c);
                }
            }
        }
    }
    out.sort_unstable();
    out.truncate(ACTIVE_PER_POST);
}

/// How much two week ranges overlap, as a share of the shorter.
fn time_overlap(a: (usize, usize), b: (usize, usize)) -> f64 {
    let shared = (a.1.min(b.1) + 1).saturating_sub(a.0.max(b.0));
    let shorter = (a.1 - a.0 + 1).min(b.1 - b.0 + 1);
    shared as f64 / shorter as f64
}

/// Groups of candidates that are one event. Candidates are taken most
/// distinctive first (largest lift): one joins the event of the earlier
/// seed whose word occurs in most of its posts (at least
/// [`JOIN_SHARE`] of them, in weeks that overlap), or else, if it is
/// distinctive enough ([`SEED_LIFT`]), seeds an event of its own. A word
/// joins a seed directly, never through another member, so a common word
/// cannot chain two events together.
fn group(
    candidates: &[WordBurst],
    count: &[u32],
    together: &HashMap<(u32, u32), u32>,
    min_posts: u32,
) -> Vec<Vec<u32>> {
    let mut order: Vec<u32> = (0..candidates.len() as u32).collect();
    order.sort_by(|&a, &b| {
        candidates[b as usize]
            .lift
            .total_cmp(&candidates[a as usize].lift)
            .then(a.cmp(&b))
    });
    let both = |a: u32, b: u32| {
        let key = if a < b { (a, b) } else { (b, a) };
        together.get(&key).copied().unwrap_or(0)
    };
    let mut groups: Vec<Vec<u32>> = Vec::new();
    for c in order {
        let b = &candidates[c as usize];
        let n = count[c as usize];
        if n == 0 {
            continue;
        }
        let best = groups
            .iter()
            .enumerate()
            .filter(|(_, g)| time_overlap(b.core, candidates[g[0] as usize].core) >= LINK_TIME)
            .map(|(i, g)| (i, both(c, g[0]) as f64 / n as f64))
            .filter(|&(_, share)| share >= JOIN_SHARE)
            .max_by(|x, y| x.1.total_cmp(&y.1).then(y.0.cmp(&x.0)));
        match best {
            Some((i, _)) => groups[i].push(c),
            None if b.lift >= SEED_LIFT && n >= min_posts => groups.push(vec![c]),
            None => {}
        }
    }
    groups
}

/// An event as the membership rule knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Rule {
    /// Its word keys, ascending, and each one's weight (burst strength).
    terms: Vec<(u32, f64)>,
    /// Its words, most posts first (for labels and ids).
    words: Vec<String>,
    /// First and last week index.
    first: usize,
    last: usize,
    strength: f64,
}

impl Rule {
    fn needed(&self) -> usize {
        self.terms.len().min(2)
    }
}

/// Which event a post belongs to: the rule `assignments.csv` and the
/// event pages apply, and what `events.csv` counts.
#[derive(Debug, Clone, Default)]
pub struct Membership {
    weeks: Option<Weeks>,
    rules: Vec<Rule>,
    ids: Vec<u32>,
    by_term: HashMap<u32, Vec<u32>>,
}

impl Membership {
    fn new(weeks: Weeks, rules: Vec<Rule>, ids: Vec<u32>) -> Self {
        let mut by_term: HashMap<u32, Vec<u32>> = HashMap::default();
        for (e, r) in rules.iter().enumerate() {
            for &(k, _) in &r.terms {
                by_term.entry(k).or_default().push(e as u32);
            }
        }
        Membership {
            weeks: Some(weeks),
            rules,
            ids,
            by_term,
        }
    }

    /// The index of the event of a post dated `date` with `terms`, and how
    /// many of its words the post has.
    fn event_of(&self, date: Option<i32>, terms: &[u32]) -> Option<(usize, usize)> {
        let week = self.weeks?.index(date?)?;
        let mut best: Option<(usize, usize, f64)> = None;
        let mut tally: Vec<(u32, usize, f64)> = Vec::new();
        for t in terms {
            for &e in self.by_term.get(t).into_iter().flatten() {
                let r = &self.rules[e as usize];
                if week < r.first || week > r.last {
                    continue;
                }
                let w = r
                    .terms
                    .binary_search_by_key(t, |&(k, _)| k)
                    .map_or(0.0, |i| r.terms[i].1);
                match tally.iter_mut().find(|x| x.0 == e) {
                    Some(x) => {
                        x.1 += 1;
                        x.2 += w;
                    }
                    None => tally.push((e, 1, w)),
                }
            }
        }
        for (e, n, w) in tally {
            if n < self.rules[e as usize].needed() {
                continue;
            }
            let better = match best {
                None => true,
                Some((be, bn, bw)) => {
                    n > bn || (n == bn && (w > bw || (w == bw && (e as usize) < be)))
                }
            };
            if better {
                best = Some((e as usize, n, w));
            }
        }
        best.map(|(e, n, _)| (e, n))
    }

    /// The id of the event `row` belongs to, if any.
    pub fn event_id(&self, row: &Assignment) -> Option<u32> {
        self.event_of(row.date.map(|d| d.0), &row.terms)
            .map(|(e, _)| self.ids[e])
    }
}

/// An event as remembered between runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    /// Its id.
    pub id: u32,
    /// Its words.
    pub terms: Vec<String>,
    /// Monday of its first and of its last week (days since 1970-01-01).
    pub first: i32,
    /// See `first`.
    pub last: i32,
}

/// What one run leaves for the next one's event ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventState {
    /// Format version.
    pub version: u32,
    /// The next id never given out.
    pub next_id: u32,
    /// The events of that run.
    pub events: Vec<EventRecord>,
}

/// File name of the event state, in the output folder.
pub const STATE_FILE: &str = ".event-state.json";
const STATE_VERSION: u32 = 1;
/// Share of words two events must have in common to be the same.
const SAME_EVENT: f64 = 0.25;

impl crate::fsx::Versioned for EventState {
    const VERSION: u32 = STATE_VERSION;
    const WHAT: &'static str = "event state";
}

impl EventState {
    /// Reads the state in `dir`; `Ok(None)` when there is none,
    /// [`Error::Damaged`] when it cannot be used.
    pub fn load(dir: &Path) -> Result<Option<EventState>> {
        crate::fsx::load_state(&dir.join(STATE_FILE))
    }

    /// Writes the state into `dir`, whole or not at all.
    pub fn save(&self, dir: &Path) -> Result<()> {
        crate::fsx::save_state(&dir.join(STATE_FILE), self)
    }
}

/// Ids for `events` (words; first and last Monday): a previous event whose
/// weeks overlap (give or take a week) and which shares enough words keeps
/// its id, best pairs first, one to one; the others get new ids. Returns
/// the ids, whether each is new, and the next id never given out.
fn assign_ids(
    events: &[(Vec<String>, i32, i32)],
    previous: Option<&EventState>,
) -> (Vec<u32>, Vec<bool>, u32) {
    let mut next = previous.map_or(1, |p| p.next_id.max(1));
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    if let Some(p) = previous {
        for (i, (words, first, last)) in events.iter().enumerate() {
            for (j, old) in p.events.iter().enumerate() {
                if old.first > last + 7 || *first > old.last + 7 {
                    continue;
                }
                let shared = words.iter().filter(|w| old.terms.contains(w)).count();
                let union = words.len() + old.terms.len() - shared;
                let jaccard = shared as f64 / union.max(1) as f64;
                if jaccard >= SAME_EVENT {
                    pairs.push((jaccard, i, j));
                }
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut ids: Vec<Option<u32>> = vec![None; events.len()];
    let mut taken = vec![false; previous.map_or(0, |p| p.events.len())];
    for (_, i, j) in pairs {
        if ids[i].is_none() && !taken[j] {
            ids[i] = Some(previous.expect("pairs need a previous state").events[j].id);
            taken[j] = true;
        }
    }
    let new: Vec<bool> = ids.iter().map(|i| i.is_none()).collect();
    let ids = ids
        .into_iter()
        .map(|i| {
            i.unwrap_or_else(|| {
                next += 1;
                next - 1
            })
        })
        .collect();
    (ids, new, next)
}

/// What the events stage reads.
pub struct EventInput<'a> {
    /// Weekly word counts (from `assign`).
    pub weekly: &'a BTreeMap<i32, Weekly>,
    /// The words behind the keys.
    pub names: &'a HashMap<u32, String>,
    /// The analysed posts.
    pub results: &'a Results<'a>,
    /// Posts analysed.
    pub assigned: u64,
    /// Dates of the first and the last analysed post.
    pub span: (i32, i32),
    /// Number of themes.
    pub themes: usize,
    /// The report's periods.
    pub granularity: Granularity,
    /// The previous run's events.
    pub previous: Option<&'a EventState>,
    /// Parameters.
    pub params: &'a Checked<EventParams>,
}

/// What the events stage found.
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// Events and rising words, for the reports.
    pub happenings: Happenings,
    /// Which post is in which event.
    pub membership: Membership,
    /// What the next run's ids come from.
    pub state: Option<EventState>,
}

/// Per-event counts of the membership pass.
#[derive(Debug, Clone, Default)]
struct Tally {
    posts: u64,
    first: i32,
    last: i32,
    periods: BTreeMap<i32, u64>,
    themes: BTreeMap<usize, u64>,
    /// (words shared, score, doc) → title, path: the best few.
    best: Vec<(usize, f32, u64, String, String)>,
}

fn tally(results: &Results, m: &Membership, granularity: Granularity) -> Result<Vec<Tally>> {
    let mut out: Vec<Tally> = vec![
        Tally {
            first: i32::MAX,
            last: i32::MIN,
            ..Default::default()
        };
        m.rules.len()
    ];
    results.each(|a| {
        for row in &a.rows {
            let Some((e, shared)) = m.event_of(row.date.map(|d| d.0), &row.terms) else {
                continue;
            };
            let Some(d) = row.date.map(|d| d.0) else {
                continue;
            };
            let t = &mut out[e];
            t.posts += 1;
            t.first = t.first.min(d);
            t.last = t.last.max(d);
            let period = epoch_days(granularity.period_start(from_epoch_days(d)));
            *t.periods.entry(period).or_default() += 1;
            *t.themes.entry(row.theme.get()).or_default() += 1;
            if !row.title.is_empty() && !t.best.iter().any(|b| b.3 == row.title) {
                t.best.push((
                    shared,
                    row.score,
                    row.doc.0,
                    row.title.clone(),
                    row.path.clone(),
                ));
                t.best
                    .sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2)));
                t.best.truncate(REPRESENTATIVES);
            }
        }
        Ok(())
    })?;
    Ok(out)
}

/// Finds the rising words and the events.
pub fn detect(input: &EventInput) -> Result<Found> {
    let params = input.params;
    if params.no_events {
        return Ok(Found::default());
    }
    let (weeks, bursts) = word_bursts(input.weekly, input.names, params.event_min_posts);
    if weeks.n < 2 {
        return Ok(Found::default());
    }
    let day = |i: usize| from_epoch_days(weeks.monday(i));
    let (lo, hi) = input.span;
    let period_of = |i: usize| input.granularity.period_start(day(i));
    let mut rising: Vec<RisingTerm> = bursts
        .iter()
        .filter(|b| !b.onset)
        .map(|b| RisingTerm {
            term: input.names[&b.key].clone(),
            start: from_epoch_days(weeks.monday(b.start).max(lo)),
            end: from_epoch_days((weeks.monday(b.end) + 6).min(hi)),
            peak_period: period_of(b.peak),
            strength: b.strength,
            posts: b.posts,
            ongoing: b.end + 1 == weeks.n,
        })
        .collect();
    rising.sort_by(|a, b| {
        b.start
            .cmp(&a.start)
            .then(b.strength.total_cmp(&a.strength))
            .then(a.term.cmp(&b.term))
    });

    // Co-occurrence of the strongest bursts.
    let candidates: Vec<WordBurst> = bursts
        .into_iter()
        .filter(|b| b.onset || b.end - b.start < MAX_EVENT_WEEKS)
        .take(CANDIDATES)
        .collect();
    let index = index_of(&candidates);
    let mut count = vec![0u32; candidates.len()];
    let mut together: HashMap<(u32, u32), u32> = HashMap::default();
    let mut on: Vec<u32> = Vec::new();
    input.results.each(|a| {
        for row in &a.rows {
            let Some(week) = row.date.and_then(|d| weeks.index(d.0)) else {
                continue;
            };
            active(&index, &row.terms, week, &mut on);
            for (i, &x) in on.iter().enumerate() {
                count[x as usize] += 1;
                for &y in &on[i + 1..] {
                    *together.entry((x, y)).or_default() += 1;
                }
            }
        }
        Ok(())
    })?;

    // Events: groups of bursts, their words ordered by posts.
    let mut rules: Vec<Rule> = group(&candidates, &count, &together, params.event_min_posts)
        .into_iter()
        .filter_map(|g| {
            let posts = g.iter().map(|&c| count[c as usize]).max().unwrap_or(0);
            if posts < params.event_min_posts {
                return None;
            }
            // The seed first, then the others by posts.
            let mut members = g[1..].to_vec();
            members.sort_by(|&a, &b| count[b as usize].cmp(&count[a as usize]).then(a.cmp(&b)));
            members.insert(0, g[0]);
            let mut words: Vec<String> = Vec::new();
            let mut terms: Vec<(u32, f64)> = Vec::new();
            for &c in &members {
                let b = &candidates[c as usize];
                if terms.iter().any(|t| t.0 == b.key) {
                    continue;
                }
                terms.push((b.key, b.strength));
                words.push(input.names[&b.key].clone());
                if terms.len() == EVENT_TERMS {
                    break;
                }
            }
            terms.sort_by_key(|t| t.0);
            Some(Rule {
                terms,
                words,
                first: g.iter().map(|&c| candidates[c as usize].core.0).min()?,
                last: g.iter().map(|&c| candidates[c as usize].core.1).max()?,
                strength: g.iter().map(|&c| candidates[c as usize].strength).sum(),
            })
        })
        .collect();
    // Earliest first, then strongest: the order of events.csv.
    rules.sort_by(|a, b| {
        a.first
            .cmp(&b.first)
            .then(b.strength.total_cmp(&a.strength))
            .then(a.words.cmp(&b.words))
    });

    // Membership; events too small once counted, and the weakest while
    // events hold too many posts, are dropped and the posts counted again.
    let cap = (params.event_max_share * input.assigned as f64).floor() as u64;
    let mut tallies;
    loop {
        let m = Membership::new(weeks, rules.clone(), (0..rules.len() as u32).collect());
        tallies = tally(input.results, &m, input.granularity)?;
        let mut keep: Vec<bool> = tallies
            .iter()
            .map(|t| t.posts >= params.event_min_posts as u64)
            .collect();
        let mut total: u64 = tallies
            .iter()
            .zip(&keep)
            .filter(|(_, &k)| k)
            .map(|(t, _)| t.posts)
            .sum();
        if total > cap {
            let mut weakest: Vec<usize> = (0..rules.len()).filter(|&e| keep[e]).collect();
            weakest.sort_by(|&a, &b| {
                rules[a]
                    .strength
                    .total_cmp(&rules[b].strength)
                    .then(b.cmp(&a))
            });
            for e in weakest {
                if total <= cap {
                    break;
                }
                keep[e] = false;
                total -= tallies[e].posts;
            }
        }
        if keep.iter().all(|&k| k) {
            break;
        }
        let mut i = 0;
        rules.retain(|_| {
            i += 1;
            keep[i - 1]
        });
    }

    // Ids, then the events as the reports show them.
    let keyed: Vec<(Vec<String>, i32, i32)> = rules
        .iter()
        .map(|r| (r.words.clone(), weeks.monday(r.first), weeks.monday(r.last)))
        .collect();
    let (ids, new, next_id) = assign_ids(&keyed, input.previous);
    let events: Vec<Event> = rules
        .iter()
        .zip(&tallies)
        .enumerate()
        .map(|(e, (r, t))| {
            let theme = t
                .themes
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .filter(|(_, &n)| 2 * n >= t.posts)
                .map(|(&th, _)| th)
                .filter(|&th| th < input.themes)
                .map(|th| ThemeIdx(th as u32));
            let peak = t
                .periods
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map_or(t.first, |(&p, _)| p);
            Event {
                id: ids[e],
                theme,
                label: r
                    .words
                    .iter()
                    .take(LABEL_TERMS)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("·"),
                terms: r.words.clone(),
                start: from_epoch_days(t.first),
                end: from_epoch_days(t.last),
                peak_period: from_epoch_days(peak),
                posts: t.posts,
                strength: r.strength,
                representatives: t
                    .best
                    .iter()
                    .map(|b| PostRef {
                        title: b.3.clone(),
                        path: b.4.clone(),
                    })
                    .collect(),
                ongoing: r.last + 1 == weeks.n,
                new: new[e],
            }
        })
        .collect();
    let posts_in_events = events.iter().map(|e| e.posts).sum();
    let state = EventState {
        version: STATE_VERSION,
        next_id,
        events: keyed
            .into_iter()
            .zip(&ids)
            .map(|((terms, first, last), &id)| EventRecord {
                id,
                terms,
                first,
                last,
            })
            .collect(),
    };
    Ok(Found {
        membership: Membership::new(weeks, rules, ids),
        happenings: Happenings {
            events,
            rising,
            posts_in_events,
        },
        state: Some(state),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_keeps_its_id_when_its_words_and_weeks_carry_on() {
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let first = vec![
            (words(&["亚运会", "杭州", "金牌"]), 100, 114),
            (words(&["全会", "审议", "决定"]), 200, 200),
        ];
        let (ids, new, next) = assign_ids(&first, None);
        assert_eq!(ids, vec![1, 2]);
        assert_eq!(new, vec![true, true]);
        let state = EventState {
            version: STATE_VERSION,
            next_id: next,
            events: first
                .iter()
                .zip(&ids)
                .map(|((t, a, b), &id)| EventRecord {
                    id,
                    terms: t.clone(),
                    first: *a,
                    last: *b,
                })
                .collect(),
        };
        // The games run a week longer; a plenary two years later shares
        // its words but not its weeks: a new event.
        let second = vec![
            (words(&["亚运会", "杭州", "运动员"]), 100, 121),
            (words(&["全会", "审议", "决定"]), 200 + 728, 200 + 728),
        ];
        let (ids, new, next) = assign_ids(&second, Some(&state));
        assert_eq!(ids, vec![1, 3]);
        assert_eq!(new, vec![false, true]);
        assert_eq!(next, 4);
    }
}
