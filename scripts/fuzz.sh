#!/usr/bin/env bash
# Bounded fuzz runs for CI (about two minutes on 2 cores): the seeded sandbox
# fuzzer with its escape oracle, and the ABI fuzzer on every backend. Longer
# local runs: WCC_FUZZ_SECS=600 bash scripts/fuzz.sh, or `cargo fuzz run
# sandbox` in fuzz/ (nightly). A new seed each run explores more; the seed
# is printed, and a failure names the case to replay.
#
# One cargo invocation for both packages: building the sync crate's tests
# alone would unify features differently and rebuild Wasmtime.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${WCC_FUZZ_SECS:-60}"
seed="${WCC_FUZZ_SEED:-$(date +%s)}"
echo "fuzz: sandbox for ${secs}s and the ABI fuzzer, seed ${seed}"
WCC_FUZZ_SECS="$secs" WCC_FUZZ_SEED="$seed" \
WCC_ABI_FUZZ_SEED="$seed" WCC_ABI_FUZZ_CALLS="${WCC_ABI_FUZZ_CALLS:-8000}" \
    cargo test --release -p wasi-common-compat-sync -p wasi-common-compat-tests \
    --test fuzz_sandbox --test reliability -- --nocapture fuzz
