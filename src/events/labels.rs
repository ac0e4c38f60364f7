//! The words that name an event: of all the words of its posts, those
//! held by many of them and unusual in the archive (a class TF-IDF of the
//! event's posts against the whole archive), whether they burst or not —
//! a tournament's name is in every match report, though it never bursts
//! as its matches do.
//!
//! One pass over the analysed posts counts the words of each event's
//! posts. The results are read month by month, so an event's counts are
//! turned into its words, and dropped, as soon as the pass has moved a
//! month past its last day: memory holds the words of the events of about
//! two months, not of all of them.

use rustc_hash::FxHashMap as HashMap;

use super::membership::{Membership, Verdict};
use super::posts::Posts;
use super::tally::Count;
use super::timeline::Timeline;
use crate::error::Result;

/// Words kept per event.
pub const EVENT_WORDS: usize = 12;
/// A word names an event only when it is at least this many times as
/// frequent among the event's posts as in the archive.
const MIN_LIFT: f64 = 3.0;

/// How often each word occurs in the archive's analysed posts.
#[derive(Debug, Clone, Copy)]
pub struct Background<'a> {
    /// Posts holding each word (by key).
    pub df: &'a HashMap<u32, u32>,
    /// Dated analysed posts.
    pub posts: f64,
}

/// An event's word counts while its posts are read.
#[derive(Debug, Default)]
struct Counting {
    posts: u32,
    df: HashMap<u32, u32>,
}

/// Words scored per event before they are weighed against the other
/// events.
const SCORED: usize = 48;

/// Each rule's naming words (keys), most telling first. A word that names
/// many events (the boilerplate of earthquake bulletins: `北纬`, `东经`)
/// weighs less than one naming a single event (the county that shook),
/// by `ln(1 + events / events naming the word)`, as class TF-IDF does.
pub fn telling_words(
    posts: &Posts,
    m: &Membership,
    t: &Timeline,
    background: Background,
) -> Result<Vec<Vec<u32>>> {
    let all = vec![true; m.rules().len()];
    let scored = count_words(posts, m, t, &all, Count::Rivals, |_, c| {
        words_of(&c, background)
    })?;
    Ok(across_events(scored))
}

/// For each rule asked for (`wanted`), the largest share of its posts —
/// as `count` counts them — that hold one word other than its seed at
/// least `lift` times as often as the archive does, among the words
/// `eligible` allows (no function words): a one-word burst whose posts
/// agree on a second unusual word tells one story (`非农` with `就业`),
/// while a common word's burst over unrelated posts shares nothing else.
/// 0 for the rules not asked for.
pub fn companion_cover(
    posts: &Posts,
    m: &Membership,
    t: &Timeline,
    (wanted, count): (&[bool], Count),
    background: Background,
    lift: f64,
    eligible: impl Fn(u32) -> bool,
) -> Result<Vec<f64>> {
    let rules = m.rules();
    count_words(posts, m, t, wanted, count, |e, c| {
        let n = f64::from(c.posts.max(1));
        let mut covers: Vec<(f64, u32)> =
            c.df.iter()
                .filter(|(&k, &d)| {
                    let share = background.df.get(&k).copied().unwrap_or(d) as f64
                        / background.posts.max(1.0);
                    k != rules[e].seed && d >= 2 && (f64::from(d) / n) >= lift * share
                })
                .map(|(&k, &d)| (f64::from(d) / n, k))
                .collect();
        covers.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        covers
            .into_iter()
            .find(|&(_, k)| eligible(k))
            .map_or(0.0, |(cover, _)| cover)
    })
}

/// One pass over the analysed posts that counts, for each rule `wanted`,
/// its posts and the posts holding each word, and turns each rule's counts
/// into `finish`'s result (given the rule's index) a month after its last
/// day, so that memory holds the counts of about two months of events.
fn count_words<R: Default>(
    posts: &Posts,
    m: &Membership,
    t: &Timeline,
    wanted: &[bool],
    count: Count,
    finish: impl Fn(usize, Counting) -> R,
) -> Result<Vec<R>> {
    let rules = m.rules();
    let mut counting: Vec<Option<Counting>> =
        wanted.iter().map(|&w| w.then(Counting::default)).collect();
    let mut out: Vec<R> = (0..rules.len()).map(|_| R::default()).collect();
    posts.each(|earliest, rows| {
        if let Some(earliest) = earliest {
            // Rows still to come are at least in this segment's month.
            for (e, r) in rules.iter().enumerate() {
                if t.end(r.last).0 + 31 < earliest.0 {
                    if let Some(c) = counting[e].take() {
                        out[e] = finish(e, c);
                    }
                }
            }
        }
        for row in rows {
            let mut events: Vec<usize> = Vec::new();
            let mut add = |e: usize| {
                for x in [Some(e), rules[e].parent].into_iter().flatten() {
                    if !events.contains(&x) {
                        events.push(x);
                    }
                }
            };
            match count {
                Count::Rivals => {
                    if let Verdict::In(e, _) = m.verdict(row.date, row.terms) {
                        add(e);
                    }
                }
                Count::Alone => {
                    for (e, _) in m.alone(row.date, row.terms) {
                        add(e);
                    }
                }
            }
            for x in events {
                if let Some(c) = counting[x].as_mut() {
                    c.posts += 1;
                    for &k in row.terms {
                        *c.df.entry(k).or_default() += 1;
                    }
                }
            }
        }
        Ok(())
    })?;
    for (e, c) in counting.into_iter().enumerate() {
        if let Some(c) = c {
            out[e] = finish(e, c);
        }
    }
    Ok(out)
}

/// Weighs each event's scored words by how few events they name, and
/// keeps the best [`EVENT_WORDS`].
fn across_events(scored: Vec<Vec<(f64, u32)>>) -> Vec<Vec<u32>> {
    let mut naming: HashMap<u32, u32> = HashMap::default();
    for words in &scored {
        for &(_, k) in words {
            *naming.entry(k).or_default() += 1;
        }
    }
    let events = scored.len() as f64;
    scored
        .into_iter()
        .map(|words| {
            let mut w: Vec<(f64, u32)> = words
                .into_iter()
                .map(|(s, k)| (s * (1.0 + events / naming[&k] as f64).ln(), k))
                .collect();
            w.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            w.into_iter().take(EVENT_WORDS).map(|(_, k)| k).collect()
        })
        .collect()
}

/// The telling words of one event's counts: coverage (the share of its
/// posts holding the word) times the log of how much more frequent the
/// word is there than in the archive; words in a single post, or less
/// than [`MIN_LIFT`] times as frequent, name nothing.
fn words_of(c: &Counting, bg: Background) -> Vec<(f64, u32)> {
    let n = c.posts.max(1) as f64;
    let mut scored: Vec<(f64, u32)> =
        c.df.iter()
            .filter(|(_, &d)| d >= 2)
            .filter_map(|(&k, &d)| {
                let cover = d as f64 / n;
                let share = bg.df.get(&k).copied().unwrap_or(d) as f64 / bg.posts.max(1.0);
                let lift = cover / share.max(1.0 / bg.posts.max(1.0));
                (lift >= MIN_LIFT).then(|| (cover * lift.ln(), k))
            })
            .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.truncate(SCORED);
    scored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_in_every_post_outranks_a_rarer_one_and_a_common_word_names_nothing() {
        let mut df = HashMap::default();
        // The tournament's name: in 400 of 100,000 posts; a match's word
        // in 30; a word of every tenth post.
        df.insert(1, 400);
        df.insert(2, 30);
        df.insert(3, 10_000);
        let bg = Background {
            df: &df,
            posts: 100_000.0,
        };
        let mut c = Counting {
            posts: 100,
            df: HashMap::default(),
        };
        c.df.insert(1, 95);
        c.df.insert(2, 30);
        c.df.insert(3, 20);
        let words: Vec<u32> = words_of(&c, bg).into_iter().map(|(_, k)| k).collect();
        assert_eq!(words, vec![1, 2]);
        // Bulletin words in every quake's posts weigh less than the
        // county of one quake.
        let quakes = vec![
            vec![(4.0, 10), (3.0, 11)],
            vec![(4.0, 10), (3.0, 12)],
            vec![(4.0, 10), (3.0, 13)],
        ];
        assert_eq!(across_events(quakes)[0], vec![11, 10]);
    }
}
