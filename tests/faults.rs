//! Faults a night can meet, each injected for real: a full disk (a small
//! tmpfs), a read-only cache (a read-only bind mount), SIGTERM and SIGINT
//! mid-run, a post file that vanishes or turns unreadable between the walk
//! and its read, a panic, and `terms` reading while `run` publishes. CI runs
//! as root, so permissions stop nothing: the faults are mounts, signals and
//! the debug build's test-only hooks (`THEME_TRENDS_FAULTS`, see
//! `src/fault.rs`).
//!
//! After each: the previous reports are byte for byte what they were, no
//! staging folder is left, the lock is free (the next run works), and the
//! message names the file and the reason.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{read_csv, run_json, stderr};

const BIN: &str = env!("CARGO_BIN_EXE_theme-trends");

fn cmd(args: &[&str], faults: &str) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .env("THEME_TRENDS_FAULTS", faults)
        .stdin(Stdio::null());
    c
}

fn run(args: &[&str], faults: &str) -> Output {
    cmd(args, faults).output().expect("the binary runs")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The demo archive copied into `dir`.
fn demo_copy(dir: &Path) -> PathBuf {
    let to = dir.join("posts");
    std::fs::create_dir_all(&to).unwrap();
    for e in std::fs::read_dir(common::demo()).unwrap().flatten() {
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
    to
}

/// Every file below `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Staging folders left beside `out`.
fn leftovers(out: &Path) -> Vec<String> {
    let prefix = format!(
        ".{}.theme-trends-tmp-",
        out.file_name().unwrap().to_string_lossy()
    );
    std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&prefix))
        .collect()
}

/// A mount that is undone when dropped.
struct Mount(PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Mounts with `args` at `at`; `None` (skip) when not permitted, which is a
/// failure when CI is set (CI runs as root).
fn mount(args: &[&str], at: &Path) -> Option<Mount> {
    std::fs::create_dir_all(at).unwrap();
    let ok = Command::new("mount")
        .args(args)
        .arg(at)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        if std::env::var_os("CI").is_some() {
            panic!(
                "cannot mount {args:?} at {} although CI is set",
                at.display()
            );
        }
        eprintln!("SKIPPED: cannot mount (not root?)");
        return None;
    }
    Some(Mount(at.to_path_buf()))
}

/// Fills the file system of `dir` but for about `spare` bytes.
fn fill(dir: &Path, spare: u64) {
    let stat = nix_statvfs(dir);
    let free = stat.saturating_sub(spare);
    let f = std::fs::File::create(dir.join("filler")).unwrap();
    use std::io::Write;
    let mut w = std::io::BufWriter::new(f);
    let block = vec![0u8; 4096];
    let mut left = free;
    while left >= 4096 {
        if w.write_all(&block).is_err() {
            break;
        }
        left -= 4096;
    }
    let _ = w.flush();
}

/// Free bytes of the file system of `dir` (`df` would do; this needs no parsing of locales).
fn nix_statvfs(dir: &Path) -> u64 {
    let out = Command::new("stat")
        .args(["-f", "-c", "%a %S"])
        .arg(dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut it = text.split_whitespace().map(|x| x.parse::<u64>().unwrap());
    it.next().unwrap() * it.next().unwrap()
}

#[test]
fn a_full_disk_under_the_reports_fails_cleanly_and_keeps_the_previous_ones() {
    let dir = tempfile::tempdir().unwrap();
    let input = demo_copy(dir.path());
    let mnt = dir.path().join("mnt");
    let Some(_m) = mount(&["-t", "tmpfs", "-o", "size=24m", "tmpfs"], &mnt) else {
        return;
    };
    let out = mnt.join("out");
    let first = run(
        &[
            "run",
            "--input",
            s(&input),
            "--out",
            s(&out),
            "--k",
            "4",
            "--no-charts",
            "-q",
        ],
        "",
    );
    assert!(first.status.success(), "{}", stderr(&first));
    let before = snapshot(&out);
    fill(&mnt, 64 << 10);
    let second = run(
        &[
            "run",
            "--input",
            s(&input),
            "--out",
            s(&out),
            "--k",
            "5",
            "-q",
        ],
        "",
    );
    let err = stderr(&second);
    assert_eq!(second.status.code(), Some(1), "{err}");
    assert!(err.contains("No space left on device"), "{err}");
    assert!(
        err.contains(s(&mnt)) || err.contains("cannot draw chart"),
        "the message names no file: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(snapshot(&out), before, "the previous reports changed");
    assert!(leftovers(&out).is_empty(), "{:?}", leftovers(&out));
    // Room again: the next night works.
    std::fs::remove_file(mnt.join("filler")).unwrap();
    let third = run(
        &[
            "run",
            "--input",
            s(&input),
            "--out",
            s(&out),
            "--k",
            "5",
            "-q",
        ],
        "",
    );
    assert!(third.status.success(), "{}", stderr(&third));
}

#[test]
fn a_full_disk_under_the_cache_fails_cleanly_and_the_cache_still_serves() {
    let dir = tempfile::tempdir().unwrap();
    let input = demo_copy(dir.path());
    let mnt = dir.path().join("cachefs");
    let Some(_m) = mount(&["-t", "tmpfs", "-o", "size=8m", "tmpfs"], &mnt) else {
        return;
    };
    let cache = mnt.join("cache");
    let out = dir.path().join("out");
    let base = [
        "run",
        "--input",
        s(&input),
        "--out",
        s(&out),
        "--cache",
        s(&cache),
        "--no-charts",
        "-q",
    ];
    let with = |extra: &[&'static str]| -> Vec<String> {
        base.iter().chain(extra).map(|x| x.to_string()).collect()
    };
    let args = with(&["--k", "4"]);
    let first = run(&args.iter().map(String::as_str).collect::<Vec<_>>(), "");
    assert!(first.status.success(), "{}", stderr(&first));
    let before = snapshot(&out);
    // New posts to cache, and a disk with no room for them.
    common::write_subject(&input, "space", 0, 30, "2024-05-01", 1);
    fill(&mnt, 8 << 10);
    let args = with(&["--k", "4"]);
    let second = run(&args.iter().map(String::as_str).collect::<Vec<_>>(), "");
    let err = stderr(&second);
    assert_eq!(second.status.code(), Some(1), "{err}");
    assert!(
        err.contains("No space left on device") && err.contains(s(&cache)),
        "{err}"
    );
    assert_eq!(snapshot(&out), before, "the previous reports changed");
    assert!(leftovers(&out).is_empty());
    // No half-written file stays in the cache, and once there is room the
    // cache is used: only the new posts are read.
    let tmp: Vec<_> = walkdir::WalkDir::new(&cache)
        .into_iter()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "tmp"))
        .collect();
    assert!(tmp.is_empty(), "{tmp:?}");
    std::fs::remove_file(mnt.join("filler")).unwrap();
    let third = run(&args.iter().map(String::as_str).collect::<Vec<_>>(), "");
    assert!(third.status.success(), "{}", stderr(&third));
    assert_eq!(run_json(&out)["counts"]["new_or_changed"], 30);
}

#[test]
fn a_read_only_or_unmakeable_cache_folder_costs_the_cache_not_the_night() {
    let dir = tempfile::tempdir().unwrap();
    let input = demo_copy(dir.path());
    let src = dir.path().join("cache-src");
    std::fs::create_dir_all(&src).unwrap();
    let ro = dir.path().join("cache-ro");
    let Some(_m) = mount(&["--bind", "-o", "ro", s(&src)], &ro) else {
        return;
    };
    let out = dir.path().join("out");
    let o = run(
        &[
            "run",
            "--input",
            s(&input),
            "--out",
            s(&out),
            "--cache",
            s(&ro),
            "--k",
            "4",
            "--no-charts",
        ],
        "",
    );
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains(&format!("cannot write the cache in {}", ro.display()))
            && err.contains("Read-only file system")
            && err.contains("keeps no cache"),
        "{err}"
    );
    assert_eq!(run_json(&out)["counts"]["assigned"], 60);
    assert!(
        std::fs::read_dir(&src).unwrap().next().is_none(),
        "something was written"
    );
    // A cache folder that cannot be made (its parent is a file).
    std::fs::write(dir.path().join("a-file"), "x").unwrap();
    let bad = dir.path().join("a-file/cache");
    let o = run(
        &[
            "run",
            "--input",
            s(&input),
            "--out",
            s(&out),
            "--cache",
            s(&bad),
            "--k",
            "4",
            "--no-charts",
        ],
        "",
    );
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("cannot write the cache in") && err.contains("Not a directory"),
        "{err}"
    );
    // A missing one is made.
    let fresh = dir.path().join("new/deep/cache");
    let o = run(
        &[
            "run",
            "--input",
            s(&input),
            "--out",
            s(&out),
            "--cache",
            s(&fresh),
            "--k",
            "4",
            "--no-charts",
            "-q",
        ],
        "",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(fresh.join("store").is_dir());
}

/// Starts a slow run (100 ms a post, one thread) into `out` after a first
/// quick one, and waits until its staging folder exists.
fn slow_run(dir: &Path, faults: &str) -> (PathBuf, BTreeMap<PathBuf, Vec<u8>>, Child) {
    let input = demo_copy(dir);
    let out = dir.join("out");
    let first = run(
        &[
            "run",
            "--input",
            s(&input),
            "--out",
            s(&out),
            "--k",
            "4",
            "--no-charts",
            "-q",
        ],
        "",
    );
    assert!(first.status.success(), "{}", stderr(&first));
    let before = snapshot(&out);
    let child = cmd(
        &[
            "run",
            "--input",
            s(&input),
            "--out",
            s(&out),
            "--k",
            "5",
            "--no-cache",
            "--threads",
            "1",
            "-q",
        ],
        faults,
    )
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let started = Instant::now();
    while leftovers(&out).is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the run never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    (out, before, child)
}

/// Sends `signal` to the child and checks everything a stop must leave.
fn stop_and_check(
    out: &Path,
    before: &BTreeMap<PathBuf, Vec<u8>>,
    mut child: Child,
    signal: &str,
    code: i32,
) {
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args([signal, &pid])
        .status()
        .unwrap()
        .success());
    let sent = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        assert!(
            sent.elapsed() < Duration::from_secs(10),
            "still running 10 s after {signal}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    use std::io::Read;
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(code), "{err}");
    assert!(err.contains("stopped by SIG"), "{err}");
    assert!(
        leftovers(out).is_empty(),
        "staging left: {:?}",
        leftovers(out)
    );
    assert_eq!(&snapshot(out), before, "the previous reports changed");
    // The lock is free and the next run works.
    let input = out.parent().unwrap().join("posts");
    let next = run(
        &[
            "run",
            "--input",
            s(&input),
            "--out",
            s(out),
            "--k",
            "5",
            "--no-charts",
            "-q",
        ],
        "",
    );
    assert!(next.status.success(), "{}", stderr(&next));
}

#[test]
fn sigterm_mid_run_stops_promptly_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let (out, before, child) = slow_run(dir.path(), "slow-post=demo");
    stop_and_check(&out, &before, child, "-TERM", 143);
}

#[test]
fn sigint_mid_run_stops_promptly_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let (out, before, child) = slow_run(dir.path(), "slow-post=demo");
    stop_and_check(&out, &before, child, "-INT", 130);
}

#[test]
fn a_stop_during_a_step_that_does_not_look_is_forced_within_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let input = demo_copy(dir.path());
    let out = dir.path().join("out");
    let first = run(
        &[
            "run",
            "--input",
            s(&input),
            "--out",
            s(&out),
            "--k",
            "4",
            "--no-charts",
            "-q",
        ],
        "",
    );
    assert!(first.status.success(), "{}", stderr(&first));
    let before = snapshot(&out);
    let child = cmd(
        &[
            "run",
            "--input",
            s(&input),
            "--out",
            s(&out),
            "--k",
            "5",
            "--no-cache",
            "-q",
        ],
        "hang-report=report",
    )
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    // Wait until the report stage hangs: the staging folder holds the
    // work folder's segments by then.
    let started = Instant::now();
    while leftovers(&out).len() < 2 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the run never got far"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(1500));
    stop_and_check(&out, &before, child, "-TERM", 143);
}

#[test]
fn a_post_that_vanishes_or_turns_unreadable_after_the_walk_is_rejected_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let input = demo_copy(dir.path());
    let out = dir.path().join("out");
    let o = run(
        &[
            "run",
            "--input",
            s(&input),
            "--out",
            s(&out),
            "--k",
            "4",
            "--no-charts",
            "-q",
        ],
        "vanish-post=demo-007,unreadable-post=demo-011",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let (_, rows) = read_csv(&out.join("rejected.csv"));
    let reason = |name: &str| {
        rows.iter()
            .find(|r| r[0].contains(name))
            .map(|r| r[1].clone())
            .unwrap_or_else(|| panic!("{name} is not rejected: {rows:?}"))
    };
    assert_eq!(
        reason("demo-007"),
        "cannot read the file: No such file or directory (os error 2)"
    );
    assert_eq!(
        reason("demo-011"),
        "cannot read the file: Is a directory (os error 21)"
    );
    let c = &run_json(&out)["counts"];
    assert_eq!(c["posts"], 62);
    assert_eq!(c["assigned"], 58);
}

#[test]
fn a_panic_in_one_post_rejects_that_post_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let input = demo_copy(dir.path());
    let out = dir.path().join("out");
    let o = run(
        &[
            "run",
            "--input",
            s(&input),
            "--out",
            s(&out),
            "--k",
            "4",
            "--no-charts",
            "-q",
        ],
        "panic-post=demo-023",
    );
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        !err.contains("panicked"),
        "the caught panic was printed: {err}"
    );
    let (_, rows) = read_csv(&out.join("rejected.csv"));
    let row = rows
        .iter()
        .find(|r| r[0].ends_with("2024-02-29-demo-023.md"))
        .unwrap_or_else(|| panic!("not rejected: {rows:?}"));
    assert!(
        row[1].starts_with("internal error: fault injected into 2024-02-29-demo-023.md"),
        "{}",
        row[1]
    );
    assert_eq!(run_json(&out)["counts"]["assigned"], 59);
}

#[test]
fn a_panic_outside_any_post_ends_the_run_with_one_line_and_the_previous_reports() {
    let dir = tempfile::tempdir().unwrap();
    let input = demo_copy(dir.path());
    let out = dir.path().join("out");
    let first = run(
        &[
            "run",
            "--input",
            s(&input),
            "--out",
            s(&out),
            "--k",
            "4",
            "--no-charts",
            "-q",
        ],
        "",
    );
    assert!(first.status.success());
    let before = snapshot(&out);
    let o = run(
        &[
            "run",
            "--input",
            s(&input),
            "--out",
            s(&out),
            "--k",
            "5",
            "-q",
        ],
        "panic-report=report",
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: internal error: fault injected into the report stage"),
        "{err}"
    );
    assert!(!err.contains("backtrace:"), "{err}");
    assert_eq!(snapshot(&out), before);
    assert!(leftovers(&out).is_empty());
    // With -v, Rust's own report and its backtrace.
    let o = run(
        &[
            "run",
            "--input",
            s(&input),
            "--out",
            s(&out),
            "--k",
            "5",
            "-v",
        ],
        "panic-report=report",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("stack backtrace:"), "{}", stderr(&o));
    assert_eq!(snapshot(&out), before);
}

#[test]
fn terms_while_run_publishes_answers_from_one_complete_run() {
    let dir = tempfile::tempdir().unwrap();
    let input = demo_copy(dir.path());
    let out = dir.path().join("out");
    let terms = || {
        let o = run(
            &["terms", "--out", s(&out), "春运", "防汛", "出口"],
            "pause-terms=terms",
        );
        assert!(o.status.success(), "{}", stderr(&o));
        String::from_utf8(o.stdout).unwrap()
    };
    fn publish(input: &Path, out: &Path, k: &str) {
        // --fresh: the same k gives the same theme ids, run after run.
        let o = run(
            &[
                "run",
                "--input",
                s(input),
                "--out",
                s(out),
                "--k",
                k,
                "--fresh",
                "--no-charts",
                "-q",
            ],
            "",
        );
        assert!(o.status.success(), "{}", stderr(&o));
    }
    publish(&input, &out, "3");
    let a = terms();
    publish(&input, &out, "4");
    let b = terms();
    assert_ne!(
        a, b,
        "the two runs must answer differently for the test to mean anything"
    );
    let (i, o) = (input.clone(), out.clone());
    let writer = std::thread::spawn(move || {
        for k in ["3", "4", "3", "4", "3", "4"] {
            publish(&i, &o, k);
        }
    });
    let mut answers = 0;
    while !writer.is_finished() {
        let t = terms();
        assert!(t == a || t == b, "an answer from neither run:\n{t}");
        answers += 1;
    }
    writer.join().unwrap();
    assert!(
        answers >= 3,
        "only {answers} answers while the runs published"
    );
}
