#!/usr/bin/env bash
# Runs a real crate's threaded test suite, built for wasm32-wasip1-threads,
# with the release `wasi-compat` as cargo's runner
# (CARGO_TARGET_WASM32_WASIP1_THREADS_RUNNER). Fails on any test failure.
#
# The crate: crossbeam-channel (pinned below). Its tests spawn threads,
# block on channels, park/unpark, sleep, time out and select; libtest runs
# the tests of one binary one at a time on wasm (no test threads there), so
# the test binaries run in concurrent groups to keep the wall time down.
#
# Nothing fetched is kept in the repository: cargo downloads the crate into
# its own cache, the source is copied to a temporary directory, and the
# build goes to <target>/real-crate-threads.
#
# Changes to the copy and skipped tests (things the target lacks):
# - the dev-dependency `signal-hook` is removed from the manifest: it does
#   not build for WASI (no Unix signals) and only `examples/stopwatch.rs`
#   uses it; examples are not built (`--tests`, `--doc`).
# - `array::panic_on_drop` is skipped: it catches a panic with
#   `catch_unwind`, and the target's std aborts on panic (no unwinding).
# - the two `#[should_panic]` tests of `select_macro` are reported as
#   ignored by libtest itself (panic = abort).
set -euo pipefail

CRATE=crossbeam-channel
VERSION=0.5.17
TRIPLE=wasm32-wasip1-threads
SKIPS=(panic_on_drop)
# Test targets per concurrent group (about one minute of tests each).
TEST_GROUPS=(
    "--test select_macro"
    "--test select --test after --test tick --test golang --test never --test iter --test same_channel --test thread_locals --lib"
    "--test zero --test array"
    "--test ready --test list --test mpsc"
    "--doc"
)

repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
start=$(date +%s)
bash scripts/setup.sh >/dev/null

# The runner: the release CLI (a no-op build after `cargo test --release`).
cargo build --release --quiet -p wasi-compat
target_root="${CARGO_TARGET_DIR:-$repo/target}"
case "$target_root" in /*) ;; *) target_root="$repo/$target_root" ;; esac
runner="$target_root/release/wasi-compat"
[ -x "$runner" ] || { echo "real-crate-threads: no $runner" >&2; exit 1; }

work="$(mktemp -d -t wcc-real-crate.XXXXXX)"
trap 'rm -rf "$work"' EXIT

# Fetch the crate through a throwaway project that depends on it.
mkdir -p "$work/fetch/src"
cat >"$work/fetch/Cargo.toml" <<EOF
[package]
name = "fetch-$CRATE"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
$CRATE = "=$VERSION"

[workspace]
EOF
: >"$work/fetch/src/lib.rs"
cargo fetch --quiet --manifest-path "$work/fetch/Cargo.toml"
manifest=$(cargo metadata --format-version 1 --manifest-path "$work/fetch/Cargo.toml" \
    | grep -o "\"manifest_path\":\"[^\"]*/$CRATE-$VERSION/Cargo.toml\"" | head -1 | cut -d'"' -f4)
[ -f "$manifest" ] || { echo "real-crate-threads: cannot find the source of $CRATE $VERSION" >&2; exit 1; }

src="$work/$CRATE"
cp -R "$(dirname "$manifest")" "$src"
chmod -R u+w "$src"
# Its own workspace (not the enclosing one, if any), without signal-hook.
printf '\n[workspace]\n' >>"$src/Cargo.toml"
sed -i '/^\[dev-dependencies\.signal-hook\]$/,/^\[/{/^\[dev-dependencies\.signal-hook\]$/d;/^\[/!d}' "$src/Cargo.toml"
if grep -q signal-hook "$src/Cargo.toml"; then
    echo "real-crate-threads: could not remove signal-hook from the manifest" >&2
    exit 1
fi

export CARGO_TARGET_DIR="$target_root/real-crate-threads"
# The runner string of a `wasmtime`-based CI, with `wasi-compat` in place
# of `wasmtime` (issue 11: that word is the whole migration).
export CARGO_TARGET_WASM32_WASIP1_THREADS_RUNNER="$runner -W threads=y -W shared-memory=y -S threads=y"
unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_TARGET
cd "$src"
test_args=(--exact)
for s in "${SKIPS[@]}"; do test_args+=(--skip "$s"); done

echo "real-crate-threads: building the tests of $CRATE $VERSION for $TRIPLE"
cargo test --quiet --target "$TRIPLE" --tests --no-run
built=$(( $(date +%s) - start ))

echo "real-crate-threads: running them with $runner (${#TEST_GROUPS[@]} groups at once)"
pids=()
for i in "${!TEST_GROUPS[@]}"; do
    # shellcheck disable=SC2086 # a group is a list of cargo flags
    cargo test --target "$TRIPLE" ${TEST_GROUPS[$i]} -- "${test_args[@]}" >"$work/group-$i.log" 2>&1 &
    pids+=($!)
done
failed=0
for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then
        failed=1
        echo "real-crate-threads: group '${TEST_GROUPS[$i]}' failed:" >&2
        grep -vE '^ +([0-9]+:|at )' "$work/group-$i.log" | tail -60 >&2
    fi
done

passed=0 nfailed=0 ignored=0 binaries=0
for i in "${!TEST_GROUPS[@]}"; do
    while read -r p f ig; do
        passed=$((passed + p)) nfailed=$((nfailed + f)) ignored=$((ignored + ig)) binaries=$((binaries + 1))
    done < <(sed -n 's/^test result: [A-Za-z]*\. \([0-9]*\) passed; \([0-9]*\) failed; \([0-9]*\) ignored;.*/\1 \2 \3/p' "$work/group-$i.log")
done
if [ "$binaries" -lt 16 ]; then
    echo "real-crate-threads: only $binaries test results found (expected 16)" >&2
    failed=1
fi
echo "real-crate-threads: $CRATE $VERSION on $TRIPLE: $binaries test binaries, ${#SKIPS[@]} skipped (${SKIPS[*]}); build ${built} s, total $(( $(date +%s) - start )) s"
echo "real-crate-threads: $ignored ignored by libtest (should_panic under panic = abort)"
echo "real-crate-threads: $passed passed, $nfailed failed"
[ "$failed" -eq 0 ] && [ "$nfailed" -eq 0 ]
