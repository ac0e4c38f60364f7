//! What `assign` counts and `report` reads: sums that merge by adding, so
//! that each part of the archive can be counted alone (in another process,
//! on another machine) and the parts added up in any grouping.
//!
//! Periods are the report's (`--granularity`), written as their first day
//! (days since 1970-01-01). Memory is bounded by themes × periods ×
//! features and facet values, never by the number of posts.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};

use crate::ids::{DocId, ThemeIdx};
use crate::ingest::Tolerated;
use crate::time::{Day, Period};

/// Representative posts kept per theme.
pub const REPRESENTATIVES: usize = 12;

/// Posts kept per (theme, period): the page lists them when a theme's
/// band is clicked.
pub const PERIOD_SAMPLE: usize = 5;

/// A post that may represent its theme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// Cosine similarity to the theme's centre.
    pub score: f32,
    /// The post.
    pub doc: DocId,
    /// Its title.
    pub title: String,
    /// Its file.
    pub path: String,
    /// Its date.
    pub date: Option<Day>,
}

/// Counts of what happened to posts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PostCounts {
    /// Post files (or rows) read.
    pub posts: u64,
    /// Posts analysed (given a theme).
    pub assigned: u64,
    /// Posts rejected (copies included).
    pub rejected: u64,
    /// Of the rejected, exact or near copies.
    pub duplicates: u64,
    /// Accepted posts dated outside `--since`/`--until`, not analysed.
    pub outside_window: u64,
    /// Posts read although they bend the layout, by form.
    pub tolerated: BTreeMap<Tolerated, u64>,
    /// Posts with a warning.
    pub warned: u64,
}

impl PostCounts {
    fn add(&mut self, o: &PostCounts) {
        self.posts += o.posts;
        self.assigned += o.assigned;
        self.rejected += o.rejected;
        self.duplicates += o.duplicates;
        self.outside_window += o.outside_window;
        self.warned += o.warned;
        for (k, v) in &o.tolerated {
            *self.tolerated.entry(*k).or_default() += v;
        }
    }
}

/// The sums of one part of the archive.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Aggregates {
    /// What happened to the posts.
    pub counts: PostCounts,
    /// Posts per (theme, period).
    pub themes: BTreeMap<(ThemeIdx, Period), u64>,
    /// Feature counts per (theme, period): what each theme was about when.
    pub words: BTreeMap<(ThemeIdx, Period), HashMap<u32, u32>>,
    /// Posts per (facet, value, theme, period); `facet` indexes `--facet`.
    pub facets: BTreeMap<(u16, String, ThemeIdx, Period), u64>,
    /// The posts closest to each theme's centre, best first (at most
    /// [`REPRESENTATIVES`] with distinct titles).
    pub representatives: BTreeMap<ThemeIdx, Vec<Candidate>>,
    /// The posts closest to each theme's centre in each period, best
    /// first (at most [`PERIOD_SAMPLE`]): themes × periods × 5 posts, never
    /// more however large the archive.
    pub samples: BTreeMap<(ThemeIdx, Day), Vec<Candidate>>,
    /// Per theme: the sum of its posts' similarities to its centre.
    pub cohesion: BTreeMap<ThemeIdx, f64>,
    /// Posts per (theme, value of the input's `label` column).
    pub labels: BTreeMap<(ThemeIdx, String), u64>,
    /// Earliest and latest date of an analysed post.
    pub span: Option<(Day, Day)>,
    /// Analysed posts per day: where the time axis lies
    /// ([`crate::time::TimeAxis`]). Memory: the archive's days.
    pub days: BTreeMap<Day, u64>,
    /// Per day: posts, and in how many of them each word occurs (by
    /// [`crate::text::word_key`]); what rising words and events are found
    /// from, by the day or by the week. Memory: days × distinct words of a
    /// day, 8 bytes each.
    pub daily: BTreeMap<Day, Daily>,
    /// The words behind the keys of `daily`: every word of an analysed
    /// post. (Keeping only words seen twice in a segment made the events
    /// depend on how the archive was split into parts.) Memory: the
    /// archive's distinct words.
    pub names: HashMap<u32, String>,
    /// Posts without a date among the analysed.
    pub undated: u64,
    /// The first warnings about posts, for the log (at most 100).
    pub warnings: Vec<String>,
}

/// One day's posts and word counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Daily {
    /// Dated posts analysed on the day.
    pub posts: u32,
    /// Posts of the day containing each word, by key, sorted by key.
    pub df: Vec<(u32, u32)>,
}

impl Daily {
    /// Adds `other`'s counts (both sorted by key; the result too).
    pub fn add(&mut self, other: &Daily) {
        self.posts += other.posts;
        if self.df.is_empty() {
            self.df = other.df.clone();
            return;
        }
        let mut out = Vec::with_capacity(self.df.len().max(other.df.len()));
        let (mut a, mut b) = (self.df.iter().peekable(), other.df.iter().peekable());
        loop {
            match (a.peek(), b.peek()) {
                (Some(&&(ka, ca)), Some(&&(kb, cb))) => {
                    if ka == kb {
                        out.push((ka, ca + cb));
                        a.next();
                        b.next();
                    } else if ka < kb {
                        out.push((ka, ca));
                        a.next();
                    } else {
                        out.push((kb, cb));
                        b.next();
                    }
                }
                (Some(&&x), None) => {
                    out.push(x);
                    a.next();
                }
                (None, Some(&&y)) => {
                    out.push(y);
                    b.next();
                }
                (None, None) => break,
            }
        }
        self.df = out;
    }
}

/// Warnings kept for the log.
const KEPT_WARNINGS: usize = 100;

impl Aggregates {
    /// Adds `other` into `self`.
    pub fn merge(&mut self, other: Aggregates) {
        self.counts.add(&other.counts);
        for (k, v) in other.themes {
            *self.themes.entry(k).or_default() += v;
        }
        for (k, words) in other.words {
            let mine = self.words.entry(k).or_default();
            for (f, c) in words {
                *mine.entry(f).or_default() += c;
            }
        }
        for (k, v) in other.facets {
            *self.facets.entry(k).or_default() += v;
        }
        for (t, list) in other.representatives {
            for c in list {
                self.offer(t, c);
            }
        }
        for ((t, p), list) in other.samples {
            for c in list {
                self.sample(t, p, c);
            }
        }
        for (t, v) in other.cohesion {
            *self.cohesion.entry(t).or_default() += v;
        }
        for (k, v) in other.labels {
            *self.labels.entry(k).or_default() += v;
        }
        self.span = match (self.span, other.span) {
            (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
            (x, None) | (None, x) => x,
        };
        self.undated += other.undated;
        for (d, n) in other.days {
            *self.days.entry(d).or_default() += n;
        }
        for (day, d) in other.daily {
            match self.daily.entry(day) {
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(d);
                }
                std::collections::btree_map::Entry::Occupied(mut e) => e.get_mut().add(&d),
            }
        }
        if self.names.is_empty() {
            self.names = other.names;
        } else {
            for (k, name) in other.names {
                keep_name(&mut self.names, k, name);
            }
        }
        for w in other.warnings {
            self.warn(w);
        }
    }

    /// Keeps `c` among theme `t`'s representatives if it is close enough
    /// to its centre (best first, distinct titles, ties by doc).
    pub fn offer(&mut self, t: ThemeIdx, c: Candidate) {
        let list = self.representatives.entry(t).or_default();
        if c.title.is_empty() {
            return;
        }
        let better =
            |a: &Candidate, b: &Candidate| b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc));
        if let Some(same) = list.iter().position(|x| x.title == c.title) {
            if better(&c, &list[same]) == std::cmp::Ordering::Less {
                list.remove(same);
            } else {
                return;
            }
        }
        let at = list
            .binary_search_by(|x| better(x, &c))
            .unwrap_or_else(|e| e);
        if at < REPRESENTATIVES {
            list.insert(at, c);
            list.truncate(REPRESENTATIVES);
        }
    }

    /// Keeps `c` among the posts of theme `t` in `period` if it is among
    /// the [`PERIOD_SAMPLE`] closest to the centre (best first, ties by
    /// doc, so that the parts may be added in any order).
    pub fn sample(&mut self, t: ThemeIdx, period: Day, c: Candidate) {
        let (score, doc) = (c.score, c.doc);
        self.sample_with(t, period, score, doc, || c);
    }

    /// [`Self::sample`] for a post of `score` and `doc`, made by `make`
    /// only when it is kept.
    pub fn sample_with(
        &mut self,
        t: ThemeIdx,
        period: Day,
        score: f32,
        doc: DocId,
        make: impl FnOnce() -> Candidate,
    ) {
        let list = self.samples.entry((t, period)).or_default();
        let at = list
            .binary_search_by(|x| score.total_cmp(&x.score).then(x.doc.cmp(&doc)))
            .unwrap_or_else(|e| e);
        if at < PERIOD_SAMPLE {
            list.insert(at, make());
            list.truncate(PERIOD_SAMPLE);
        }
    }

    /// Notes a warning about a post (the first ones are kept).
    pub fn warn(&mut self, w: String) {
        if self.warnings.len() < KEPT_WARNINGS {
            self.warnings.push(w);
        }
    }

    /// Notes a date of an analysed post.
    pub fn saw(&mut self, day: Day) {
        *self.days.entry(day).or_default() += 1;
        self.span = Some(match self.span {
            Some((a, b)) => (a.min(day), b.max(day)),
            None => (day, day),
        });
    }
}

/// Records `name` for word key `key`: when two words share a key, the
/// smaller name is kept, whatever order the parts arrive in.
pub fn keep_name(names: &mut HashMap<u32, String>, key: u32, name: String) {
    match names.entry(key) {
        std::collections::hash_map::Entry::Occupied(mut e) => {
            if name < *e.get() {
                e.insert(name);
            }
        }
        std::collections::hash_map::Entry::Vacant(e) => {
            e.insert(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(score: f32, doc: u64, title: &str) -> Candidate {
        Candidate {
            score,
            doc: DocId(doc),
            title: title.into(),
            path: format!("{doc}.md"),
            date: None,
        }
    }

    /// The parts merged first to last and last to first, which must agree;
    /// returns the first.
    fn merged_both_ways(parts: Vec<Aggregates>) -> Aggregates {
        let mut fwd = Aggregates::default();
        for p in parts.iter().cloned() {
            fwd.merge(p);
        }
        let mut back = Aggregates::default();
        for p in parts.into_iter().rev() {
            back.merge(p);
        }
        assert_eq!(fwd, back);
        fwd
    }

    #[test]
    fn merging_adds_and_keeps_the_best_distinct_representatives() {
        let t = ThemeIdx(0);
        let mut a = Aggregates::default();
        a.themes.insert((t, Some(Day(100))), 2);
        a.offer(t, cand(0.9, 1, "甲"));
        a.offer(t, cand(0.5, 2, "乙"));
        a.saw(Day(100));
        let mut b = Aggregates::default();
        b.themes.insert((t, Some(Day(100))), 3);
        b.themes.insert((t, Some(Day(131))), 1);
        b.offer(t, cand(0.95, 7, "乙"));
        b.offer(t, cand(0.7, 3, "丙"));
        b.saw(Day(131));
        a.merge(b);
        assert_eq!(a.themes[&(t, Some(Day(100)))], 5);
        assert_eq!(a.themes[&(t, Some(Day(131)))], 1);
        let titles: Vec<&str> = a.representatives[&t]
            .iter()
            .map(|c| c.title.as_str())
            .collect();
        assert_eq!(titles, ["乙", "甲", "丙"]);
        assert_eq!(a.representatives[&t][0].doc, DocId(7));
        assert_eq!(a.span, Some((Day(100), Day(131))));
    }

    #[test]
    fn each_theme_and_period_keeps_its_closest_posts_in_any_order() {
        let t = ThemeIdx(0);
        let parts: Vec<Aggregates> = (0..8u64)
            .map(|i| {
                let mut a = Aggregates::default();
                a.sample(t, Day(100), cand(i as f32 / 10.0, i, &format!("a{i}")));
                a.sample(t, Day(131), cand(0.5, i, &format!("b{i}")));
                a
            })
            .collect();
        let fwd = merged_both_ways(parts);
        let docs =
            |p: i32| -> Vec<u64> { fwd.samples[&(t, Day(p))].iter().map(|c| c.doc.0).collect() };
        assert_eq!(docs(100), [7, 6, 5, 4, 3]);
        // Equal scores: the first posts.
        assert_eq!(docs(131), [0, 1, 2, 3, 4]);
    }

    #[test]
    fn the_order_of_merging_does_not_change_the_sums() {
        let t = ThemeIdx(1);
        let parts: Vec<Aggregates> = (0..5)
            .map(|i| {
                let mut a = Aggregates::default();
                a.themes.insert((t, Some(Day(i % 2))), i as u64);
                a.offer(t, cand(i as f32 / 10.0, i as u64, &format!("t{i}")));
                a.counts.posts = i as u64;
                a
            })
            .collect();
        merged_both_ways(parts);
    }
}
