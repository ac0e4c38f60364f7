//! One pass over the analysed posts that counts each event's posts: per
//! day, per outlet and theme, their times of day, and the titles that
//! represent it best. A post counts for its event and for the longer
//! story that event is a part of.

use std::collections::BTreeMap;

use super::membership::{Membership, Verdict};
use super::posts::Posts;
use crate::error::Result;
use crate::ids::ThemeIdx;
use crate::time::Day;

/// Representative titles per event.
pub const REPRESENTATIVES: usize = 3;

/// A title that may represent an event: the posts sharing most of its
/// words, then the most focused (fewest words of their own), then the
/// closest to their theme.
#[derive(Debug, Clone)]
pub struct Candidate {
    shared: usize,
    words: usize,
    score: f32,
    doc: u64,
    /// The post's title.
    pub title: String,
    /// Its file.
    pub path: String,
}

impl Candidate {
    fn better(&self, other: &Candidate) -> std::cmp::Ordering {
        other
            .shared
            .cmp(&self.shared)
            .then(self.words.cmp(&other.words))
            .then(other.score.total_cmp(&self.score))
            .then(self.doc.cmp(&other.doc))
    }
}

/// One event's counts.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Its posts (its parts' included).
    pub posts: u64,
    /// Its posts per day.
    pub days: BTreeMap<Day, u64>,
    /// The earliest and the latest time of day of its posts, per day.
    pub times: BTreeMap<Day, (u16, u16)>,
    /// Its posts per outlet.
    pub outlets: BTreeMap<String, u64>,
    /// Its posts per theme.
    pub themes: BTreeMap<ThemeIdx, u64>,
    /// Its best titles, best first.
    pub best: Vec<Candidate>,
}

/// All events' counts, and what the pass saw of the archive.
#[derive(Debug, Clone, Default)]
pub struct Tallies {
    /// Per rule of the membership.
    pub events: Vec<Tally>,
    /// Posts recognised as roundups.
    pub roundups: u64,
    /// Distinct outlets of the archive's dated posts (counted up to 2).
    pub outlets: usize,
}

/// How a post that meets the rules of several events is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// As the reports count it: in the one event it shares most words
    /// with, or in none when it is a roundup.
    Rivals,
    /// In every event whose rule it meets, as if each were the only one
    /// (no roundups): the most any event can hold. Only its posts, days,
    /// times and outlets are counted.
    Alone,
}

/// Counts the events of `m` over the analysed posts. Their themes and
/// best titles are counted only from posts read as whole rows
/// ([`Posts::stored`]).
pub fn tally(posts: &Posts, m: &Membership, count: Count) -> Result<Tallies> {
    let mut out = Tallies {
        events: vec![Tally::default(); m.rules().len()],
        outlets: usize::from(posts.outlets()),
        ..Default::default()
    };
    posts.each(|_, rows| {
        for post in rows {
            let Some(day) = post.date else { continue };
            // The events the post counts for, each with the words it
            // shares: its event and the longer story that is a part of.
            let mut chain: Vec<(usize, usize)> = Vec::new();
            let mut add = |e: usize, shared: usize| {
                for x in [Some(e), m.rules()[e].parent].into_iter().flatten() {
                    if !chain.iter().any(|c| c.0 == x) {
                        chain.push((x, shared));
                    }
                }
            };
            match count {
                Count::Rivals => match m.verdict(post.date, post.terms) {
                    Verdict::In(e, shared) => add(e, shared),
                    Verdict::Roundup => {
                        out.roundups += 1;
                        continue;
                    }
                    Verdict::Outside => continue,
                },
                Count::Alone => {
                    for (e, shared) in m.alone(post.date, post.terms) {
                        add(e, shared);
                    }
                }
            }
            for (x, shared) in chain {
                let t = &mut out.events[x];
                t.posts += 1;
                *t.days.entry(day).or_default() += 1;
                if let Some(min) = post.minute {
                    let span = t.times.entry(day).or_insert((min, min));
                    span.0 = span.0.min(min);
                    span.1 = span.1.max(min);
                }
                if let Some(o) = post.outlet {
                    match t.outlets.get_mut(o) {
                        Some(n) => *n += 1,
                        None => {
                            t.outlets.insert(o.to_string(), 1);
                        }
                    }
                }
                // The evidence needs no themes and no titles.
                let Some(row) = post.row.filter(|_| count == Count::Rivals) else {
                    continue;
                };
                *t.themes.entry(row.theme).or_default() += 1;
                if row.title.is_empty() || t.best.iter().any(|b| b.title == row.title) {
                    continue;
                }
                let c = Candidate {
                    shared,
                    words: row.terms.len(),
                    score: row.score,
                    doc: row.doc.0,
                    title: row.title.clone(),
                    path: row.path.clone(),
                };
                let full = t.best.len() >= REPRESENTATIVES;
                if full
                    && t.best
                        .last()
                        .is_some_and(|w| c.better(w) != std::cmp::Ordering::Less)
                {
                    continue;
                }
                t.best.push(c);
                t.best.sort_by(Candidate::better);
                t.best.truncate(REPRESENTATIVES);
            }
        }
        Ok(())
    })?;
    Ok(out)
}

impl Tally {
    /// The days its core runs over: its posts' days without stray
    /// mentions at either end — a day holding at most a twentieth of its
    /// posts, `gap` days or more from its next (previous) day with posts.
    pub fn core_days(&self, gap: i32) -> Option<(Day, Day)> {
        let days: Vec<(Day, u64)> = self.days.iter().map(|(&d, &n)| (d, n)).collect();
        let stray = |n: u64| n * 20 <= self.posts;
        let (mut lo, mut hi) = (0, days.len().checked_sub(1)?);
        while lo < hi && stray(days[lo].1) && days[lo + 1].0 .0 - days[lo].0 .0 >= gap {
            lo += 1;
        }
        while hi > lo && stray(days[hi].1) && days[hi].0 .0 - days[hi - 1].0 .0 >= gap {
            hi -= 1;
        }
        Some((days[lo].0, days[hi].0))
    }

    /// Its busiest day within `core` (the earliest of equals).
    pub fn peak_day(&self, core: (Day, Day)) -> Day {
        self.days
            .range(core.0..=core.1)
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map_or(core.0, |(&d, _)| d)
    }

    /// When its first post within `core` came out, and its hours from the
    /// first to the last post there, when posts have a time of day.
    pub fn broke(&self, core: (Day, Day)) -> Option<(chrono::NaiveDateTime, f64)> {
        let (fd, &(first, _)) = self.times.range(core.0..=core.1).next()?;
        let (ld, &(_, last)) = self.times.range(core.0..=core.1).next_back()?;
        let at = |d: &Day, m: u16| {
            d.date()
                .and_hms_opt(u32::from(m) / 60, u32::from(m) % 60, 0)
                .expect("minutes of a day")
        };
        let broke = at(fd, first);
        let hours = (at(ld, last) - broke).num_minutes() as f64 / 60.0;
        Some((broke, hours))
    }

    /// Its hours from first to last post over all its days, if timed.
    pub fn spread_hours(&self) -> f64 {
        match (self.times.iter().next(), self.times.iter().next_back()) {
            (Some((fd, f)), Some((ld, l))) => {
                (ld.0 - fd.0) as f64 * 24.0 + (f64::from(l.1) - f64::from(f.0)) / 60.0
            }
            _ => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stray_early_mentions_do_not_start_the_core() {
        let mut t = Tally::default();
        // One early mention nine days before a forum of 40 posts.
        t.days.insert(Day(100), 1);
        t.days.insert(Day(109), 25);
        t.days.insert(Day(110), 15);
        t.posts = 41;
        let core = t.core_days(3).unwrap();
        assert_eq!(core, (Day(109), Day(110)));
        assert_eq!(t.peak_day(core), Day(109));
        t.times.insert(Day(109), (8 * 60, 23 * 60));
        t.times.insert(Day(110), (7 * 60, 9 * 60 + 30));
        let (broke, hours) = t.broke(core).unwrap();
        assert_eq!(broke.to_string(), "1970-04-20 08:00:00");
        assert_eq!(hours, 25.5);
    }
}
