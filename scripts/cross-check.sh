#!/usr/bin/env bash
# Checks the engine-free crates for the hosts beyond Linux, as the README's
# platform table says: `cargo clippy -D warnings` (a `cargo check` that also
# fails on warnings only some target sees, such as code a `cfg` left unused)
# for each target. Only the targets' std is needed (scripts/setup.sh installs
# it); nothing is linked or run.
#
#   macOS (aarch64, x86_64), FreeBSD: the core without the `wasmtime` feature,
#     the sync backend without it, memfs, the wasmi glue; on FreeBSD also the
#     tokio backend (its Wasmtime dependency builds there with the host's C
#     compiler; for macOS Wasmtime's build script needs an Apple one).
#   Windows (x86_64-pc-windows-msvc): the core, memfs, the wasmi glue; and
#     the sync backend must fail with its one `compile_error!` (unsupported).
#
# A separate target directory (target/cross), so as not to wait on the lock
# of the main build. Usage: scripts/cross-check.sh [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR_CROSS:-target/cross}"
# No debug info for the host's build scripts and proc macros: nothing here is
# debugged, and it keeps target/cross small (about 1.5 GB for all targets; ~3.5 min from empty on 2 cores).
export CARGO_PROFILE_DEV_DEBUG=false

unix_targets=(aarch64-apple-darwin x86_64-apple-darwin x86_64-unknown-freebsd)
windows_targets=(x86_64-pc-windows-msvc)
if [ $# -gt 0 ]; then
    requested=("$@")
else
    requested=("${unix_targets[@]}" "${windows_targets[@]}")
fi

lint() {
    local t="$1"
    shift
    echo "cross-check: $t: $*"
    cargo clippy --quiet --target "$t" "$@" -- -D warnings
}

start=$(date +%s)
for t in "${requested[@]}"; do
    case "$t" in
    *-windows-*)
        lint "$t" -p wasi-common-compat --no-default-features
        lint "$t" -p wasi-common-compat-memfs -p wasi-common-compat-wasmi
        # The sync backend is Unix-only: one clear error, nothing else.
        echo "cross-check: $t: -p wasi-common-compat-sync --no-default-features (must fail, unsupported)"
        if out="$(cargo check --quiet --target "$t" -p wasi-common-compat-sync --no-default-features 2>&1)"; then
            echo "cross-check: $t: the sync backend built; update its compile_error! and the README" >&2
            exit 1
        fi
        errors="$(grep -c '^error' <<<"$out" || true)"
        if ! grep -q 'wasi-common-compat-sync supports Unix hosts only' <<<"$out" || [ "$errors" -ne 2 ]; then
            # 2 lines: the compile_error! and cargo's "could not compile".
            echo "cross-check: $t: the sync backend failed otherwise than by its compile_error!:" >&2
            echo "$out" >&2
            exit 1
        fi
        ;;
    *)
        lint "$t" -p wasi-common-compat --no-default-features
        lint "$t" -p wasi-common-compat-sync --no-default-features
        lint "$t" -p wasi-common-compat-memfs -p wasi-common-compat-wasmi
        if [ "$t" = x86_64-unknown-freebsd ]; then
            lint "$t" -p wasi-common-compat-tokio
        fi
        ;;
    esac
done
echo "cross-check: ${requested[*]}: passed in $(( $(date +%s) - start )) s"
