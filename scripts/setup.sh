#!/usr/bin/env bash
# Installs what the test suite needs beyond a Rust toolchain: the standard
# libraries of the wasm targets the guest programs are built for. Safe to
# run any number of times.
set -euo pipefail

targets=(wasm32-wasip1 wasm32-wasip1-threads)

installed() {
    local sysroot
    sysroot="$(rustc --print sysroot)"
    [ -d "$sysroot/lib/rustlib/$1" ]
}

missing=()
for t in "${targets[@]}"; do
    installed "$t" || missing+=("$t")
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "setup: targets already installed: ${targets[*]}"
    exit 0
fi

if ! command -v rustup >/dev/null 2>&1; then
    echo "setup: missing Rust targets ${missing[*]}, and rustup is not available to install them" >&2
    exit 1
fi

rustup target add "${missing[@]}"
for t in "${missing[@]}"; do
    installed "$t" || { echo "setup: target $t is still missing after rustup" >&2; exit 1; }
done
echo "setup: installed ${missing[*]}"
