#!/usr/bin/env bash
# Benchmark: `seg lsp` re-checking a file of 5,000 lines or more after a one-character change
# (issue 16's target: under 100 ms), timed from the change sent to the diagnostics received.
# Usage: bench/lsp.sh [SEGMENTS] [ROUNDS]   (default 2500 generated segments, about 5,000 lines; 50 changes)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-2500}"
rounds="${2:-50}"
cargo build --release --quiet --bin seg
seg="${CARGO_TARGET_DIR:-target}/release/seg"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/segments"
cp examples/schema.toml "$out/"
# The generated file imports ../examples/segments/common.seg.
mkdir -p "$out/examples" && cp -r examples/segments "$out/examples/"
printf 'schema = "schema.toml"\nsegments = "segments"\n' >"$out/seg.toml"
python3 bench/gen_segments.py "$n" >"$out/segments/generated.seg"
lines=$(wc -l <"$out/segments/generated.seg")
[ "$lines" -ge 5000 ] || { echo "only $lines lines: ask for more segments" >&2; exit 1; }
python3 bench/lsp.py "$seg" "$out" "$rounds"
