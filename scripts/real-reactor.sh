#!/usr/bin/env bash
# A real reactor-style program through `wasi-compat`: ITK-wasm's
# compress-stringify pipelines (PyPI's itkwasm-compress-stringify-wasi),
# which export `_initialize` and the default export "" and no `_start`, as
# `wasmtime run` runs them. Round-trips a file through both modules and
# checks the bytes come back. Fails on any difference.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
version="3.5.0"
cargo build --release --quiet -p wasi-compat
target_root="${CARGO_TARGET_DIR:-$repo/target}"
case "$target_root" in /*) ;; *) target_root="$repo/$target_root" ;; esac
runner="$target_root/release/wasi-compat"
work="$(mktemp -d -t wcc-reactor.XXXXXX)"
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --no-deps --dest "$work" "itkwasm-compress-stringify-wasi==$version"
python3 - "$work" <<'PY'
import glob, sys, zipfile
work = sys.argv[1]
with zipfile.ZipFile(glob.glob(work + "/*.whl")[0]) as z:
    for n in z.namelist():
        if n.endswith(".wasm"):
            z.extract(n, work)

def leb(b, i):
    r = s = 0
    while True:
        x = b[i]; i += 1; r |= (x & 0x7F) << s; s += 7
        if x < 0x80:
            return r, i

# The point of the test: these modules are reactors (no `_start`).
for path in glob.glob(work + "/*/wasm_modules/*.wasm"):
    b = open(path, "rb").read()
    i, names = 8, []
    while i < len(b):
        sid = b[i]; i += 1
        size, i = leb(b, i)
        if sid == 7:
            n, j = leb(b, i)
            for _ in range(n):
                l, j = leb(b, j); names.append(b[j:j + l].decode()); j += l + 1
                _, j = leb(b, j)
        i += size
    assert "_initialize" in names and "" in names and "_start" not in names, (path, names)
PY
modules="$work/itkwasm_compress_stringify_wasi/wasm_modules"
cd "$work"
head -c 200000 "$repo/README.md" > input.txt
"$runner" --dir . "$modules/compress-stringify.wasi.wasm" input.txt packed.txt --stringify
grep -q '^data:application/zstd;base64,' packed.txt
"$runner" run --dir . "$modules/parse-string-decompress.wasi.wasm" packed.txt output.txt --parse-string
cmp input.txt output.txt
echo "real-reactor: itkwasm-compress-stringify-wasi $version: $(wc -c < input.txt) bytes -> $(wc -c < packed.txt) -> round trip OK"
