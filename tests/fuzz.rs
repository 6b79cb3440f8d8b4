//! Fuzzing in layers (STYLE.md): bytes and tokens into the parser, source through check and
//! run on every engine, and data rows into the loaders. Each target is one test function over
//! generated inputs (tests/fuzz/harness.rs): every input runs under `catch_unwind` and a time
//! bound, and the run counts panics, broken invariants and hangs instead of stopping at the
//! first. A plain `cargo test` runs a fixed-seed slice (a few thousand inputs); long runs set
//! the number of inputs per target and the seed in the environment:
//!
//! ```text
//! SEG_FUZZ_CASES=1000000 cargo test --release --test all fuzz::fuzz_ -- --nocapture --test-threads=1
//! SEG_FUZZ_SEED=7 SEG_FUZZ_CASES=100000 cargo test --release --test all fuzz::fuzz_loaders -- --nocapture
//! SEG_FUZZ_SEED=7 SEG_FUZZ_FROM=4242 SEG_FUZZ_CASES=1 cargo test --test all fuzz::fuzz_loaders -- --nocapture
//! ```
//!
//! `SEG_FUZZ_HANG_MS` is the time bound of one input (2,000 ms in release builds);
//! `SEG_FUZZ_ABORT_S` ends the process with the case's number when one input runs that long.
//! Failures once found are plain tests at the end of this file.

#[path = "fuzz/harness.rs"]
mod harness;
#[path = "fuzz/rows.rs"]
mod rows;
#[path = "fuzz/run.rs"]
mod run;
#[path = "fuzz/source.rs"]
mod source;

use crate::differential::{data, model, program};

use harness::fuzz;
use source::{check_bytes, describe_bytes, Source};

#[test]
fn fuzz_parser() {
    fuzz(
        "parser",
        700,
        &source::source(),
        |s| describe_bytes(&s.bytes()),
        |s| check_bytes(&s.bytes()),
    );
}

#[test]
fn fuzz_check_and_run() {
    fuzz(
        "check and run",
        300,
        &run::program(),
        run::describe,
        run::check_and_run,
    );
}

#[test]
fn fuzz_loaders() {
    fuzz(
        "loaders",
        1_500,
        &rows::data_file(),
        rows::describe,
        rows::load_rows,
    );
}

/// Inputs that once made the front end fail (from the former proptest regressions file).
#[test]
fn random_bytes_that_are_not_utf8_check_without_a_panic() {
    let bytes: &[u8] = &[
        184, 50, 244, 167, 240, 198, 66, 226, 27, 122, 168, 91, 237, 193, 232, 78, 115, 238, 241,
        21, 130, 196, 40, 212, 116, 119, 235, 165, 126, 105, 89, 247, 199, 164, 245, 245, 66, 137,
        136, 146, 150, 156, 100, 93, 24, 165, 33, 57, 42, 205, 216, 172, 154, 63, 124, 89, 153, 56,
        35, 202, 175, 164, 21, 91, 190, 113, 15, 156, 54, 142, 226, 21, 226, 212, 34, 113, 109,
        203, 110, 150, 1, 184, 65, 146, 141, 78, 62, 59, 190, 32, 64, 80, 180, 8, 170, 223, 49,
        193, 113, 31, 244, 26, 77, 203, 34, 161, 202, 167, 167, 59, 125, 103, 14, 53, 117, 148,
        217, 50, 232, 38, 215, 213, 1, 104, 218, 113, 218, 212, 230, 235, 106, 35, 177, 4, 55, 216,
        122, 225, 245, 191, 71, 35, 61, 197, 206, 131, 29, 1, 105, 145, 62, 36, 27, 217, 71, 3,
        197, 106, 192, 168, 113, 178, 59, 109, 93, 251, 49, 233, 27, 193, 241, 42, 135, 114, 55, 3,
        80, 1, 133, 246, 81, 145, 18, 118, 71, 143, 214, 73, 139, 242, 26, 34, 214, 148, 229, 159,
        107, 13, 104, 227, 144, 157, 140, 66, 216, 171, 144, 79, 238, 120, 177, 199, 105, 85, 49,
        20, 146, 62, 68, 92, 233, 166, 89, 217, 162,
    ];
    assert_eq!(check_bytes(bytes), Ok("diagnostics"));
}

#[test]
fn an_example_file_with_a_byte_that_is_not_utf8_checks_without_a_panic() {
    let input = Source::Mutated(102_541_077_172_122_606, vec![(1, 0, vec![128])]);
    assert_eq!(check_bytes(&input.bytes()), Ok("diagnostics"));
}

/// A small Parquet file with one byte changed makes the parquet crate (59.3) panic in its
/// column decoder ("Decoder for dict should have been set", column/reader/decoder.rs:213) on
/// the loader's decoding thread: the loader reports a corrupt file instead.
#[test]
fn a_parquet_file_with_a_corrupt_dictionary_page_is_an_error_not_a_panic() {
    let file = rows::DataFile::corrupt_parquet(1, vec![(13_625_764_147_034_291_333, 68)]);
    assert!(matches!(rows::load_rows(&file), Ok("rejected whole")));
}
