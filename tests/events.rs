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

#[allow(dead_code)]
#[derive(Debug, Clone)]
struct Event {
    id: String,
    parent: String,
    start: NaiveDate,
    end: NaiveDate,
    peak: NaiveDate,
    broke: String,
    posts: usize,
    outlets: usize,
    score: f64,
    terms: Vec<String>,
    titles: Vec<String>,
}

fn events(out: &Path) -> Vec<Event> {
    let (h, rows) = common::read_csv(&out.join("events.csv"));
    assert_eq!(
        h,
        [
            "event_id",
            "parent_event_id",
            "theme_id",
            "label",
            "start",
            "end",
            "peak_day",
            "peak_period",
            "broke_at",
            "hours",
            "posts",
            "outlets",
            "score",
            "top_terms",
            "representative_titles"
        ]
    );
    rows.iter()
        .map(|r| Event {
            id: r[0].clone(),
            parent: r[1].clone(),
            start: day(&r[4]),
            end: day(&r[5]),
            peak: day(&r[6]),
            broke: r[8].clone(),
            posts: r[10].parse().unwrap(),
            outlets: r[11].split(';').filter(|o| !o.is_empty()).count(),
            score: r[12].parse().unwrap(),
            terms: r[13].split(';').map(str::to_string).collect(),
            titles: r[14].split(" | ").map(str::to_string).collect(),
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
            .unwrap_or_else(|| {
                panic!(
                    "no {word} event in {year}: {:?}",
                    with(events, word)
                        .iter()
                        .map(|e| (e.start, e.end, e.posts, &e.terms))
                        .collect::<Vec<_>>()
                )
            })
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

/// A post of a synthetic flash feed.
struct Flash {
    at: chrono::NaiveDateTime,
    title: String,
    text: String,
    outlet: &'static str,
}

const OUTLETS: [&str; 3] = ["甲讯", "乙报", "丙社"];
const BACKGROUND: [&str; 6] = ["travel", "flood", "trade", "space", "farm", "health"];
/// A state visit on one day, told by three outlets over the morning.
const VISIT: [&str; 3] = ["武契奇", "塞尔维亚", "国事访问"];
/// An earthquake on the same day.
const QUAKE: [&str; 3] = ["菲律宾", "强震", "震源"];
/// A tournament of six weeks.
const CUP: [&str; 2] = ["羽毛球", "锦标赛"];
/// A common word, alone.
const COMMON: &str = "调解";

fn at(d: NaiveDate, minute: u32) -> chrono::NaiveDateTime {
    d.and_hms_opt(minute / 60 % 24, minute % 60, 0).unwrap()
}

/// A dense feed: 120 background posts a day from 2026-03-02 for `days`
/// days, by three outlets around the clock, and the stories of `stories`.
fn feed(days: i64, stories: impl Fn(i64, NaiveDate, &mut Vec<Flash>, &mut usize)) -> Vec<Flash> {
    let first = day("2026-03-02");
    let mut rows = Vec::new();
    let mut n = 0usize;
    for i in 0..days {
        let d = first + Duration::days(i);
        for j in 0..120u32 {
            n += 1;
            let key = BACKGROUND[n % BACKGROUND.len()];
            let (title, text) = common::subject_text(common::subject(key), n);
            rows.push(Flash {
                at: at(d, j * 12),
                title,
                text,
                outlet: OUTLETS[n % 3],
            });
        }
        stories(i, d, &mut rows, &mut n);
    }
    rows
}

/// A story's post: its words in the title and text, over background text.
fn story(rows: &mut Vec<Flash>, n: &mut usize, at: chrono::NaiveDateTime, words: &[&str]) {
    *n += 1;
    let key = BACKGROUND[*n % BACKGROUND.len()];
    let (title, text) = common::subject_text(common::subject(key), *n);
    rows.push(Flash {
        at,
        title: format!("{}{title}", words.join("")),
        text: format!("{}，{text}", words.join("，")),
        outlet: OUTLETS[*n % 3],
    });
}

/// Writes the feed's posts up to `until` (inclusive) as a flash table.
fn write_feed(path: &Path, rows: &[Flash], until: chrono::NaiveDateTime) {
    let mut t = String::from("date\ttitle\ttext\tsource\n");
    for r in rows.iter().filter(|r| r.at <= until) {
        t.push_str(&format!(
            "{}\t{}\t{}\t{}\n",
            r.at.format("%Y-%m-%d %H:%M:%S"),
            r.title,
            r.text,
            r.outlet
        ));
    }
    std::fs::write(path, t).unwrap();
}

/// The feed of the flash tests: 100 days; the visit and the quake on day
/// 40 (2026-04-11), with three roundups that day holding both and the
/// tournament; the tournament on days 20–61, three posts a day; the
/// common word in 15 posts of day 80 from every outlet.
fn flash_feed() -> Vec<Flash> {
    feed(100, |i, d, rows, n| {
        if i == 40 {
            for k in 0..12 {
                story(rows, n, at(d, 8 * 60 + k * 35), &VISIT);
                story(rows, n, at(d, 9 * 60 + k * 30), &QUAKE);
            }
            for k in 0..3 {
                // Titles that no list of roundup titles holds.
                let mut words: Vec<&str> = vec!["晚间速览"];
                words.extend(VISIT);
                words.extend(QUAKE);
                words.extend(CUP);
                story(rows, n, at(d, 20 * 60 + k * 10), &words);
            }
        }
        if (20..62).contains(&i) {
            for k in 0..3 {
                story(rows, n, at(d, 14 * 60 + k * 100), &CUP);
            }
        }
        if i == 80 {
            for k in 0..15 {
                story(rows, n, at(d, 6 * 60 + k * 50), &[COMMON]);
            }
        }
    })
}

/// The events of a run (`--k 6`) on all of `rows`.
fn events_of_feed(rows: &[Flash]) -> Vec<Event> {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("feed.tsv");
    write_feed(&input, rows, at(day("2026-12-31"), 0));
    let out = dir.path().join("out");
    run_with(&input, &out, &["--k", "6"]);
    events(&out)
}

/// The value of `column` in each row of a CSV file, by the header.
fn column(out: &Path, file: &str, name: &str) -> Vec<String> {
    let (h, rows) = common::read_csv(&out.join(file));
    let i = h
        .iter()
        .position(|c| c == name)
        .unwrap_or_else(|| panic!("{file}: no {name}"));
    rows.into_iter().map(|mut r| r.swap_remove(i)).collect()
}

#[test]
fn a_flash_feed_has_its_stories_by_the_day_and_no_roundup_or_lone_word_is_an_event() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("feed.tsv");
    write_feed(&input, &flash_feed(), at(day("2026-12-31"), 0));
    let out = dir.path().join("out");
    run_with(&input, &out, &["--k", "6"]);
    let found = events(&out);
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(run["events"]["unit"], "day", "{}", run["events"]);

    // The one-day stories: dated to their day, from three outlets, broke
    // in the morning.
    let visit_day = day("2026-04-11");
    for words in [&VISIT[..], &QUAKE[..]] {
        let e = with(&found, words[0]);
        assert_eq!(
            e.len(),
            1,
            "{words:?}: {:?}",
            e.iter().map(|e| (&e.id, e.start)).collect::<Vec<_>>()
        );
        let e = e[0];
        assert_eq!(
            (e.start, e.end, e.peak),
            (visit_day, visit_day, visit_day),
            "{words:?}"
        );
        assert_eq!(e.posts, 12, "{words:?}");
        assert_eq!(e.outlets, 3, "{words:?}");
        assert!(
            e.broke.starts_with("2026-04-11 0"),
            "{words:?} broke {}",
            e.broke
        );
        assert!(
            e.titles.iter().all(|t| !t.contains("晚间速览")),
            "{:?}",
            e.titles
        );
    }

    // The tournament: one event (parts of it may be its children), over
    // its six weeks, holding nearly all its posts.
    let cup: Vec<&Event> = with(&found, CUP[1])
        .into_iter()
        .chain(with(&found, CUP[0]))
        .filter(|e| e.parent.is_empty())
        .collect();
    let ids: HashSet<&str> = cup.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), 1, "rival tournament events {ids:?}");
    let e = cup[0];
    assert!(
        e.start <= day("2026-03-25") && e.end >= day("2026-04-28"),
        "{}..{}",
        e.start,
        e.end
    );
    let cup_posts = 42 * 3;
    assert!(
        e.posts * 10 >= cup_posts * 8,
        "{} of {cup_posts} posts",
        e.posts
    );

    // The roundups join no event, and run.json counts them.
    let titles = column(&out, "assignments.csv", "title");
    let event_ids = column(&out, "assignments.csv", "event_id");
    let roundups: Vec<&String> = titles
        .iter()
        .zip(&event_ids)
        .filter(|(t, _)| t.starts_with("晚间速览"))
        .map(|(_, e)| e)
        .collect();
    assert_eq!(roundups.len(), 3);
    assert!(
        roundups.iter().all(|e| e.is_empty()),
        "roundups in events {roundups:?}"
    );
    assert!(
        run["events"]["roundups"].as_u64().unwrap() >= 3,
        "{}",
        run["events"]
    );

    // A common word that bursts alone is no event, and its posts are in
    // none.
    assert!(with(&found, COMMON).is_empty(), "{COMMON} is an event");
    let lone: Vec<&String> = titles
        .iter()
        .zip(&event_ids)
        .filter(|(t, e)| t.starts_with(COMMON) && !e.is_empty())
        .map(|(_, e)| e)
        .collect();
    assert!(lone.is_empty(), "{COMMON} posts in events {lone:?}");

    // The morning lists: digest.md names the latest day and the week.
    let digest = std::fs::read_to_string(out.join("digest.md")).unwrap();
    assert!(digest.contains("## 2026-06-09"), "{digest}");
    assert!(
        digest.contains("## The week 2026-06-03 – 2026-06-09"),
        "{digest}"
    );
}

/// The events are counted over the posts kept in memory; when they do
/// not fit, over the results read again each time. Either way the same.
#[test]
fn the_events_are_the_same_whether_their_posts_fit_in_memory_or_not() {
    if !cfg!(debug_assertions) {
        eprintln!("the memory limit is a hook of debug builds only");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("feed.tsv");
    write_feed(&input, &flash_feed(), at(day("2026-12-31"), 0));
    let outputs: Vec<std::path::PathBuf> = ["in-memory", "from-disk"]
        .iter()
        .map(|name| {
            let out = dir.path().join(name);
            let o = std::process::Command::new(env!("CARGO_BIN_EXE_theme-trends"))
                .args(["run", "--input", input.to_str().unwrap(), "--out"])
                .arg(&out)
                .args(["--k", "6", "--no-charts", "-q"])
                .env(
                    "THEME_TRENDS_FAULTS",
                    if *name == "from-disk" {
                        "events-over-budget=events"
                    } else {
                        ""
                    },
                )
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", common::stderr(&o));
            out
        })
        .collect();
    let found = events(&outputs[0]);
    assert!(found.len() >= 3, "{} events", found.len());
    for file in ["events.csv", "rising_terms.csv", "assignments.csv"] {
        let read = |o: &Path| std::fs::read_to_string(o.join(file)).unwrap();
        assert_eq!(read(&outputs[0]), read(&outputs[1]), "{file}");
    }
    let pages = |o: &Path| -> Vec<(String, String)> {
        let mut p: Vec<(String, String)> = std::fs::read_dir(o.join("events"))
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read_to_string(e.path()).unwrap(),
                )
            })
            .collect();
        p.sort();
        p
    };
    assert_eq!(pages(&outputs[0]), pages(&outputs[1]));
}

#[test]
fn a_flash_event_keeps_its_id_while_it_grows_over_three_nights() {
    // A story that starts on day 30 (2026-04-01) with 6 posts, then 10 and
    // 14: its peak moves by a day each night.
    let rows = feed(34, |i, d, rows, n| {
        let posts = match i {
            30 => 6,
            31 => 10,
            32 => 14,
            _ => 0,
        };
        for k in 0..posts {
            story(rows, n, at(d, 7 * 60 + k * 40), &VISIT);
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("feed.tsv");
    let out = dir.path().join("out");
    let mut seen = Vec::new();
    for night in ["2026-04-01", "2026-04-02", "2026-04-03"] {
        let now = format!("{night} 23:30");
        write_feed(&input, &rows, at(day(night), 23 * 60));
        run_with(&input, &out, &["--k", "6", "--now", &now]);
        let found = events(&out);
        let e = with(&found, VISIT[0]);
        assert_eq!(e.len(), 1, "night {night}");
        seen.push((e[0].id.clone(), e[0].posts, e[0].peak));
    }
    assert!(seen.iter().all(|s| s.0 == seen[0].0), "ids {seen:?}");
    // The morning's day is the latest before the run's own day, even when
    // the feed already holds posts of a later one.
    write_feed(&input, &rows, at(day("2026-04-02"), 23 * 60));
    run_with(&input, &out, &["--k", "6", "--now", "2026-04-01 23:30"]);
    let events = &common::run_json(&out)["events"];
    assert_eq!(events["latest_complete_day"], "2026-03-31", "{events}");
    assert_eq!(events["latest_day_partial"], true, "{events}");
    assert_eq!(
        seen.iter().map(|s| (s.1, s.2)).collect::<Vec<_>>(),
        [
            (6, day("2026-04-01")),
            (16, day("2026-04-02")),
            (30, day("2026-04-03"))
        ]
    );
}

/// The text between the first `from` and the next `to` after it.
fn between<'a>(s: &'a str, from: &str, to: &str) -> &'a str {
    let a = s.find(from).unwrap_or_else(|| panic!("no {from}")) + from.len();
    let b = s[a..].find(to).map_or(s.len(), |b| a + b);
    &s[a..b]
}

#[test]
fn the_morning_page_lists_the_latest_complete_day_and_week_in_chromium() {
    let Some(browser) = common::chromium_or_skip() else {
        return;
    };
    // The run takes place at 06:00 on the day after the visit.
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("feed.tsv");
    let now = at(day("2026-04-12"), 6 * 60);
    write_feed(&input, &flash_feed(), now);
    let out = dir.path().join("out");
    run_with(&input, &out, &["--k", "6", "--now", "2026-04-12 06:00"]);
    let page = out.join("index.html");
    let dom = common::headless(
        &browser,
        &dir.path().join("profile"),
        &["--dump-dom".into(), format!("file://{}", page.display())],
    );
    // The latest complete day, then the partial one, then the week.
    let (d, p, w) = (
        dom.find("id=\"latest-day\"").expect("a latest day"),
        dom.find("id=\"partial-day\"").expect("a partial day"),
        dom.find("id=\"latest-week\"").expect("a week"),
    );
    assert!(d < p && p < w);
    assert!(between(&dom, "id=\"latest-day\">", "</h3>").contains("2026-04-11"));
    assert!(between(&dom, "id=\"partial-day\">", "</h3>").contains("partial"));
    let found = events(&out);
    for (list, want) in [("day-events", 2), ("week-events", 2)] {
        let html = between(&dom, &format!("id=\"{list}\""), "</ol>");
        let items: Vec<&str> = html.split("<li data-event=").skip(1).collect();
        assert!(
            items.len() >= want && items.len() <= 10,
            "{list}: {}",
            items.len()
        );
        // Ranked by score, each linked to its page, with its sparkline.
        let scores: Vec<f64> = items
            .iter()
            .map(|i| between(i, "data-score=\"", "\"").parse().unwrap())
            .collect();
        assert!(
            scores.windows(2).all(|w| w[0] >= w[1]),
            "{list}: {scores:?}"
        );
        for item in &items {
            let id = between(item, "\"", "\"");
            let href = format!("events/event_{id}.html");
            assert!(item.contains(&format!("href=\"{href}\"")), "{item}");
            assert!(out.join(&href).is_file(), "{href}");
            assert!(
                item.contains("<svg class=\"spark\""),
                "no sparkline: {item}"
            );
            let e = found
                .iter()
                .find(|e| e.id == id)
                .expect("listed event in events.csv");
            assert!(item.contains(&format!("{} posts", e.posts)), "{item}");
        }
        for words in [&VISIT[..], &QUAKE[..]] {
            let id = &with(&found, words[0])[0].id;
            assert!(
                items.iter().any(|i| i.starts_with(&format!("\"{id}\""))),
                "{list} lacks {words:?}"
            );
        }
    }
    assert!(
        dom.contains("href=\"events/index.html\""),
        "no link to the full list"
    );
    let digest = std::fs::read_to_string(out.join("digest.md")).unwrap();
    assert!(digest.contains("## 2026-04-11"), "{digest}");
    assert!(
        digest.contains("(partial: the day was not over)"),
        "{digest}"
    );
}

/// Day 40 (2026-04-11) of a feed where `word` turns up every fourth day
/// before: 20 posts hold only `word`, 8 more `word` and `党首`, a word of
/// that day alone. The event of `党首`, as the reports give it.
fn race_with(word: &str) -> Event {
    const RACE: &str = "党首";
    let rows = feed(60, |i, d, rows, n| {
        if i % 4 == 1 && i != 41 {
            story(rows, n, at(d, 10 * 60), &[word]);
        }
        if i == 40 {
            for k in 0..20 {
                story(rows, n, at(d, 6 * 60 + k * 40), &[word]);
            }
            for k in 0..8 {
                story(rows, n, at(d, 7 * 60 + k * 70), &[RACE, word]);
            }
        }
    });
    let found = events_of_feed(&rows);
    let race = with(&found, RACE);
    assert_eq!(race.len(), 1, "{found:?}");
    let e = race[0].clone();
    assert!(e.terms.iter().any(|t| t == word), "{e:?}");
    assert_eq!((e.start, e.end), (day("2026-04-11"), day("2026-04-11")));
    e
}

/// A leader's resignation: the race for his successor (`党首`) seeds the
/// story, his name (`约翰逊`) joins it; the posts that name only him are
/// the story too. A common word in his place (`杠杆`) joins the story but
/// takes no post in alone.
#[test]
fn a_name_that_joins_a_rarer_seed_takes_its_posts_into_the_story() {
    let e = race_with("约翰逊");
    assert!(e.posts >= 26, "{} of 28 posts: {e:?}", e.posts);
    let e = race_with("杠杆");
    assert!(
        e.posts <= 10,
        "{} posts: a common word took posts in: {e:?}",
        e.posts
    );
}

/// A jobs report: on day 40 (2026-04-11), a busy day of 1,000 posts, 15
/// posts hold `非农`, a common word, and all of them `就业`, a word of one
/// post in 25 on every day (so it does not burst: most of that day's
/// `就业` posts are about other things). One common word bursting is no
/// event by itself, but its posts agreeing on a second unusual word is.
#[test]
fn a_common_word_whose_posts_agree_on_a_second_word_is_an_event() {
    const WORD: &str = "非农";
    const COMPANION: &str = "就业";
    let rows = feed(60, |i, d, rows, n| {
        let extra = if i == 40 { 880 } else { 0 };
        for k in 0..(120 + extra) / 25 {
            story(rows, n, at(d, (k * 7) as u32 % 1440), &[COMPANION]);
        }
        for k in 0..extra {
            story(rows, n, at(d, (k * 3) as u32 % 1440), &[]);
        }
        if i == 40 {
            for k in 0..15 {
                story(rows, n, at(d, 21 * 60 + k * 4), &[WORD, COMPANION]);
            }
        }
    });
    let found = events_of_feed(&rows);
    let e = with(&found, WORD);
    assert_eq!(e.len(), 1, "{found:?}");
    assert_eq!(e[0].peak, day("2026-04-11"), "{:?}", e[0]);
    assert!(e[0].posts >= 14, "{:?}", e[0]);
}
