//! Events ("what happened"): found at their dates from the words that burst
//! together, each post in at most one, ids kept from run to run. Synthetic
//! archives with known events, and the xwlb archive's dated events (skipped
//! when `../shared/corpus` is absent).

mod common;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use chrono::{Duration, NaiveDate};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Writes one post of subject `key` numbered `n` on `date`, with `extra`
/// words added to its title and body.
fn post(dir: &Path, key: &str, n: usize, date: NaiveDate, extra: &[&str]) {
    let (title, body) = common::subject_text(common::subject(key), n);
    let (title, body) = if extra.is_empty() {
        (title, body)
    } else {
        (
            format!("{}{title}", extra.join("")),
            format!("{body}{}。", extra.join("，")),
        )
    };
    let name = format!("{date}-{key}-{n:05}.md");
    std::fs::write(
        dir.join(name),
        format!("---\ntitle: \"{title}\"\ndate: {date}\n---\n{body}\n"),
    )
    .unwrap();
}

const GAMES: [&str; 3] = ["冬奥会", "滑雪", "冰球"];
const TARIFF: [&str; 2] = ["关税", "加征"];
const STORM: [&str; 3] = ["台风", "登陆", "抢险"];

/// Three subjects, one post of each every other day from 2022-01-03 to
/// `until`; the games twice (February 2022 and February 2024, the same
/// words), tariffs from 2023-06-05 on in every other health post, and a
/// storm in October 2024 when `until` reaches it.
fn archive(dir: &Path, until: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let (first, until) = (day("2022-01-03"), day(until));
    let mut n = 0;
    let mut d = first;
    while d <= until {
        for key in ["farm", "health", "space"] {
            n += 1;
            let tariff = key == "health" && d >= day("2023-06-05") && n % 2 == 0;
            post(dir, key, n, d, if tariff { &TARIFF } else { &[] });
        }
        d += Duration::days(2);
    }
    for (start, count) in [("2022-02-04", 12), ("2024-02-05", 12), ("2024-10-07", 10)] {
        let start = day(start);
        if start > until {
            continue;
        }
        for i in 0..count {
            n += 1;
            let words: &[&str] = if start.format("%Y-%m").to_string() == "2024-10" {
                &STORM
            } else {
                &GAMES
            };
            post(dir, "space", n, start + Duration::days(i), words);
        }
    }
}

struct Event {
    id: String,
    start: NaiveDate,
    end: NaiveDate,
    posts: usize,
    terms: Vec<String>,
}

fn events(out: &Path) -> Vec<Event> {
    let (h, rows) = common::read_csv(&out.join("events.csv"));
    assert_eq!(
        h,
        [
            "event_id",
            "theme_id",
            "label",
            "start",
            "end",
            "peak_period",
            "posts",
            "strength",
            "top_terms",
            "representative_titles"
        ]
    );
    rows.iter()
        .map(|r| Event {
            id: r[0].clone(),
            start: day(&r[3]),
            end: day(&r[4]),
            posts: r[6].parse().unwrap(),
            terms: r[8].split(';').map(str::to_string).collect(),
        })
        .collect()
}

/// The events whose top terms include `word`.
fn with<'a>(events: &'a [Event], word: &str) -> Vec<&'a Event> {
    events
        .iter()
        .filter(|e| e.terms.iter().any(|t| t == word))
        .collect()
}

/// Runs the binary on `input` into `out` (charts off) with `flags`.
fn run_with(input: &Path, out: &Path, flags: &[&str]) {
    let mut args = vec![
        "run",
        "--input",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--no-charts",
        "-q",
    ];
    args.extend_from_slice(flags);
    let o = common::tool(&args);
    assert!(o.status.success(), "{}", common::stderr(&o));
}

/// The synthetic archives' three subjects are three themes.
fn run(input: &Path, out: &Path) {
    run_with(input, out, &["--k", "3"]);
}

#[test]
fn the_same_words_years_apart_are_two_events_and_a_lasting_word_has_its_onset() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("_posts");
    archive(&input, "2024-12-31");
    let out = dir.path().join("out");
    run(&input, &out);
    let found = events(&out);

    // The games: two events, one per year, each within its fortnight.
    let games = with(&found, "冬奥会");
    assert_eq!(
        games.len(),
        2,
        "{:?}",
        games.iter().map(|e| &e.id).collect::<Vec<_>>()
    );
    let (a, b) = (games[0], games[1]);
    let (a, b) = if a.start < b.start { (a, b) } else { (b, a) };
    assert!(
        a.start >= day("2022-01-31") && a.end <= day("2022-02-20"),
        "{} {}",
        a.start,
        a.end
    );
    assert!(
        b.start >= day("2024-02-05") && b.end <= day("2024-02-25"),
        "{} {}",
        b.start,
        b.end
    );
    assert_ne!(a.id, b.id);
    for e in [a, b] {
        assert!(
            e.terms.iter().any(|t| t == "滑雪" || t == "冰球"),
            "{:?}",
            e.terms
        );
        assert_eq!(e.posts, 12, "{} posts", e.posts);
    }

    // Tariffs arrive and stay: one event at their onset, not a year-long one.
    let tariff = with(&found, "关税");
    assert_eq!(tariff.len(), 1, "{}", tariff.len());
    let t = tariff[0];
    assert!(
        t.start >= day("2023-06-05") && t.start <= day("2023-06-18"),
        "tariff event from {}",
        t.start
    );
    assert!(t.end <= day("2023-07-31"), "tariff event until {}", t.end);

    // Every post of an event lies within its dates, and the counts agree
    // with assignments.csv.
    let (h, assigned) = common::read_csv(&out.join("assignments.csv"));
    assert_eq!(h[2], "date");
    assert_eq!(h[7], "event_id");
    let mut members: BTreeMap<&str, Vec<NaiveDate>> = BTreeMap::new();
    for r in assigned.iter().filter(|r| !r[7].is_empty()) {
        members.entry(&r[7]).or_default().push(day(&r[2]));
    }
    for e in &found {
        let dates = members.get(e.id.as_str()).map_or(&[][..], Vec::as_slice);
        assert_eq!(dates.len(), e.posts, "event {}", e.id);
        assert!(
            dates.iter().all(|d| (e.start..=e.end).contains(d)),
            "event {} has posts outside {}..{}",
            e.id,
            e.start,
            e.end
        );
    }
    // The games' posts are the games' members: nothing else, nothing lost.
    // The injected posts are known independently of the event's dates:
    // twelve a year, from 2022-02-04 and 2024-02-05, titles starting 冬奥会.
    for (e, first) in [(a, "2022-02-04"), (b, "2024-02-05")] {
        let members: HashSet<&str> = assigned
            .iter()
            .filter(|r| r[7] == e.id)
            .map(|r| r[1].as_str())
            .collect();
        let window = day(first)..day(first) + Duration::days(12);
        let injected: HashSet<&str> = assigned
            .iter()
            .filter(|r| window.contains(&day(&r[2])) && r[3].starts_with("冬奥会"))
            .map(|r| r[1].as_str())
            .collect();
        assert_eq!(injected.len(), 12);
        assert_eq!(members, injected, "event {}", e.id);
    }
}

#[test]
fn events_keep_their_ids_when_the_archive_grows() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("_posts");
    let out = dir.path().join("out");
    archive(&input, "2024-06-30");
    run(&input, &out);
    let before = events(&out);
    assert!(with(&before, "台风").is_empty());
    let id_of = |events: &[Event], word: &str, year: &str| -> String {
        with(events, word)
            .iter()
            .find(|e| e.start.format("%Y").to_string() == year)
            .unwrap_or_else(|| panic!("no {word} event in {year}"))
            .id
            .clone()
    };

    // Half a year later, with a storm among the new posts.
    archive(&input, "2024-12-31");
    run(&input, &out);
    let after = events(&out);
    for (word, year) in [("冬奥会", "2022"), ("冬奥会", "2024"), ("关税", "2023")] {
        assert_eq!(
            id_of(&before, word, year),
            id_of(&after, word, year),
            "{word} {year}"
        );
    }
    let storm = id_of(&after, "台风", "2024");
    assert!(
        before.iter().all(|e| e.id != storm),
        "the storm took the id {storm} of an earlier event"
    );
}

/// Events of the CCTV evening news with their dates: at least ten of these
/// thirteen must be found as an event that overlaps the dates, lasts at
/// most three months and has all the words among its top terms.
#[test]
fn xwlb_events_are_found_at_their_dates() {
    let Some(input) = common::corpus("xwlb/_posts") else {
        return;
    };
    let checks: [(&[&str], &str, &str); 13] = [
        (&["二十大"], "2022-10-16", "2022-10-22"),
        (&["江泽民"], "2022-11-30", "2022-12-06"),
        (&["中亚", "峰会"], "2023-05-18", "2023-05-19"),
        (&["大运会"], "2023-07-28", "2023-08-08"),
        (&["亚运会"], "2023-09-23", "2023-10-08"),
        (&["高峰论坛"], "2023-10-17", "2023-10-18"),
        (&["阿斯塔纳"], "2024-07-03", "2024-07-04"),
        (&["深化改革"], "2024-07-15", "2024-07-18"),
        (&["奥运会", "巴黎"], "2024-07-26", "2024-08-11"),
        (&["中非"], "2024-09-04", "2024-09-06"),
        (&["亚冬会"], "2025-02-07", "2025-02-14"),
        (&["天津", "峰会"], "2025-08-31", "2025-09-01"),
        (&["四中全会"], "2025-10-20", "2025-10-23"),
    ];
    let out = tempfile::tempdir().unwrap();
    run_with(&input, out.path(), &[]);
    let found = events(out.path());
    let missed: Vec<&[&str]> = checks
        .iter()
        .filter(|(words, from, to)| {
            !found.iter().any(|e| {
                words.iter().all(|w| e.terms.iter().any(|t| t == w))
                    && e.start <= day(to)
                    && e.end >= day(from)
                    && e.end - e.start <= Duration::days(92)
            })
        })
        .map(|(words, _, _)| *words)
        .collect();
    assert!(missed.len() <= 3, "missed {missed:?}");
}
