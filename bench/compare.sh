#!/usr/bin/env bash
# The side-by-side benchmark of issue 4: the ten reference segments (bench/reference.seg)
# evaluated from the same Parquet files by seg (--engine jit and --engine interp), DuckDB,
# Polars and a hand-written Rust loop over seg's store (bench/handwritten.rs), with a check
# that every engine finds the same members, one table of load / eval / peak memory, and the
# ratios between them. See bench/compare.py for the engines and the semantics they respect.
#
# Usage: bench/compare.sh [USERS...]     (default 1000000; e.g. `1000000 5000000` for scaling)
# Each size is USERS users x 20 events, generated once into target/bench-data/USERSx20 as of
# the generator's as-of instant and reused. `edge` instead of a size runs the engines on a
# few hand-made users at the edges of the ten segments (bench/compare.py, make_edge_cases),
# to check the semantics rather than the speed. Exit status 1 when some engine's members
# differ.
set -euo pipefail
cd "$(dirname "$0")/.."
events=20
as_of="2026-11-15T12:00:00Z"
[ "$#" -gt 0 ] || set -- 1000000

# 1. seg and the hand-written example, release builds.
cargo build --release --quiet --features bench --bin seg --example handwritten

# 2. A venv with DuckDB and Polars, made once.
. bench/venv.sh

# 3. The data, generated once per size (Parquet only when generated here; an existing folder
#    with events.parquet is reused as it is).
dirs=()
for users in "$@"; do
  if [ "$users" = edge ]; then
    "$venv/bin/python" bench/compare.py make-edge target/bench-data/edge
    dirs+=(target/bench-data/edge)
    continue
  fi
  data="target/bench-data/${users}x${events}"
  if [ ! -f "$data/events.parquet" ]; then
    echo "generating $users users x $events events into $data ..."
    target/release/seg gen --users "$users" --events-per-user "$events" --as-of "$as_of" \
      --format parquet --out "$data"
  fi
  dirs+=("$data")
done

# 4. Every engine on every size, the member check and the table.
exec "$venv/bin/python" bench/compare.py "${dirs[@]}"
