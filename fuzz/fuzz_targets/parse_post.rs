//! Fuzz target for the post parser: `parse_post` (front matter, date, body),
//! `parse_date`, `html_to_text` and `remove_boilerplate`.
//!
//! The input format and every invariant checked are in `../src/check.rs`,
//! which `tests/fuzz_regressions.rs` replays saved inputs through.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../src/check.rs"]
mod check;

fuzz_target!(|data: &[u8]| {
    check::check(data);
});
