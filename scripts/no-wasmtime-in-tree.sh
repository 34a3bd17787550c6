#!/usr/bin/env bash
# Fails if the dependency tree of a package (default: the wasmi glue,
# dev-dependencies included) holds the Wasmtime runtime (`wasmtime`) or its
# compiler (`cranelift-codegen`). Usage: scripts/no-wasmtime-in-tree.sh [PACKAGE]
#
# What remains of Wasmtime in the glue's tree is wiggle's own dependency
# `wasmtime-environ` (wiggle 48 takes its error type from it): no engine.
set -euo pipefail
cd "$(dirname "$0")/.."
pkg="${1:-wasi-common-compat-wasmi}"
# Captured first: `cargo tree | grep -q` could hide a match behind SIGPIPE.
tree="$(cargo tree -p "$pkg" --prefix none -e normal,build,dev)"
if found="$(grep -E '^(wasmtime|cranelift-codegen) v' <<<"$tree" | sort -u)"; then
    echo "no-wasmtime-in-tree: $pkg depends on:" >&2
    echo "$found" >&2
    exit 1
fi
echo "no-wasmtime-in-tree: $pkg: no wasmtime, no cranelift-codegen ($(sort -u <<<"$tree" | wc -l) crates)"
