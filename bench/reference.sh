#!/usr/bin/env bash
# The evaluation benchmark of issue 3: the ten reference segments (bench/reference.seg) over
# generated data of USERS users x EVENTS events (default 1,000,000 x 20), as of the
# generator's as-of instant, loaded from NDJSON, CSV and Parquet in turn.
#
# Usage: bench/reference.sh [USERS] [EVENTS]
# Prints, per format: load time, load speed (events per second, one thread), evaluation time
# of all ten segments together, peak memory and bytes per event. The data is generated once
# into target/bench-data/USERSxEVENTS and reused.
set -euo pipefail
cd "$(dirname "$0")/.."
users="${1:-1000000}"
events="${2:-20}"
as_of="2026-11-15T12:00:00Z"
cargo build --release --quiet
data="target/bench-data/${users}x${events}"
if [ ! -f "$data/events.parquet" ]; then
  echo "generating $users users x $events events into $data ..."
  /usr/bin/time -f "generated in %e s" target/release/seg gen --users "$users" --events-per-user "$events" --as-of "$as_of" --out "$data"
fi
for format in ndjson parquet csv; do
  out=$(target/release/seg eval --timings --schema examples/schema.toml \
    --events "$data/events.$format" --profiles "$data/profiles.$format" --accounts "$data/accounts.$format" \
    --as-of "$as_of" --format count bench/reference.seg 2>&1 >/tmp/seg-bench-counts.$format)
  load=$(echo "$out" | awk '/^load:/ {print $2}')
  n=$(echo "$out" | awk '/^events:/ {print $2}')
  speed=$(awk -v n="$n" -v t="$load" 'BEGIN { printf "%.2f", n / t / 1e6 }')
  echo "$format: $(echo "$out" | tr '\n' ' ') => ${speed}M events/s loaded"
done
if cmp -s /tmp/seg-bench-counts.ndjson /tmp/seg-bench-counts.parquet && cmp -s /tmp/seg-bench-counts.ndjson /tmp/seg-bench-counts.csv; then
  echo "members: identical across the three formats"; cat /tmp/seg-bench-counts.ndjson
else
  echo "members differ between formats"; exit 1
fi
