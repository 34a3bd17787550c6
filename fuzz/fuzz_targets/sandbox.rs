//! The sandbox fuzzer for long runs: the fuzzer's input chooses the
//! operations (see `sync/tests/fuzzing/sandbox_ops.rs`); an escape panics,
//! which libFuzzer reports with the input that caused it.
#![no_main]

#[path = "../../sync/tests/fuzzing/sandbox_ops.rs"]
mod sandbox_ops;

use libfuzzer_sys::fuzz_target;
use sandbox_ops::{Bytes, Stats, run_case};

fuzz_target!(|data: &[u8]| {
    let mut st = Stats::default();
    if let Err(e) = run_case(&mut Bytes(data), 64, &mut st) {
        panic!("sandbox escape:\n{e}");
    }
});
