#!/usr/bin/env bash
# The side-by-side load benchmark of issue 12: events, profiles and accounts read into memory
# by seg, DuckDB and Polars from the same NDJSON, CSV and Parquet files, best of 3 each, one
# table per format with the ratio of seg to the fastest peer. See bench/loads.py.
#
# Usage: bench/loads.sh [FORMAT...]      (ndjson, csv, parquet; default all three)
# Environment:
#   SEG=PATH     the seg binary to measure (default: target/release/seg, built here)
#   BEFORE=PATH  another seg binary to measure beside it (e.g. one built from main)
#   USERS=N      users in the data (default 1000000), x 20 events each
# The data is generated once into target/bench-data/${USERS}x20 as of the generator's as-of
# instant (NDJSON and CSV: about 4.7 GiB for 1M users) and reused.
set -euo pipefail
cd "$(dirname "$0")/.."
users=${USERS:-1000000}
events=20
as_of="2026-11-15T12:00:00Z"

# 1. seg, a release build (unless a binary is given).
if [ -z "${SEG:-}" ]; then
  cargo build --release --quiet --bin seg
  SEG=target/release/seg
fi

# 2. A venv with DuckDB and Polars, made once.
. bench/venv.sh

# 3. The data, each format generated once (an existing file is reused as it is).
data="target/bench-data/${users}x${events}"
for format in ndjson csv parquet; do
  if [ ! -e "$data/events.$format" ]; then
    echo "generating $users users x $events events as $format into $data ..."
    "$SEG" gen --users "$users" --events-per-user "$events" --as-of "$as_of" \
      --format "$format" --out "$data"
  fi
done

# 4. Every engine on every format, and the tables.
segs=()
if [ -n "${BEFORE:-}" ]; then
  segs+=(--seg "before=$BEFORE")
fi
segs+=(--seg "after=$SEG")
exec "$venv/bin/python" bench/loads.py "${segs[@]}" "$data" "$@"
