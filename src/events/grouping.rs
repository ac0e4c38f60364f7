//! Which bursting words tell one story: a pass over the analysed posts
//! counts how often two candidate bursts occur in the same post while both
//! are in their cores, and the candidates are grouped around seeds.

use rustc_hash::FxHashMap as HashMap;

use super::bursts::WordBurst;
use super::membership::Membership;
use super::posts::Posts;
use super::timeline::Timeline;
use crate::error::Result;

/// A burst seeds a story only when its word is this many times as
/// frequent in its core as outside it (a common word that merely rises
/// seeds nothing)…
pub const SEED_LIFT: f64 = 5.0;
/// …or this many times, for a name (a person, place, organisation or a
/// word new to the dictionary: [`super::words::Kind::Name`]).
pub const NAME_SEED_LIFT: f64 = 3.0;
/// A word that is no name and bursts this many times or more, and at
/// least once per [`RECURRING_UNITS`] units of the archive, is a word of
/// a recurring genre (the coordinates of earthquake bulletins, the
/// phrases of a market report): it joins stories but seeds none. (A
/// person in the news bursts again and again, each time a story.)
pub const RECURRING_BURSTS: usize = 4;
/// See [`RECURRING_BURSTS`].
pub const RECURRING_UNITS: usize = 12;
/// Bursts considered for events, strongest first.
pub const CANDIDATES: usize = 4000;
/// Bursting words of one post taken into the co-occurrence counts.
const ACTIVE_PER_POST: usize = 24;
/// A burst joins an event when the event's seed word occurs in this share
/// of its posts…
pub const JOIN_SHARE: f64 = 0.5;
/// …and their cores overlap by this share of the shorter.
const LINK_TIME: f64 = 0.5;
/// A name that joins a seed because the seed's posts mostly hold it takes
/// posts into the story alone when it is this many times as frequent as
/// usual: a name that bursts as much (`斯塔默` resigning, under the
/// `党首` race), not a broad word that rises with the story (`美联储`
/// under its chair's press conference), and never a common word.
pub const KEY_LIFT: f64 = super::STRONG_LIFT;

/// A candidate's index in the candidate list.
pub type Cand = u32;

/// The candidates, and for each word key the candidates of it with their
/// cores.
pub struct Candidates {
    /// The bursts, strongest first.
    pub bursts: Vec<WordBurst>,
    /// Whether each can seed a story: lift enough for its kind of word.
    pub seeds: Vec<bool>,
    /// Whether each one's word is a name ([`super::words::Kind::Name`]).
    pub names: Vec<bool>,
    index: HashMap<u32, Vec<(Cand, usize, usize)>>,
}

impl Candidates {
    /// The strongest bursts no longer than an event may run, and the
    /// onsets.
    pub fn of(bursts: &[WordBurst], t: &Timeline, is_name: impl Fn(u32) -> bool) -> Self {
        let mut times: HashMap<u32, usize> = HashMap::default();
        for b in bursts.iter().filter(|b| !b.onset) {
            *times.entry(b.key).or_default() += 1;
        }
        let recurring = RECURRING_BURSTS.max(t.n / RECURRING_UNITS);
        let bursts: Vec<WordBurst> = bursts
            .iter()
            .filter(|b| b.onset || b.core.1 - b.core.0 < t.max_event_units())
            .take(CANDIDATES)
            .cloned()
            .collect();
        let mut index: HashMap<u32, Vec<(Cand, usize, usize)>> = HashMap::default();
        for (c, b) in bursts.iter().enumerate() {
            index
                .entry(b.key)
                .or_default()
                .push((c as Cand, b.core.0, b.core.1));
        }
        let names: Vec<bool> = bursts.iter().map(|b| is_name(b.key)).collect();
        let seeds = bursts
            .iter()
            .zip(&names)
            .map(|(b, &name)| match name {
                true => b.lift >= NAME_SEED_LIFT,
                false => b.lift >= SEED_LIFT && times.get(&b.key).copied().unwrap_or(0) < recurring,
            })
            .collect();
        Candidates {
            bursts,
            seeds,
            names,
            index,
        }
    }

    /// The candidates' word keys.
    pub fn keys(&self) -> rustc_hash::FxHashSet<u32> {
        self.index.keys().copied().collect()
    }

    /// The candidates in their core at `unit` among `terms`, lowest index
    /// (strongest) first, at most [`ACTIVE_PER_POST`].
    fn active(&self, terms: &[u32], unit: usize, out: &mut Vec<Cand>) {
        out.clear();
        for t in terms {
            for &(c, s, e) in self.index.get(t).into_iter().flatten() {
                if s <= unit && unit <= e {
                    out.push(c);
                }
            }
        }
        out.sort_unstable();
        out.truncate(ACTIVE_PER_POST);
    }
}

/// How often candidates occur, alone and in pairs, in the same posts.
#[derive(Debug, Default)]
pub struct Cooccurrence {
    /// Posts holding each candidate while it is active.
    pub count: Vec<u32>,
    together: HashMap<(Cand, Cand), u32>,
}

impl Cooccurrence {
    /// Counts over the analysed posts, leaving out the roundups of
    /// `roundups` (a membership of earlier groups) when given.
    pub fn count(
        posts: &Posts,
        cands: &Candidates,
        t: &Timeline,
        roundups: Option<&Membership>,
    ) -> Result<Self> {
        let mut co = Cooccurrence {
            count: vec![0; cands.bursts.len()],
            together: HashMap::default(),
        };
        let mut on: Vec<Cand> = Vec::new();
        posts.each(|_, rows| {
            for row in rows {
                let Some(unit) = row.date.and_then(|d| t.index(d)) else {
                    continue;
                };
                if roundups.is_some_and(|m| m.is_roundup(row.date, row.terms)) {
                    continue;
                }
                cands.active(row.terms, unit, &mut on);
                for (i, &x) in on.iter().enumerate() {
                    co.count[x as usize] += 1;
                    for &y in &on[i + 1..] {
                        *co.together.entry((x, y)).or_default() += 1;
                    }
                }
            }
            Ok(())
        })?;
        Ok(co)
    }

    /// Posts holding both `a` and `b`.
    pub fn both(&self, a: Cand, b: Cand) -> u32 {
        let key = if a < b { (a, b) } else { (b, a) };
        self.together.get(&key).copied().unwrap_or(0)
    }

    /// The share of `a`'s posts that also hold `b`.
    pub fn share(&self, a: Cand, b: Cand) -> f64 {
        self.both(a, b) as f64 / self.count[a as usize].max(1) as f64
    }
}

/// How much two unit ranges overlap, as a share of the shorter.
pub fn time_overlap(a: (usize, usize), b: (usize, usize)) -> f64 {
    let shared = (a.1.min(b.1) + 1).saturating_sub(a.0.max(b.0));
    let shorter = (a.1 - a.0 + 1).min(b.1 - b.0 + 1);
    shared as f64 / shorter as f64
}

/// A group of candidates: one story. The seed comes first.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Its candidates, the seed first.
    pub members: Vec<Cand>,
    /// Its candidates that take a post into the story alone: the seed,
    /// and the names that joined it because the seed's posts mostly hold
    /// them and that burst to [`KEY_LIFT`] times their usual share (two
    /// names of one story, where the rarer one's posts are a part of the
    /// other's).
    pub keys: Vec<Cand>,
    /// The group it is a part of (an index into the groups), if any.
    pub parent: Option<usize>,
}

/// Groups of candidates that are one story. Candidates are taken most
/// distinctive first (largest lift over their own history): one joins the
/// group of the earlier seed whose word occurs in most of its posts (at
/// least [`JOIN_SHARE`] of them, in overlapping cores), or, when it could
/// seed a story itself and lasts no longer than the seed, whose posts
/// mostly hold it (then, if it is a name bursting to [`KEY_LIFT`] times
/// its share, it is one of the group's keys); or else, if it is
/// distinctive enough ([`SEED_LIFT`], [`NAME_SEED_LIFT`]), seeds a group of its own. A word
/// joins a seed directly, never through another member, so a common word
/// cannot chain two stories together.
///
/// Then a group whose seed's posts mostly hold the seed of a longer
/// group, within its time, is a part of that story (a match of a
/// tournament, a day of a summit): its child.
pub fn group(cands: &Candidates, co: &Cooccurrence, min_posts: u32) -> Vec<Group> {
    let b = &cands.bursts;
    let mut order: Vec<Cand> = (0..b.len() as Cand).collect();
    order.sort_by(|&x, &y| {
        b[y as usize]
            .lift
            .total_cmp(&b[x as usize].lift)
            .then(x.cmp(&y))
    });
    let mut groups: Vec<Group> = Vec::new();
    for c in order {
        let w = &b[c as usize];
        let n = co.count[c as usize];
        if n == 0 {
            continue;
        }
        let len = |x: (usize, usize)| x.1 - x.0 + 1;
        let best = groups
            .iter()
            .enumerate()
            .filter(|(_, g)| time_overlap(w.core, b[g.members[0] as usize].core) >= LINK_TIME)
            .map(|(i, g)| {
                let s = g.members[0];
                // Most of the word's posts hold the seed; or the word is
                // distinctive itself, no longer-lived than the seed, and
                // most of the seed's posts hold it (two names of one
                // story, the rarer taken first).
                let forward = co.share(c, s);
                let backward = if cands.seeds[c as usize] && len(w.core) <= len(b[s as usize].core)
                {
                    co.share(s, c)
                } else {
                    0.0
                };
                (i, forward.max(backward), backward > forward)
            })
            .filter(|&(_, share, _)| share >= JOIN_SHARE)
            .max_by(|x, y| x.1.total_cmp(&y.1).then(y.0.cmp(&x.0)));
        match best {
            Some((i, _, key)) => {
                groups[i].members.push(c);
                if key && cands.names[c as usize] && w.lift >= KEY_LIFT {
                    groups[i].keys.push(c);
                }
            }
            None if cands.seeds[c as usize] && n >= min_posts => groups.push(Group {
                members: vec![c],
                keys: vec![c],
                parent: None,
            }),
            None => {}
        }
    }
    nest(&mut groups, cands, co);
    groups
}

/// Makes each group whose seed's posts mostly ([`JOIN_SHARE`]) hold the
/// seed of a longer group, and whose core lies within that group's core,
/// a child of the longest such group. Only top-level groups take
/// children: stories nest one deep.
fn nest(groups: &mut [Group], cands: &Candidates, co: &Cooccurrence) {
    let b = &cands.bursts;
    let span = |g: &Group| {
        let core = b[g.members[0] as usize].core;
        (core, core.1 - core.0 + 1)
    };
    let mut parents: Vec<Option<usize>> = vec![None; groups.len()];
    for (i, g) in groups.iter().enumerate() {
        let ((lo, hi), len) = span(g);
        let seed = g.members[0];
        parents[i] = groups
            .iter()
            .enumerate()
            .filter(|&(j, p)| {
                let ((plo, phi), plen) = span(p);
                j != i && plen > len && plo <= lo && hi <= phi + 1
            })
            .filter(|(_, p)| co.share(seed, p.members[0]) >= JOIN_SHARE)
            .max_by_key(|&(j, p)| (span(p).1, std::cmp::Reverse(j)))
            .map(|(j, _)| j);
    }
    // A parent that is itself a child keeps its own parent; its children
    // go to the top.
    for i in 0..groups.len() {
        let mut p = parents[i];
        while let Some(j) = p {
            match parents[j] {
                Some(k) => p = Some(k),
                None => break,
            }
        }
        groups[i].parent = p;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_is_a_share_of_the_shorter_range() {
        assert_eq!(time_overlap((0, 9), (3, 4)), 1.0);
        assert_eq!(time_overlap((0, 3), (2, 5)), 0.5);
        assert_eq!(time_overlap((0, 1), (5, 6)), 0.0);
    }
}
