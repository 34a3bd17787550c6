#!/usr/bin/env bash
# Installs what the tests and checks need beyond a Rust toolchain: the
# standard libraries of the wasm targets the guest programs are built for,
# and of the non-Linux targets scripts/cross-check.sh checks the engine-free
# crates for (std only: no linker or C toolchain is needed for `cargo check`).
# Safe to run any number of times: targets already installed are skipped.
set -euo pipefail

targets=(
    wasm32-wasip1 wasm32-wasip1-threads
    aarch64-apple-darwin x86_64-apple-darwin x86_64-unknown-freebsd x86_64-pc-windows-msvc
)

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
