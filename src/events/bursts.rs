//! Rising words: each word's posts per unit (day or week) through
//! Kleinberg's two-state automaton ([`crate::trend::burst`]) against its
//! own long-run share, and the onsets of words that arrive and stay.

use std::collections::BTreeMap;

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

use super::timeline::Timeline;
use crate::aggregate::Daily;
use crate::analysis::EventUnit;
use crate::time::Day;
use crate::trend::burst::{self, BurstParams};

/// A word is bursting when it is this many times as frequent as usual.
const WORD_BURST: BurstParams = BurstParams {
    scale: 3.0,
    gamma: 1.0,
};
/// The core of a burst: units with at least this share of its peak.
const CORE_SHARE: f64 = 0.25;
/// An onset is a word at least this many times as frequent in its first
/// units as in all the units before.
pub const ONSET_LIFT: f64 = 5.0;

/// An onset needs a history in which the word, at a fifth of its onset
/// share, would have come up this many times: seeing it none of them by
/// chance is about one chance in 20 (`e^-3`).
pub const ONSET_EVIDENCE: f64 = 3.0;

/// Units at the start of a long burst that make its onset.
fn onset_units(unit: EventUnit) -> usize {
    match unit {
        EventUnit::Day => 3,
        EventUnit::Week => 4,
    }
}

/// One burst of one word, in unit indexes.
#[derive(Debug, Clone)]
pub struct WordBurst {
    /// The word's key.
    pub key: u32,
    /// First unit.
    pub start: usize,
    /// Last unit (inclusive).
    pub end: usize,
    /// Log-likelihood gained over the base state.
    pub strength: f64,
    /// Posts with the word during the burst.
    pub posts: u64,
    /// The unit of its largest share.
    pub peak: usize,
    /// The units around the peak where the word keeps at least a quarter
    /// of its peak share: where an event of it is looked for.
    pub core: (usize, usize),
    /// How many times its usual share the word has in its core.
    pub lift: f64,
    /// Its share outside the core (its usual rate).
    pub base_share: f64,
    /// The first units of a long burst of a word that was rare before it
    /// (a war breaking out, a new policy).
    pub onset: bool,
}

/// Units a core may skip where the word falls below its floor (or the
/// feed is silent) and still run on: a day without posts, a quiet
/// Sunday. Weeks are long enough to need none.
fn core_gap(unit: EventUnit) -> usize {
    match unit {
        EventUnit::Day => 2,
        EventUnit::Week => 0,
    }
}

/// The core of a burst peaking at `peak` within `within`: the units
/// around the peak where the word keeps at least [`CORE_SHARE`] of its
/// peak share, across gaps of at most [`core_gap`] units.
fn core_of(
    counts: &[u32],
    totals: &[u32],
    peak: usize,
    within: (usize, usize),
    unit: EventUnit,
) -> (usize, usize) {
    let share = |i: usize| counts[i] as f64 / totals[i].max(1) as f64;
    let floor = share(peak) * CORE_SHARE;
    let gap = core_gap(unit);
    let (mut lo, mut hi) = (peak, peak);
    let mut i = peak;
    let mut missed = 0;
    while i > within.0 && missed <= gap {
        i -= 1;
        if share(i) >= floor {
            lo = i;
            missed = 0;
        } else if totals[i] > 0 {
            missed += 1;
        }
    }
    i = peak;
    missed = 0;
    while i < within.1 && missed <= gap {
        i += 1;
        if share(i) >= floor {
            hi = i;
            missed = 0;
        } else if totals[i] > 0 {
            missed += 1;
        }
    }
    (lo, hi)
}

/// How many times its share outside `core` the word has inside it, and
/// that outside share (at least one post in the whole archive's posts):
/// a story's word against its own history, not against the story.
fn lift_of(
    counts: &[u32],
    totals: &[u32],
    core: (usize, usize),
    total: u64,
    all_posts: f64,
) -> (f64, f64) {
    let (c, n) = (core.0..=core.1).fold((0.0, 0.0), |(c, n), i| {
        (c + counts[i] as f64, n + totals[i] as f64)
    });
    let outside = (total as f64 - c, all_posts - n);
    let base = (outside.0 / outside.1.max(1.0)).max(1.0 / all_posts);
    ((c / n.max(1.0)) / base, base)
}

/// Each word's posts per unit, for the words with at least `min_posts`
/// posts in all: (key, [(unit, posts)]) ascending by unit.
fn series(
    daily: &BTreeMap<Day, Daily>,
    t: &Timeline,
    min_posts: u32,
) -> Vec<(u32, Vec<(u32, u32)>)> {
    let mut total: HashMap<u32, u32> = HashMap::default();
    for d in daily.values() {
        for &(k, c) in &d.df {
            *total.entry(k).or_default() += c;
        }
    }
    let mut series: HashMap<u32, Vec<(u32, u32)>> = HashMap::default();
    for (&day, d) in daily {
        let Some(u) = t.index(day) else { continue };
        for &(k, c) in &d.df {
            if total.get(&k).is_some_and(|&n| n >= min_posts) {
                let s = series.entry(k).or_default();
                match s.last_mut() {
                    Some(last) if last.0 == u as u32 => last.1 += c,
                    _ => s.push((u as u32, c)),
                }
            }
        }
    }
    let mut out: Vec<(u32, Vec<(u32, u32)>)> = series.into_iter().collect();
    out.sort_unstable_by_key(|(k, _)| *k);
    out
}

/// The most of the archive's posts a burst's core may hold.
pub const MAX_CORE_SHARE: f64 = 0.5;

/// Every word's bursts (and onsets), strongest first.
pub fn word_bursts(
    daily: &BTreeMap<Day, Daily>,
    t: &Timeline,
    totals: &[u32],
    min_posts: u32,
) -> Vec<WordBurst> {
    let all_posts = totals.iter().map(|&x| x as f64).sum::<f64>().max(1.0);
    let mut bursts: Vec<WordBurst> = series(daily, t, min_posts)
        .par_iter()
        .flat_map_iter(|(k, s)| {
            let mut counts = vec![0u32; t.n];
            let mut total = 0u64;
            for &(i, c) in s {
                counts[i as usize] = c;
                total += c as u64;
            }
            let share = |i: usize| counts[i] as f64 / totals[i].max(1) as f64;
            let mut found: Vec<WordBurst> = burst::detect(&counts, totals, WORD_BURST)
                .into_iter()
                .filter_map(|b| {
                    let posts: u64 = counts[b.start..=b.end].iter().map(|&c| c as u64).sum();
                    if posts < min_posts as u64 {
                        return None;
                    }
                    let peak = (b.start..=b.end)
                        .max_by(|&i, &j| share(i).total_cmp(&share(j)).then(j.cmp(&i)))
                        .unwrap_or(b.start);
                    let core = core_of(&counts, totals, peak, (b.start, b.end), t.unit);
                    // A burst stands against the word's own history: a core
                    // holding most of the archive's posts has too little
                    // history beside it to tell a story from a habit.
                    let inside: f64 = totals[core.0..=core.1].iter().map(|&x| x as f64).sum();
                    // A core longer than an event may run is a trend: the
                    // word's onset, if it has one, stands for it.
                    if inside > MAX_CORE_SHARE * all_posts || core.1 - core.0 >= t.max_event_units()
                    {
                        return None;
                    }
                    let (lift, base) = lift_of(&counts, totals, core, total, all_posts);
                    Some(WordBurst {
                        key: *k,
                        start: b.start,
                        end: b.end,
                        strength: b.strength,
                        posts,
                        peak,
                        core,
                        lift,
                        base_share: base,
                        onset: false,
                    })
                })
                .collect();
            let onset = onset_of(*k, &counts, totals, min_posts, t, &found);
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
    bursts
}

/// The onset of a word that arrives and stays: the first few units
/// holding `min_posts` of its posts, after at least as many posts of
/// archive, where the word had at most 1/[`ONSET_LIFT`] of their share
/// in all the units before (a share of at least [`ONSET_EVIDENCE`] posts
/// of that history: a short history tells nothing of a rare word) and
/// none of the word's bursts covers them; the earliest such units. Such
/// a rise is often no burst at all against the word's own long-run
/// share, which the rise itself makes large.
fn onset_of(
    key: u32,
    counts: &[u32],
    totals: &[u32],
    min_posts: u32,
    t: &Timeline,
    bursts: &[WordBurst],
) -> Option<WordBurst> {
    let n = counts.len();
    let w = onset_units(t.unit);
    let window = |u: usize| u..(u + w).min(n);
    // Running sums: the word's posts and all posts before each unit.
    let mut before = vec![(0.0, 0.0); n + 1];
    for i in 0..n {
        before[i + 1] = (
            before[i].0 + counts[i] as f64,
            before[i].1 + totals[i] as f64,
        );
    }
    let sum = |r: std::ops::Range<usize>| -> (f64, f64) {
        (
            before[r.end].0 - before[r.start].0,
            before[r.end].1 - before[r.start].1,
        )
    };
    // The first window holding `min_posts` of the word's posts makes its
    // onset, or none; only a window too early for its history to tell
    // anything passes the turn to a later one.
    let mut found = None;
    for (start, &first) in counts.iter().enumerate().skip(w) {
        let r = window(start);
        let end = r.end - 1;
        let (c, d) = sum(r);
        if first == 0 || c < f64::from(min_posts) {
            continue;
        }
        if bursts.iter().any(|b| b.core.0 <= end && b.core.1 >= start) {
            // A burst of its own stands for the arrival.
            break;
        }
        let (bc, bd) = sum(0..start);
        // The word's history before the onset must be worth as much as
        // the onset: an archive that begins sparse (a feed being set up)
        // would otherwise have every word arrive on its first full day.
        if d == 0.0 || bd < d {
            continue;
        }
        // And its rarity there must be telling: the word's share before
        // is taken as at least [`ONSET_EVIDENCE`] posts of that history,
        // so that at 1/ONSET_LIFT of its onset share it would have come
        // up that many times. Five posts in three days, a week into an
        // archive, are a word whose first posts came late by chance.
        let base = bc.max(ONSET_EVIDENCE) / bd;
        let lift = (c / d) / base;
        if lift >= ONSET_LIFT {
            found = Some((start, end, c, d, base, lift));
            break;
        }
        if bc >= ONSET_EVIDENCE {
            // A word of the archive all along: no arrival.
            break;
        }
    }
    let (start, end, c, d, base, lift) = found?;
    let share = |i: usize| counts[i] as f64 / totals[i].max(1) as f64;
    // The story runs on while the word keeps a quarter of its onset share;
    // one that never fades within an event's longest stretch is a trend,
    // and its event is the onset alone.
    let floor = c / d * CORE_SHARE;
    let (mut hi, mut i, mut missed) = (end, end, 0);
    while i + 1 < n && missed <= core_gap(t.unit) {
        i += 1;
        if share(i) >= floor {
            hi = i;
            missed = 0;
        } else if totals[i] > 0 {
            missed += 1;
        }
    }
    let posts_in = |a: usize, b: usize| totals[a..=b].iter().map(|&x| x as f64).sum::<f64>();
    let all_posts = posts_in(0, n - 1);
    if hi - start + 1 > t.max_event_units() || posts_in(start, hi) > MAX_CORE_SHARE * all_posts {
        hi = end;
    }
    let (c, _) = sum(start..hi + 1);
    Some(WordBurst {
        key,
        start,
        end: hi,
        // Like a burst's strength: how much better the raised share
        // explains these posts than the share before.
        strength: c * lift.ln(),
        posts: c as u64,
        peak: (start..=hi)
            .max_by(|&i, &j| share(i).total_cmp(&share(j)).then(j.cmp(&i)))
            .unwrap_or(start),
        core: (start, hi),
        lift,
        base_share: base,
        onset: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 160 days of 500 posts. Word 1 turns up on day 4, five times over
    /// three days, then once a day: a word of the archive whose first
    /// posts came late by chance. Word 2 arrives on day 50 and stays at five
    /// a day: a new story that lasts longer than an event may run. Word 3 comes up five times on days
    /// 4–6 by chance, then arrives for good on day 90.
    #[test]
    fn a_word_first_seen_days_into_the_archive_is_no_onset_and_a_new_story_is() {
        let mut daily = BTreeMap::new();
        for i in 0..160 {
            let mut df = Vec::new();
            let one = match i {
                4 | 5 => 2,
                6 => 1,
                i if i > 6 => 1,
                _ => 0,
            };
            let arrival = |first: i32| if i >= first { 5 } else { 0 };
            let three = match i {
                4 | 5 => 2,
                6 => 1,
                _ => arrival(90),
            };
            for (k, n) in [(1, one), (2, arrival(50)), (3, three)] {
                if n > 0 {
                    df.push((k, n));
                }
            }
            daily.insert(Day(1000 + i), Daily { posts: 500, df });
        }
        let t = Timeline::new(EventUnit::Day, Day(1000), Day(1159));
        let totals = t.totals(&daily);
        let bursts = word_bursts(&daily, &t, &totals, 5);
        let onsets = |k: u32| {
            bursts
                .iter()
                .filter(|b| b.key == k && b.onset)
                .map(|b| b.start)
                .collect::<Vec<_>>()
        };
        assert_eq!(onsets(1), Vec::<usize>::new());
        assert_eq!(onsets(2), vec![50]);
        assert_eq!(onsets(3), vec![90]);
    }
}
