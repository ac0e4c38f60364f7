//! Event ids that last across nightly runs: this run's events are matched
//! to the previous run's by their seed word and words, near in time, and
//! keep their ids; new ones get ids never given out before.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Result;

/// An event as remembered between runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    /// Its id.
    pub id: u32,
    /// Its seed word (empty in states written before seeds were kept).
    #[serde(default)]
    pub seed: String,
    /// Its words.
    pub terms: Vec<String>,
    /// Its first day (days since 1970-01-01).
    pub first: i32,
    /// Its last day.
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
/// Share of words two events must have in common to be the same, when
/// their seeds differ.
const SAME_EVENT: f64 = 0.25;

impl crate::fsx::Versioned for EventState {
    const VERSION: u32 = STATE_VERSION;
    const WHAT: &'static str = "event state";
}

impl EventState {
    /// The state of this run's events, `next_id` being the next id never
    /// given out.
    pub fn new(next_id: u32, events: Vec<EventRecord>) -> Self {
        EventState {
            version: STATE_VERSION,
            next_id,
            events,
        }
    }

    /// Reads the state in `dir`; `Ok(None)` when there is none,
    /// [`crate::error::Error::Damaged`] when it cannot be used.
    pub fn load(dir: &Path) -> Result<Option<EventState>> {
        crate::fsx::load_state(&dir.join(STATE_FILE))
    }

    /// Writes the state into `dir`, whole or not at all.
    pub fn save(&self, dir: &Path) -> Result<()> {
        crate::fsx::save_state(&dir.join(STATE_FILE), self)
    }
}

/// The ids of this run's events.
#[derive(Debug, Clone, PartialEq)]
pub struct Ids {
    /// Each event's id.
    pub ids: Vec<u32>,
    /// Whether each is new (no earlier id).
    pub new: Vec<bool>,
    /// The next id never given out.
    pub next: u32,
}

/// Ids for `events` (id-less records: seed, words, first and last day): a
/// previous event within `slack` days whose seed is the same, or which
/// shares enough words, keeps its id, best pairs first, one to one; the
/// others get new ids.
pub fn assign(events: &[EventRecord], previous: Option<&EventState>, slack: i32) -> Ids {
    let mut next = previous.map_or(1, |p| p.next_id.max(1));
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    if let Some(p) = previous {
        for (i, e) in events.iter().enumerate() {
            for (j, old) in p.events.iter().enumerate() {
                if old.first > e.last + slack || e.first > old.last + slack {
                    continue;
                }
                let shared = e.terms.iter().filter(|w| old.terms.contains(w)).count();
                let union = e.terms.len() + old.terms.len() - shared;
                let jaccard = shared as f64 / union.max(1) as f64;
                let same_seed = !e.seed.is_empty() && e.seed == old.seed;
                if same_seed || jaccard >= SAME_EVENT {
                    pairs.push((jaccard + same_seed as u8 as f64, i, j));
                }
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut ids: Vec<Option<u32>> = vec![None; events.len()];
    let mut taken = vec![false; previous.map_or(0, |p| p.events.len())];
    for (_, i, j) in pairs {
        if ids[i].is_none() && !taken[j] {
            ids[i] = previous.map(|p| p.events[j].id);
            taken[j] = true;
        }
    }
    let new: Vec<bool> = ids.iter().map(Option::is_none).collect();
    let ids = ids
        .into_iter()
        .map(|i| {
            i.unwrap_or_else(|| {
                next += 1;
                next - 1
            })
        })
        .collect();
    Ids { ids, new, next }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(seed: &str, terms: &[&str], first: i32, last: i32) -> EventRecord {
        EventRecord {
            id: 0,
            seed: seed.into(),
            terms: terms.iter().map(|s| s.to_string()).collect(),
            first,
            last,
        }
    }

    #[test]
    fn an_event_keeps_its_id_when_it_grows_and_a_later_namesake_does_not() {
        let first = vec![
            record("亚运会", &["亚运会", "杭州", "金牌"], 100, 114),
            record("全会", &["全会", "审议", "决定"], 200, 200),
        ];
        let got = assign(&first, None, 2);
        assert_eq!(
            (got.ids.clone(), got.new.clone()),
            (vec![1, 2], vec![true, true])
        );
        let state = EventState::new(
            got.next,
            first
                .iter()
                .zip(&got.ids)
                .map(|(r, &id)| EventRecord { id, ..r.clone() })
                .collect(),
        );
        // The games run a week longer and change most words but not the
        // seed; a plenary two years later shares its words, not its days.
        let second = vec![
            record("亚运会", &["亚运会", "运动员", "闭幕", "奖牌"], 101, 121),
            record("全会", &["全会", "审议", "决定"], 928, 928),
        ];
        let got = assign(&second, Some(&state), 2);
        assert_eq!(got.ids, vec![1, 3]);
        assert_eq!(got.new, vec![false, true]);
        assert_eq!(got.next, 4);
    }
}
