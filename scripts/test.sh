#!/usr/bin/env bash
# The project's test command: installs what the tests need (the wasm targets),
# then runs the whole test suite in release mode (Cranelift compiling guest
# modules in a debug build would be very slow).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo test --release --workspace "$@"
