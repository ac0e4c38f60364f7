//! Replays every saved fuzz input in `tests/fuzz_regressions/` through the
//! same checks as the `parse_post` fuzz target (`fuzz/src/check.rs`, included
//! here as a module), so a crash or broken invariant the fuzzer once found
//! stays fixed. Add a file by dropping the raw input there (`fuzz/run.sh`
//! does it for every crash it finds); the format is in that folder's README.

#[path = "../fuzz/src/check.rs"]
mod check;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Seconds one saved input may take before it counts as a hang, as
/// `tests/fuzz_regressions/README.md` documents (the fuzzer's own limit, on
/// a build 5-10 times slower).
const TIME_LIMIT_SECS: u64 = 5;
/// Address space one replay may use, in KiB (`ulimit -v`), so that a saved
/// out-of-memory input fails this test instead of exhausting the machine.
const MEMORY_LIMIT_KIB: u64 = 1024 * 1024;
/// Set, in the child process, to the input [`replay_one_input`] replays.
const INPUT_VAR: &str = "FUZZ_REGRESSION_INPUT";

/// Every file of `rel` (sorted, README.md skipped), each replayed in a child
/// process with a time and memory limit; returns how many there were and
/// one line per failure.
fn replay_all(rel: &str) -> (usize, Vec<String>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("readable folder entry").path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    files.sort();
    let failed = files
        .iter()
        .filter_map(|path| replay_in_child(path).err())
        .collect();
    (files.len(), failed)
}

/// Runs [`replay_one_input`] on `path` in a fresh copy of this test binary.
fn replay_in_child(path: &Path) -> Result<(), String> {
    let exe = std::env::current_exe().expect("path of the test binary");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {MEMORY_LIMIT_KIB} && exec \"$0\" \"$@\""
        ))
        .arg(exe)
        .args([
            "replay_one_input",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(INPUT_VAR, path)
        .env("RUST_BACKTRACE", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the replay process");
    // Read both pipes on threads so a chatty child never blocks on a full
    // pipe.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("piped stdout")));
    let reader = drain(Box::new(child.stderr.take().expect("piped stderr")));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the replay") {
            break Some(status);
        }
        if start.elapsed() > Duration::from_secs(TIME_LIMIT_SECS) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = reader.join().unwrap_or_default();
    let stdout = stdout.join().unwrap_or_default();
    let name = path.display();
    match status {
        // The child must really have run the one replay test: a filter
        // that matches nothing also exits with success.
        Some(s) if s.success() => exactly_one_test_ran(&stdout)
            .map_err(|why| format!("{name}: {why}; the child's output:\n{stdout}")),
        None => Err(format!(
            "{name}: took more than {TIME_LIMIT_SECS} s (a hang)"
        )),
        Some(s) => {
            let why: Vec<&str> = stderr
                .lines()
                .skip_while(|l| !l.contains("panicked at") && !l.contains("memory allocation"))
                .filter(|l| !l.starts_with("note: "))
                .take(4)
                .collect();
            let why = if why.is_empty() {
                format!("exited with {s}")
            } else {
                why.join("\n    ")
            };
            Err(format!("{name}: {why}"))
        }
    }
}

/// Whether libtest's output says that exactly one test ran and passed.
fn exactly_one_test_ran(stdout: &str) -> Result<(), String> {
    let ran = stdout.lines().any(|l| l.trim() == "running 1 test");
    let passed = stdout
        .lines()
        .any(|l| l.starts_with("test result: ok. 1 passed; 0 failed;"));
    if ran && passed {
        Ok(())
    } else {
        Err("the replay process did not run exactly one test".into())
    }
}

/// The child side of [`replay_in_child`]: checks the one input named by
/// `FUZZ_REGRESSION_INPUT`. Ignored in a normal run.
#[test]
#[ignore = "run by the other tests, in a child process, on one saved input"]
fn replay_one_input() {
    let Some(path) = std::env::var_os(INPUT_VAR) else {
        return;
    };
    let data = std::fs::read(&path).expect("readable input");
    check::check(&data);
}

#[test]
fn a_replay_counts_only_when_exactly_one_test_ran() {
    let one = "\nrunning 1 test\ntest replay_one_input ... ok\n\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 4 filtered out; finished in 0.01s\n";
    assert_eq!(exactly_one_test_ran(one), Ok(()));
    let none = "\nrunning 0 tests\n\ntest result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 5 filtered out; finished in 0.00s\n";
    assert!(exactly_one_test_ran(none).is_err());
    let two = "\nrunning 2 tests\ntest a ... ok\ntest b ... ok\n\ntest result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 3 filtered out; finished in 0.01s\n";
    assert!(exactly_one_test_ran(two).is_err());
}

#[test]
fn saved_fuzz_inputs_pass_every_check() {
    let (n, failed) = replay_all("tests/fuzz_regressions");
    eprintln!("{n} saved fuzz inputs replayed");
    assert!(
        failed.is_empty(),
        "{} of {n} saved fuzz input(s) fail:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

/// The header decoding documented in the README, on hand-written inputs.
#[test]
fn input_header_picks_format_and_file_name() {
    use theme_trends::ingest::BodyFormat;
    let i = check::decode_input(b"m2022-09-24-a.md\n---\ntitle: t\n---\nx");
    assert_eq!(i.format, BodyFormat::Markdown);
    assert_eq!(i.file_name, "2022-09-24-a.md");
    assert_eq!(i.content, b"---\ntitle: t\n---\nx");
    let i = check::decode_input(b"hpost.html\n<p>x</p>");
    assert_eq!(i.format, BodyFormat::Html);
    assert_eq!(i.file_name, "post.html");
    let i = check::decode_input(b"");
    assert_eq!(
        (i.format, i.file_name.as_str(), i.content),
        (BodyFormat::Markdown, "", &b""[..])
    );
    let i = check::decode_input(b"\x02\xffname");
    assert_eq!(i.format, BodyFormat::Html);
    assert_eq!(i.file_name, "\u{fffd}name");
    assert!(i.content.is_empty());
}

/// The fuzzer's seed corpus (valid and invalid posts written by hand)
/// passes too, so the checks themselves are exercised on every test run.
#[test]
fn seed_corpus_passes_every_check() {
    let (n, failed) = replay_all("fuzz/corpus/parse_post");
    assert!(n > 0, "no seeds in fuzz/corpus/parse_post");
    assert!(
        failed.is_empty(),
        "{} of {n} seed(s) fail:\n{}",
        failed.len(),
        failed.join("\n")
    );
}
