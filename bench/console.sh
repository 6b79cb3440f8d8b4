#!/usr/bin/env bash
# Benchmark: the console's segment list of 1,000 segments (issue 17's target: rendered in
# under 1 s), in Debian's Chromium driven by Playwright (bash .ci/setup installs both), over a
# release `seg serve` of the example data and N generated segments plus those they import.
# Timed in the page, from the sign-in form's submit to the last row drawn, and on to the trend
# lines on the screen drawn. Usage: bench/console.sh [SEGMENTS] [ROUNDS]   (default 1000 segments, 10 rounds)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000}"
rounds="${2:-10}"
cargo build --release --quiet --bin seg
seg="${CARGO_TARGET_DIR:-target}/release/seg"
python="${SEG_SQL_PYTHON:-target/sql-venv/bin/python}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/segments" "$out/examples"
cp examples/schema.toml examples/demo.token "$out/"
cp -r examples/data "$out/"
# The generated file imports ../examples/segments/common.seg.
cp -r examples/segments "$out/examples/"
cat >"$out/seg.toml" <<'TOML'
schema = "schema.toml"
segments = "segments"

[data]
events = ["data/events.ndjson"]
profiles = ["data/profiles.ndjson"]
accounts = ["data/accounts.ndjson"]

[serve]
token_file = "demo.token"
TOML
python3 bench/gen_segments.py "$n" >"$out/segments/generated.seg"
"$python" bench/console.py "$seg" "$out" "$rounds"
