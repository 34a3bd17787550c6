//! The sandbox fuzzer, seeded, on stable Rust (see `fuzzing/sandbox_ops.rs`
//! for the operations and the escape oracle). It runs cases for
//! `WCC_FUZZ_SECS` seconds (default 10; CI runs `scripts/fuzz.sh`, about two
//! minutes in all) from seed `WCC_FUZZ_SEED` (default: a fixed one, so a
//! failure reproduces), and fails on the first escape with the case's
//! operations. For long runs: `cargo fuzz run sandbox` in `fuzz/`.

#[path = "fuzzing/sandbox_ops.rs"]
mod sandbox_ops;

use sandbox_ops::{Rng, Stats, run_case};
use std::time::{Duration, Instant};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[test]
fn sandbox_fuzz_no_escape() {
    let secs = env_u64("WCC_FUZZ_SECS", 10);
    let seed = env_u64("WCC_FUZZ_SEED", 0x5eed_0012);
    let t0 = Instant::now();
    let mut st = Stats::default();
    let mut cases = 0u64;
    while t0.elapsed() < Duration::from_secs(secs) {
        let case_seed = seed.wrapping_add(cases).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut rng = Rng(case_seed);
        if let Err(e) = run_case(&mut rng, 40, &mut st) {
            panic!("escape in case {cases} (seed {case_seed:#x}):\n{e}");
        }
        cases += 1;
    }
    println!(
        "sandbox fuzz: {cases} cases, {} operations ({} succeeded) in {:?}, seed {seed:#x}, escapes 0",
        st.ops,
        st.ok,
        t0.elapsed()
    );
    assert!(cases > 0);
}
