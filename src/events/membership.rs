//! Which event a post belongs to, and which posts are roundups.
//!
//! A post is in an event when it is dated within the event's units and
//! holds one of the event's key words (its seed, and names of the story
//! whose posts the seed's are a part of) or at least two of its words; of several
//! events, the one it shares most words with (a part of a longer story
//! before the story itself, on a tie). A post that would be in the events
//! of [`ROUNDUP_STORIES`] or more different stories is a roundup (a
//! morning digest, a market close, an overnight summary): it joins none
//! of them, though it is analysed into themes as any post.

use rustc_hash::FxHashMap as HashMap;

use super::timeline::Timeline;
use crate::results::Assignment;
use crate::time::Day;

/// A post in the events of this many different stories (a story and its
/// parts count once) is a roundup.
pub const ROUNDUP_STORIES: usize = 3;

/// An event as the membership rule knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Its seed word's key: the most distinctive of its words.
    pub seed: u32,
    /// Its word keys, ascending, and each one's weight (burst strength).
    pub terms: Vec<(u32, f64)>,
    /// The word keys, ascending, that take a post in alone: the seed, and
    /// the names of the story that the seed's posts mostly hold.
    pub keys: Vec<u32>,
    /// Its words, the seed first (for labels and ids).
    pub words: Vec<EventWord>,
    /// First and last unit index.
    pub first: usize,
    /// See `first`.
    pub last: usize,
    /// The rule of the longer story it is a part of.
    pub parent: Option<usize>,
}

/// A word of an event.
#[derive(Debug, Clone, PartialEq)]
pub struct EventWord {
    /// Its key.
    pub key: u32,
    /// The word.
    pub text: String,
    /// How many times its usual share it has in its burst.
    pub lift: f64,
}

/// Where a post stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// In no event.
    Outside,
    /// A roundup of many stories: in no event.
    Roundup,
    /// In the event of this rule, sharing this many of its words.
    In(usize, usize),
}

/// Which event a post belongs to: the rule `assignments.csv` and the event
/// pages apply, and what `events.csv` counts.
#[derive(Debug, Clone, Default)]
pub struct Membership {
    timeline: Option<Timeline>,
    rules: Vec<Rule>,
    ids: Vec<u32>,
    by_term: HashMap<u32, Vec<u32>>,
    /// Whether some event runs in each unit: a post of a unit with none
    /// is outside every event without a look at its words.
    busy: Vec<bool>,
}

impl Membership {
    /// The membership of `rules`, whose events have ids `ids`.
    pub fn new(timeline: Timeline, rules: Vec<Rule>, ids: Vec<u32>) -> Self {
        let mut by_term: HashMap<u32, Vec<u32>> = HashMap::default();
        for (e, r) in rules.iter().enumerate() {
            for &(k, _) in &r.terms {
                by_term.entry(k).or_default().push(e as u32);
            }
        }
        let mut busy = vec![false; timeline.n];
        for r in &rules {
            for b in busy.iter_mut().take(r.last + 1).skip(r.first) {
                *b = true;
            }
        }
        Membership {
            timeline: Some(timeline),
            rules,
            ids,
            by_term,
            busy,
        }
    }

    /// The rules.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    fn root(&self, e: usize) -> usize {
        self.rules[e].parent.unwrap_or(e)
    }

    /// The events whose rule a post dated `date` with words `terms`
    /// meets, each as (rule, words shared, a key word held, weight of the words
    /// shared), whatever the other events.
    fn matches(&self, date: Option<Day>, terms: &[u32]) -> Vec<(u32, usize, bool, f64)> {
        let Some(unit) = self.timeline.zip(date).and_then(|(t, d)| t.index(d)) else {
            return Vec::new();
        };
        if !self.busy.get(unit).copied().unwrap_or(false) {
            return Vec::new();
        }
        let mut tally: Vec<(u32, usize, bool, f64)> = Vec::new();
        for t in terms {
            for &e in self.by_term.get(t).into_iter().flatten() {
                let r = &self.rules[e as usize];
                if unit < r.first || unit > r.last {
                    continue;
                }
                let w = r
                    .terms
                    .binary_search_by_key(t, |&(k, _)| k)
                    .map_or(0.0, |i| r.terms[i].1);
                let seed = r.keys.binary_search(t).is_ok();
                match tally.iter_mut().find(|x| x.0 == e) {
                    Some(x) => {
                        x.1 += 1;
                        x.2 |= seed;
                        x.3 += w;
                    }
                    None => tally.push((e, 1, seed, w)),
                }
            }
        }
        tally.retain(|&(_, n, seed, _)| seed || n >= 2);
        tally
    }

    /// Every event whose rule the post meets, as (rule, words shared), as
    /// if each event were the only one: no roundups, no rivals. An event
    /// that fails its evidence on these counts fails it among the others
    /// too, which only take posts away.
    pub fn alone(&self, date: Option<Day>, terms: &[u32]) -> Vec<(usize, usize)> {
        self.matches(date, terms)
            .into_iter()
            .map(|(e, n, _, _)| (e as usize, n))
            .collect()
    }

    /// Where a post dated `date` with words `terms` stands.
    pub fn verdict(&self, date: Option<Day>, terms: &[u32]) -> Verdict {
        let tally = self.matches(date, terms);
        let mut stories: Vec<usize> = tally.iter().map(|x| self.root(x.0 as usize)).collect();
        stories.sort_unstable();
        stories.dedup();
        if stories.len() >= ROUNDUP_STORIES {
            return Verdict::Roundup;
        }
        let best = tally.into_iter().max_by(|a, b| {
            let part = |e: u32| self.rules[e as usize].parent.is_some();
            a.1.cmp(&b.1)
                .then(part(a.0).cmp(&part(b.0)))
                .then(a.3.total_cmp(&b.3))
                .then(b.0.cmp(&a.0))
        });
        match best {
            Some((e, n, _, _)) => Verdict::In(e as usize, n),
            None => Verdict::Outside,
        }
    }

    /// Whether a post is a roundup.
    pub fn is_roundup(&self, date: Option<Day>, terms: &[u32]) -> bool {
        self.verdict(date, terms) == Verdict::Roundup
    }

    /// The id of the event `row` belongs to, if any.
    pub fn event_id(&self, row: &Assignment) -> Option<u32> {
        match self.verdict(row.date, &row.terms) {
            Verdict::In(e, _) => Some(self.ids[e]),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::EventUnit;

    fn rule(seed: u32, terms: &[u32], first: usize, last: usize, parent: Option<usize>) -> Rule {
        let mut t: Vec<(u32, f64)> = terms.iter().map(|&k| (k, 1.0)).collect();
        t.sort_by_key(|x| x.0);
        Rule {
            seed,
            terms: t,
            keys: vec![seed],
            words: terms
                .iter()
                .map(|&k| EventWord {
                    key: k,
                    text: k.to_string(),
                    lift: 1.0,
                })
                .collect(),
            first,
            last,
            parent,
        }
    }

    fn membership() -> Membership {
        let t = Timeline::new(EventUnit::Day, Day(100), Day(129));
        let rules = vec![
            rule(1, &[1, 2, 3], 0, 29, None),
            rule(10, &[10, 11], 5, 6, Some(0)),
            rule(20, &[20, 21], 0, 29, None),
            rule(30, &[30, 31], 0, 29, None),
        ];
        Membership::new(t, rules, vec![7, 8, 9, 10])
    }

    #[test]
    fn a_post_needs_the_seed_or_two_words_within_the_days() {
        let m = membership();
        assert_eq!(m.verdict(Some(Day(101)), &[1]), Verdict::In(0, 1));
        assert_eq!(m.verdict(Some(Day(101)), &[2, 3]), Verdict::In(0, 2));
        assert_eq!(m.verdict(Some(Day(101)), &[2]), Verdict::Outside);
        assert_eq!(m.verdict(Some(Day(140)), &[1, 2]), Verdict::Outside);
        assert_eq!(m.verdict(None, &[1, 2]), Verdict::Outside);
    }

    #[test]
    fn a_post_of_a_day_without_events_is_outside_and_one_of_an_events_day_is_in() {
        let t = Timeline::new(EventUnit::Day, Day(100), Day(129));
        let m = Membership::new(t, vec![rule(10, &[10, 11], 5, 6, None)], vec![3]);
        assert_eq!(m.verdict(Some(Day(105)), &[10, 11]), Verdict::In(0, 2));
        assert_eq!(m.verdict(Some(Day(106)), &[10]), Verdict::In(0, 1));
        assert_eq!(m.verdict(Some(Day(104)), &[10, 11]), Verdict::Outside);
        assert_eq!(m.verdict(Some(Day(120)), &[10, 11]), Verdict::Outside);
        assert_eq!(m.alone(Some(Day(104)), &[10, 11]), []);
    }

    #[test]
    fn a_part_wins_a_tie_with_its_story_and_a_digest_of_three_stories_is_a_roundup() {
        let m = membership();
        // The match of the tournament, on its day.
        assert_eq!(m.verdict(Some(Day(105)), &[1, 10]), Verdict::In(1, 1));
        // Two stories: the one sharing more words.
        assert_eq!(m.verdict(Some(Day(105)), &[1, 2, 20]), Verdict::In(0, 2));
        // A story and its part are one story: no roundup.
        assert_eq!(m.verdict(Some(Day(105)), &[1, 10, 20]), Verdict::In(1, 1));
        assert_eq!(m.verdict(Some(Day(105)), &[1, 20, 30]), Verdict::Roundup);
    }
}
