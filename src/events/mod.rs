//! The `events` stage: what happened, and when.
//!
//! Themes group posts by content over the whole archive; an event is a
//! story *confined in time*: posts that share words which burst together.
//! Events are found from words, not from themes, so that two plenary
//! sessions two years apart, or a small accident inside a broad theme,
//! come out as events of their own.
//!
//! 1. **The unit** ([`timeline`]). An archive whose median day holds at
//!    least [`timeline::DAY_UNIT_MEDIAN`] analysed posts (a flash feed)
//!    has its events found and dated by the day; a sparser one (an
//!    evening news programme) by the ISO week.
//! 2. **Rising words** ([`bursts`]). `assign` counts, per day, the posts
//!    and the posts holding each word ([`crate::aggregate::Daily`]). Each
//!    word's series per unit goes through Kleinberg's two-state burst
//!    automaton against its own long-run share; a burst's *core* is where
//!    the word keeps a quarter of its peak share, and its *lift* is its
//!    share there over its share everywhere else. A word that arrives and
//!    stays is an *onset* while it holds its first share, when its
//!    history before is long enough for its absence to tell
//!    ([`bursts::ONSET_EVIDENCE`]). The bursts are `rising_terms.csv`.
//! 3. **Stories** ([`grouping`]). One pass counts, for the strongest
//!    bursts, how often two of them occur in the same post while both are
//!    in their cores. Seeds are taken in order of lift; a word joins a
//!    seed when half of its posts also hold the seed, in overlapping
//!    cores, or when half of the seed's posts hold it (two names of one
//!    story, the rarer first). A story whose seed's posts mostly hold the
//!    seed of a longer one, within its time, is a part of it (a match of
//!    a tournament): its child. The counts are taken again without the
//!    roundups the first grouping reveals.
//! 4. **Membership** ([`membership`]). A post is in an event when it is
//!    dated within the event's units and holds one of its key words (its
//!    seed, and a name that joined it and bursts [`STRONG_LIFT`] times
//!    its usual share) or two of its words; a post in the events of three
//!    stories or more is a roundup and in none.
//! 5. **Evidence.** A candidate is reported when it has at least
//!    `--event-min-posts` posts; two words that burst together, one word
//!    that is a name ([`words`]) at least [`STRONG_LIFT`] times its usual
//!    share, or one word whose posts agree on a second word
//!    ([`COMPANION_COVER`] of them hold a word [`STRONG_LIFT`] times as
//!    often as the archive): a common word alone over unrelated posts is
//!    never enough; in an archive of several outlets, posts from two
//!    outlets or over [`SPREAD_HOURS`] hours; and a score of at least
//!    `--event-min-score`. The score is a G statistic: twice the
//!    log-likelihood ratio of the event's posts over its core days
//!    against its seed word's share outside the event. The candidates are
//!    judged first each on all the posts its rule takes, as if it were
//!    alone, and those that fail even so are dropped; then among each
//!    other, dropping the ones that fail until none does (a one-word
//!    event's companion is counted again there, on the posts it holds).
//!    `--all-events` reports every candidate.
//! 6. **Dates** ([`tally`]). An event's start and end are its posts' days
//!    without its stray days (end days at least a few days from the rest
//!    holding at most a twentieth of its posts each); its peak is its
//!    busiest day (by weeks: the first day of its busiest week within the
//!    event); it broke at its first post's time there.
//! 7. **Ids** ([`ids`]). Events are matched to the previous run's by seed
//!    and words, near in time, and keep their ids.
//!
//! The counts read the posts many times: once from the assignment
//! results, then from memory ([`posts`]: the posts holding a candidate
//! word, four fields each, up to [`posts::HELD_BYTES`]; beyond that from
//! the results each time); the final tally reads the results again for
//! the events' themes and example titles.
//!
//! Memory: the daily counts (days × distinct words of a day), the
//! candidate bursts and their co-occurrences, the posts kept for the
//! counts, two months of results while they are read, and the word counts
//! of about two months of events while their words (or a one-word
//! candidate's companion) are counted.

pub mod bursts;
pub mod grouping;
pub mod ids;
pub mod labels;
pub mod membership;
pub mod posts;
pub mod tally;
pub mod timeline;
pub mod words;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};

use crate::aggregate::Daily;
use crate::analysis::{Event, EventUnit, Happenings, PostRef, RisingTerm};
use crate::error::{Error, Result};
use crate::flags::Checked;
use crate::ids::ThemeIdx;
use crate::results::Results;
use crate::time::{Day, Granularity};

use bursts::WordBurst;
use grouping::{Cand, Candidates, Cooccurrence, Group};
pub use ids::{EventRecord, EventState, STATE_FILE};
pub use membership::Membership;
use membership::{EventWord, Rule};
use tally::Tally;
use timeline::Timeline;

/// Parameters of the events stage.
#[derive(Debug, Clone, PartialEq, clap::Args, Serialize, Deserialize)]
#[serde(default)]
pub struct EventParams {
    /// Smallest event, and smallest word burst worth reporting: this many
    /// posts.
    #[arg(long, default_value_t = 5, value_name = "N", help_heading = "Events")]
    pub event_min_posts: u32,

    /// Smallest score of a reported event: the G statistic of its posts
    /// against its seed word's usual share (about 4 is one chance in 20;
    /// real stories of a flash feed score in the hundreds).
    #[arg(
        long,
        default_value_t = 35.0,
        value_name = "G",
        help_heading = "Events"
    )]
    pub event_min_score: f64,

    /// Events are the unusual part of the archive: if they would hold more
    /// than this share of the analysed posts, the weakest are dropped.
    #[arg(
        long,
        default_value_t = 0.5,
        value_name = "FRACTION",
        help_heading = "Events"
    )]
    pub event_max_share: f64,

    /// Report every candidate event, weak ones too: no evidence rule
    /// beyond --event-min-posts.
    #[arg(long, help_heading = "Events")]
    pub all_events: bool,

    /// Find no events and no rising words (events.csv and rising_terms.csv
    /// are written empty).
    #[arg(long, help_heading = "Events")]
    pub no_events: bool,

    /// The field naming each post's outlet (the feed it came from): a
    /// front-matter field or a table column, or `auto` — a table's first
    /// column of outlet, source, feed, channel, site, media; a folder's
    /// `categories` (else `tags`). Events count their outlets;
    /// `--facet outlet` counts themes per outlet (`--facet credit`: per
    /// outlet credited in the text).
    #[arg(
        long,
        default_value = "auto",
        value_name = "FIELD|auto",
        help_heading = "Events"
    )]
    pub outlet: crate::ingest::OutletField,
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
        if !(self.event_min_score.is_finite() && self.event_min_score >= 0.0) {
            return Err(Error::param(
                "--event-min-score",
                "must be a number of at least 0",
            ));
        }
        Ok(())
    }
}

/// A one-word event is reported only when its word is a name this many
/// times as frequent as usual: a burst of one common word is no event.
pub const STRONG_LIFT: f64 = 10.0;
/// A one-word event is also reported when this share of its posts holds
/// one other word [`STRONG_LIFT`] times as often as the archive does: its
/// posts tell one story, not one common word's many.
pub const COMPANION_COVER: f64 = 0.4;
/// In an archive of several outlets, an event told by one outlet needs
/// posts over this many hours.
pub const SPREAD_HOURS: f64 = 3.0;
/// An event is matched by at most this many of its words.
const EVENT_TERMS: usize = 12;
/// Words in an event's label.
const LABEL_TERMS: usize = 3;
/// Units shown either side of an event's core in its sparkline.
const SERIES_MARGIN: usize = 2;

/// Days between a stray mention and the rest of an event's posts.
/// Units between two bursts that still make one stretch of a story.
fn join_gap(unit: EventUnit) -> usize {
    match unit {
        EventUnit::Day => 3,
        EventUnit::Week => 1,
    }
}

fn stray_gap(unit: EventUnit) -> i32 {
    match unit {
        EventUnit::Day => 3,
        EventUnit::Week => 14,
    }
}

/// What the events stage reads.
pub struct EventInput<'a> {
    /// Daily word counts (from `assign`).
    pub daily: &'a BTreeMap<Day, Daily>,
    /// The words behind the keys.
    pub names: &'a HashMap<u32, String>,
    /// The analysed posts.
    pub results: &'a Results<'a>,
    /// Posts analysed.
    pub assigned: u64,
    /// Number of themes.
    pub themes: usize,
    /// The report's periods.
    pub granularity: Granularity,
    /// The previous run's events.
    pub previous: Option<&'a EventState>,
    /// Where the posts' outlets were read from, as `run.json` says it.
    pub outlet_field: String,
    /// The moment the run takes for now: the latest day is partial when
    /// it is today.
    pub now: chrono::NaiveDateTime,
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

/// An event rule with what its score is made of.
#[derive(Debug, Clone)]
struct Candidate {
    rule: Rule,
    /// The seed's lift.
    lift: f64,
    /// The seed's share outside its core.
    base: f64,
    /// The seed's kind of word.
    seed: words::Kind,
    /// The largest share of its posts holding one other unusual word
    /// ([`labels::companion_cover`]), for a one-word event: judged on its
    /// posts alone first, then on those it holds among its rivals.
    companion: f64,
}

impl Candidate {
    /// Whether only a companion word can give it the words of an event:
    /// one word that is no strong name (two words bursting together, or
    /// a name at [`STRONG_LIFT`] times its share, need none).
    fn needs_companion(&self) -> bool {
        self.rule.terms.len() == 1 && !(self.lift >= STRONG_LIFT && self.seed == words::Kind::Name)
    }
}

/// Finds the rising words and the events.
pub fn detect(input: &EventInput) -> Result<Found> {
    let params = input.params;
    let mut found = Found {
        happenings: Happenings {
            outlet_field: input.outlet_field.clone(),
            ..Default::default()
        },
        ..Default::default()
    };
    if params.no_events {
        return Ok(found);
    }
    // Days without posts are left out; copied only when there are any.
    let daily: std::borrow::Cow<BTreeMap<Day, Daily>> =
        match input.daily.values().all(|d| d.posts > 0) {
            true => std::borrow::Cow::Borrowed(input.daily),
            false => std::borrow::Cow::Owned(
                input
                    .daily
                    .iter()
                    .filter(|(_, d)| d.posts > 0)
                    .map(|(&d, x)| (d, x.clone()))
                    .collect(),
            ),
        };
    let daily = daily.as_ref();
    let (unit, per_day) = timeline::unit_of(daily);
    found.happenings.unit = unit;
    found.happenings.posts_per_day = per_day;
    found.happenings.unit_rule = timeline::unit_rule();
    let (Some(&first), Some(&last)) = (daily.keys().next(), daily.keys().next_back()) else {
        return Ok(found);
    };
    let h = &mut found.happenings;
    h.latest = Some(last.date());
    // A day is complete when the run took place after it: the latest
    // day with posts before the run's own day.
    h.partial = last.date() >= input.now.date();
    h.complete = daily
        .range(..Day::of(input.now.date()))
        .next_back()
        .map(|(d, _)| d.date());
    let t = Timeline::new(unit, first, last);
    if t.n < 2 {
        return Ok(found);
    }
    let totals = t.totals(daily);
    let mut bursts = bursts::word_bursts(daily, &t, &totals, params.event_min_posts);
    bursts.retain(|b| input.names.contains_key(&b.key));
    found.happenings.rising = rising_terms(&bursts, &t, (first, last), input.names);

    // Stories: grouped once, then again without the roundups.
    let kinds = words::Words::default();
    let cands = Candidates::of(&bursts, &t, |k| {
        kinds.kind(&input.names[&k]) == words::Kind::Name
    });
    let budget = match crate::fault::injected(crate::fault::Point::EventsOverBudget, "events") {
        true => 0,
        false => posts::HELD_BYTES,
    };
    let wanted = cands.keys();
    let posts = posts::Posts::read(input.results, &t, &wanted, budget)?;
    let co = Cooccurrence::count(&posts, &cands, &t, None)?;
    let first_pass = rules_of(
        &grouping::group(&cands, &co, params.event_min_posts),
        &cands,
        &co,
        input,
        &t,
        &kinds,
    );
    let n = first_pass.len() as u32;
    let m = Membership::new(
        t,
        first_pass.into_iter().map(|c| c.rule).collect(),
        (0..n).collect(),
    );
    let co = Cooccurrence::count(&posts, &cands, &t, Some(&m))?;
    let mut candidates = rules_of(
        &grouping::group(&cands, &co, params.event_min_posts),
        &cands,
        &co,
        input,
        &t,
        &kinds,
    );
    found.happenings.candidates = candidates.len();

    let mut df: HashMap<u32, u32> = HashMap::default();
    for d in daily.values() {
        for &(k, c) in &d.df {
            *df.entry(k).or_default() += c;
        }
    }
    let background = labels::Background {
        df: &df,
        posts: totals.iter().map(|&v| v as f64).sum(),
    };

    // A companion word is a content word, never a function word or a
    // fragment (a weekday, `今日`). The companions of the candidates
    // `which` are counted again as `count` counts their posts.
    let companion_word = |k: u32| {
        input
            .names
            .get(&k)
            .is_some_and(|w| kinds.kind(w) != words::Kind::Function)
    };
    let recount_companions = |candidates: &mut [Candidate],
                              m: &Membership,
                              which: &[bool],
                              count: tally::Count|
     -> Result<()> {
        let covers = labels::companion_cover(
            &posts,
            m,
            &t,
            (which, count),
            background,
            STRONG_LIFT,
            companion_word,
        )?;
        for ((c, cover), &w) in candidates.iter_mut().zip(covers).zip(which) {
            if w {
                c.companion = cover;
            }
        }
        Ok(())
    };

    // Candidates without the evidence even when each holds every post its
    // rule takes are dropped first: counted among hundreds of weak rivals,
    // a real story's posts would be taken for roundups or go to a rival
    // that is dropped a moment later.
    {
        let n = candidates.len() as u32;
        let m = Membership::new(
            t,
            candidates.iter().map(|c| c.rule.clone()).collect(),
            (0..n).collect(),
        );
        let alone = tally::tally(&posts, &m, tally::Count::Alone)?;
        let passes = |c: &Candidate, x: &Tally| {
            evidence(c, x, score(c, x, &totals, &t), alone.outlets, params)
        };
        // The word count of its posts is taken only for a candidate that
        // needs a companion word and that one would let in.
        let wanted: Vec<bool> = candidates
            .iter()
            .zip(&alone.events)
            .map(|(c, x)| {
                let mut with = c.clone();
                with.companion = 1.0;
                c.needs_companion() && passes(&with, x)
            })
            .collect();
        if wanted.iter().any(|&w| w) {
            recount_companions(&mut candidates, &m, &wanted, tally::Count::Alone)?;
        }
        let keep: Vec<bool> = candidates
            .iter()
            .zip(&alone.events)
            .map(|(c, x)| passes(c, x))
            .collect();
        candidates = retain(candidates, &keep);
    }

    // Membership; candidates without the evidence, and the weakest while
    // events hold too many posts, are dropped and the posts counted again.
    let cap = (params.event_max_share * input.assigned as f64).floor() as u64;
    let (m, tallies, scores) = loop {
        let n = candidates.len() as u32;
        let m = Membership::new(
            t,
            candidates.iter().map(|c| c.rule.clone()).collect(),
            (0..n).collect(),
        );
        let tallies = tally::tally(&posts, &m, tally::Count::Rivals)?;
        let scores: Vec<f64> = candidates
            .iter()
            .zip(&tallies.events)
            .map(|(c, x)| score(c, x, &totals, &t))
            .collect();
        let mut keep: Vec<bool> = candidates
            .iter()
            .zip(&tallies.events)
            .zip(&scores)
            .map(|((c, x), &s)| evidence(c, x, s, tallies.outlets, params))
            .collect();
        let mut total: u64 = (0..keep.len())
            .filter(|&e| keep[e] && candidates[e].rule.parent.is_none())
            .map(|e| tallies.events[e].posts)
            .sum();
        if total > cap {
            let mut weakest: Vec<usize> = (0..keep.len())
                .filter(|&e| keep[e] && candidates[e].rule.parent.is_none())
                .collect();
            weakest.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]).then(b.cmp(&a)));
            for e in weakest {
                if total <= cap {
                    break;
                }
                keep[e] = false;
                total -= tallies.events[e].posts;
            }
        }
        if keep.iter().all(|&k| k) {
            // A one-word event let in by its companion word keeps it only
            // if the posts it holds among its rivals still agree on one:
            // counted once the rivals are settled.
            let relying: Vec<bool> = candidates.iter().map(Candidate::needs_companion).collect();
            if !relying.iter().any(|&r| r) {
                break (m, tallies, scores);
            }
            recount_companions(&mut candidates, &m, &relying, tally::Count::Rivals)?;
            keep = candidates
                .iter()
                .zip(&tallies.events)
                .zip(&scores)
                .map(|((c, x), &s)| evidence(c, x, s, tallies.outlets, params))
                .collect();
            if keep.iter().all(|&k| k) {
                break (m, tallies, scores);
            }
        }
        candidates = retain(candidates, &keep);
    };
    // The events' themes and example titles come from whole rows.
    let tallies = match posts.held() {
        true => tally::tally(&posts.stored(), &m, tally::Count::Rivals)?,
        false => tallies,
    };
    found.happenings.roundups = tallies.roundups;
    let telling = labels::telling_words(&posts, &m, &t, background)?;

    // Ids, then the events as the reports show them.
    let rules = m.rules();
    let cores: Vec<(Day, Day)> = tallies
        .events
        .iter()
        .zip(rules)
        .map(|(x, r)| {
            x.core_days(stray_gap(unit))
                .unwrap_or((t.start(r.first), t.end(r.last)))
        })
        .collect();
    let records: Vec<EventRecord> = rules
        .iter()
        .zip(&cores)
        .map(|(r, &(a, b))| EventRecord {
            id: 0,
            seed: r.words[0].text.clone(),
            terms: r.words.iter().map(|w| w.text.clone()).collect(),
            first: a.0,
            last: b.0,
        })
        .collect();
    let slack = match unit {
        EventUnit::Day => 2,
        EventUnit::Week => 7,
    };
    let ids = ids::assign(&records, input.previous, slack);
    let mut events: Vec<Event> = (0..rules.len())
        .map(|e| {
            event_of(
                &rules[e],
                &tallies.events[e],
                cores[e],
                scores[e],
                &t,
                &ids,
                e,
                &telling[e],
                input,
                &kinds,
            )
        })
        .collect();
    // Earliest first, then strongest: the order of events.csv.
    events.sort_by(|a, b| {
        a.start
            .cmp(&b.start)
            .then(b.score.total_cmp(&a.score))
            .then(a.id.cmp(&b.id))
    });
    found.happenings.posts_in_events = events
        .iter()
        .filter(|e| e.parent.is_none())
        .map(|e| e.posts)
        .sum();
    found.happenings.single_word = rules.iter().filter(|r| r.terms.len() == 1).count();
    found.happenings.events = events;
    found.state = Some(EventState::new(
        ids.next,
        records
            .into_iter()
            .zip(&ids.ids)
            .map(|(r, &id)| EventRecord { id, ..r })
            .collect(),
    ));
    found.membership = Membership::new(t, rules.to_vec(), ids.ids);
    Ok(found)
}

/// The rising words: bursts that are no onsets, newest first.
fn rising_terms(
    bursts: &[WordBurst],
    t: &Timeline,
    (first, last): (Day, Day),
    names: &HashMap<u32, String>,
) -> Vec<RisingTerm> {
    let mut rising: Vec<RisingTerm> = bursts
        .iter()
        .filter(|b| !b.onset)
        .map(|b| RisingTerm {
            term: names[&b.key].clone(),
            start: t.start(b.start).max(first).date(),
            end: t.end(b.end).min(last).date(),
            peak: t.start(b.peak).date(),
            strength: b.strength,
            posts: b.posts,
            ongoing: b.end + 1 == t.n,
        })
        .collect();
    rising.sort_by(|a, b| {
        b.start
            .cmp(&a.start)
            .then(b.strength.total_cmp(&a.strength))
            .then(a.term.cmp(&b.term))
    });
    rising
}

/// The candidate events of `groups`: their words (the seed first, then by
/// posts), their units (the seed's core, widened to its words' cores when
/// the event stays no longer than an event may run).
fn rules_of(
    groups: &[Group],
    cands: &Candidates,
    co: &Cooccurrence,
    input: &EventInput,
    t: &Timeline,
    kinds: &words::Words,
) -> Vec<Candidate> {
    let b = &cands.bursts;
    groups
        .iter()
        .map(|g| {
            let seed = &b[g.members[0] as usize];
            // The seed, then its words most telling first: posts with the
            // word and the seed, weighed by how unusual the word is.
            let telling =
                |c: Cand| co.both(c, g.members[0]) as f64 * (1.0 + b[c as usize].lift).ln();
            let mut members = g.members[1..].to_vec();
            members.sort_by(|&x, &y| telling(y).total_cmp(&telling(x)).then(x.cmp(&y)));
            members.insert(0, g.members[0]);
            // The story's stretch: the seed's core, joined by the cores of
            // its words that touch it (a chain of bursts), while it stays
            // no longer than an event may run. Words that burst at other
            // times are another story's and are left out.
            let gap = join_gap(t.unit);
            let mut window = seed.core;
            loop {
                let mut grown = window;
                for &c in &members {
                    let core = b[c as usize].core;
                    if core.0 <= window.1 + gap && core.1 + gap >= window.0 {
                        grown = (grown.0.min(core.0), grown.1.max(core.1));
                    }
                }
                if grown == window || grown.1 - grown.0 >= t.max_event_units() {
                    break;
                }
                window = grown;
            }
            let (first, last) = window;
            let mut words: Vec<EventWord> = Vec::new();
            let mut terms: Vec<(u32, f64)> = Vec::new();
            for &c in &members {
                let w = &b[c as usize];
                if w.core.0 > last + gap || w.core.1 + gap < first {
                    continue;
                }
                if terms.iter().any(|x| x.0 == w.key) {
                    continue;
                }
                terms.push((w.key, w.strength));
                words.push(EventWord {
                    key: w.key,
                    text: input.names[&w.key].clone(),
                    lift: w.lift,
                });
                if terms.len() == EVENT_TERMS {
                    break;
                }
            }
            terms.sort_by_key(|x| x.0);
            // The key words: the seed (always among the terms) and the
            // key names among the terms.
            let mut keys: Vec<u32> = Vec::new();
            for &c in &g.keys {
                let w = &b[c as usize];
                if !keys.contains(&w.key) && terms.binary_search_by_key(&w.key, |x| x.0).is_ok() {
                    keys.push(w.key);
                }
            }
            keys.sort_unstable();
            Candidate {
                rule: Rule {
                    seed: seed.key,
                    terms,
                    keys,
                    words,
                    first,
                    last,
                    parent: g.parent,
                },
                lift: seed.lift,
                base: seed.base_share,
                seed: kinds.kind(&input.names[&seed.key]),
                companion: 0.0,
            }
        })
        .collect()
}

/// The candidates that are kept; a part of a dropped story becomes a
/// story of its own.
fn retain(candidates: Vec<Candidate>, keep: &[bool]) -> Vec<Candidate> {
    let mut index = vec![None; candidates.len()];
    let mut n = 0;
    for (i, &k) in keep.iter().enumerate() {
        if k {
            index[i] = Some(n);
            n += 1;
        }
    }
    candidates
        .into_iter()
        .zip(keep)
        .filter(|(_, &k)| k)
        .map(|(mut c, _)| {
            c.rule.parent = c.rule.parent.and_then(|p| index[p]);
            c
        })
        .collect()
}

/// The G statistic of an event: the posts it holds within its core (its
/// days without stray mentions, [`Tally::core_days`]; so at most its
/// `posts`) against what its seed's share outside them would give there,
/// `2 (o ln(o/e) − (o − e))`. Posts that hold a key name or two of its
/// words and not the seed count among `o` as well: a key name bursts to
/// [`STRONG_LIFT`] times its own share in the story, so its posts there
/// are about as unusual as the seed's.
fn score(c: &Candidate, x: &Tally, totals: &[u32], t: &Timeline) -> f64 {
    let (lo, hi) = x
        .core_days(stray_gap(t.unit))
        .and_then(|(a, b)| Some((t.index(a)?, t.index(b)?)))
        .unwrap_or((c.rule.first, c.rule.last));
    let o: f64 = x
        .days
        .range(t.start(lo)..=t.end(hi))
        .map(|(_, &n)| n as f64)
        .sum();
    let n: f64 = totals[lo..=hi].iter().map(|&v| v as f64).sum();
    let e = (c.base * n).max(1e-9);
    if o <= e {
        return 0.0;
    }
    2.0 * (o * (o / e).ln() - (o - e))
}

/// Whether a candidate has the evidence of an event (see the module
/// documentation).
fn evidence(c: &Candidate, x: &Tally, score: f64, outlets: usize, p: &EventParams) -> bool {
    if x.posts < u64::from(p.event_min_posts) {
        return false;
    }
    if p.all_events {
        return true;
    }
    let words = !c.needs_companion() || c.companion >= COMPANION_COVER;
    let spread = outlets < 2 || x.outlets.len() >= 2 || x.spread_hours() >= SPREAD_HOURS;
    words && spread && score >= p.event_min_score
}

/// An event's label: its first [`LABEL_TERMS`] words that are no function
/// words or fragments (its first word, if all are).
fn label_of(words: &[String], kinds: &words::Words) -> String {
    let named: Vec<&str> = words
        .iter()
        .filter(|w| kinds.kind(w) != words::Kind::Function)
        .take(LABEL_TERMS)
        .map(String::as_str)
        .collect();
    match named.is_empty() {
        true => words.first().cloned().unwrap_or_default(),
        false => named.join("·"),
    }
}

/// An event as the reports show it.
#[allow(clippy::too_many_arguments)]
fn event_of(
    r: &Rule,
    x: &Tally,
    core: (Day, Day),
    score: f64,
    t: &Timeline,
    ids: &ids::Ids,
    e: usize,
    telling: &[u32],
    input: &EventInput,
    kinds: &words::Words,
) -> Event {
    let theme = x
        .themes
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .filter(|(_, &n)| 2 * n >= x.posts)
        .map(|(&th, _)| th)
        .filter(|th| th.get() < input.themes)
        .map(|th| ThemeIdx(th.0));
    let peak = match t.unit {
        EventUnit::Day => x.peak_day(core),
        EventUnit::Week => {
            let mut weeks: BTreeMap<Day, u64> = BTreeMap::new();
            for (&d, &n) in x.days.range(core.0..=core.1) {
                *weeks.entry(d.week()).or_default() += n;
            }
            weeks
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map_or(core.0.week(), |(&d, _)| d)
                .max(core.0)
                .min(core.1)
        }
    };
    let mut words: Vec<String> = telling.iter().map(|k| input.names[k].clone()).collect();
    if words.is_empty() {
        words = r.words.iter().map(|w| w.text.clone()).collect();
    }
    let broke = x.broke(core);
    let mut outlets: Vec<(String, u64)> = x.outlets.iter().map(|(o, &n)| (o.clone(), n)).collect();
    outlets.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let (lo, hi) = (
        t.index(core.0).unwrap_or(0).saturating_sub(SERIES_MARGIN),
        (t.index(core.1).unwrap_or(t.n - 1) + SERIES_MARGIN).min(t.n - 1),
    );
    let series: Vec<(NaiveDate, u64)> = (lo..=hi)
        .map(|u| {
            let n = x.days.range(t.start(u)..=t.end(u)).map(|(_, &n)| n).sum();
            (t.start(u).date(), n)
        })
        .collect();
    Event {
        id: ids.ids[e],
        parent: r.parent.map(|p| ids.ids[p]),
        theme,
        label: label_of(&words, kinds),
        terms: words,
        start: core.0.date(),
        end: core.1.date(),
        peak: peak.date(),
        peak_period: input.granularity.period_start(peak.date()),
        broke: broke.map(|b| b.0),
        hours: broke.map(|b| b.1),
        posts: x.posts,
        outlets,
        score,
        series,
        representatives: x
            .best
            .iter()
            .map(|b| PostRef {
                title: b.title.clone(),
                path: b.path.clone(),
            })
            .collect(),
        ongoing: r.last + 1 == t.n,
        new: ids.new[e],
    }
}
