#!/usr/bin/env bash
# The service benchmark of issue 13, on loopback with wrk (Debian's package):
#  1. the real-time cost: microseconds to re-evaluate 100 generated segments for the user of
#     each event (bench/realtime.rs, over 100,000 generated users);
#  2. sustained durable ingest: POST /v1/events with 1,000 events a request (a fresh user for
#     every ten events), 16 connections: events per second;
#  3. the latency of single-event POSTs (1, 2 and 8 connections): p50, p99;
#  4. the latency of GET /v1/users/{id} with 1,000,000 users (22 M events) loaded (1, 2 and 8
#     connections): p50, p99.
#
# Usage: bench/serve.sh [SECONDS]   (each wrk run; default 10)
# SEG=path/to/seg and REALTIME=path/to/realtime use those binaries instead of building them.
# Needs target/bench-data/1000000x20 (bench/compare.sh 1000000 makes it).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
command -v wrk >/dev/null || { echo "bench/serve.sh: wrk is not installed (apt-get install wrk)" >&2; exit 2; }
if [ -z "${SEG:-}" ] || [ -z "${REALTIME:-}" ]; then
  cargo build --release --quiet --features bench --bin seg --example realtime
  SEG="$PWD/target/release/seg"
  REALTIME="$PWD/target/release/examples/realtime"
fi
million="target/bench-data/1000000x20"
[ -f "$million/events.parquet" ] || { echo "bench/serve.sh: $million is missing: run bench/compare.sh 1000000" >&2; exit 2; }
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/project/segments"
cp examples/schema.toml "$work/project/"
python3 bench/gen_segments.py 100 > "$work/project/segments/generated.seg"
# The generated segments import the examples' (`../examples/segments/common.seg`).
mkdir -p "$work/project/examples"
cp -r examples/segments "$work/project/examples/"
echo "bench-token" > "$work/token"
schema="$work/project/schema.toml"

echo "== real-time cost: 100 segments, 100,000 users"
"$SEG" gen --users 100000 --events-per-user 20 --format parquet --out "$work/gen" >/dev/null
"$SEG" import --schema "$schema" --data "$work/data-rt" --events "$work/gen/events.parquet" \
  --profiles "$work/gen/profiles.parquet" --accounts "$work/gen/accounts.parquet" 2>/dev/null
"$REALTIME" "$work/project" "$work/data-rt" 20000

# Starts seg serve on a free port with the 100 segments over a data folder; sets $port.
serve() {
  local data="$1"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  (cd "$work/project" && exec "$SEG" serve --schema schema.toml --listen "127.0.0.1:$port" \
     --data "$data" --token-file "$work/token" segments) 2>"$data.log" &
  pids+=($!)
  for _ in $(seq 600); do
    grep -q "listening on" "$data.log" 2>/dev/null && return 0
    sleep 0.2
  done
  cat "$data.log" >&2; exit 1
}

cat > "$work/batch.lua" <<'LUA'
-- 1,000 events a request; each request's users are new (ten events a user).
local n = 0
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer bench-token"
wrk.headers["Content-Type"] = "application/x-ndjson"
request = function()
  n = n + 1
  local rows = {}
  local prefix = string.format("w%d-%d-", math.random(1, 1000000000), n)
  for i = 1, 1000 do
    rows[i] = string.format('{"user_id":"%s%d","event":"purchase","ts":"2026-11-15T10:%02d:00Z","value":%d,"category":"shoes"}',
      prefix, i % 100, i % 60, i % 700)
  end
  return wrk.format(nil, "/v1/events", nil, table.concat(rows, "\n"))
end
LUA
cat > "$work/one.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer bench-token"
wrk.headers["Content-Type"] = "application/x-ndjson"
request = function()
  local body = string.format('{"user_id":"s%d","event":"login","ts":"2026-11-15T10:00:00Z"}', math.random(1, 100000))
  return wrk.format(nil, "/v1/events", nil, body)
end
LUA
cat > "$work/user.lua" <<'LUA'
wrk.headers["Authorization"] = "Bearer bench-token"
request = function()
  return wrk.format("GET", string.format("/v1/users/u%07d", math.random(1, 1000000)))
end
LUA

echo "== ingest: batches of 1,000 events, 16 connections, ${seconds} s"
serve "$work/data-ingest"
wrk -t2 -c16 -d"${seconds}s" --latency -s "$work/batch.lua" "http://127.0.0.1:$port" | tee "$work/ingest.txt"
python3 - "$work/ingest.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(f"ingest: {rps * 1000:,.0f} events/s ({rps:,.1f} requests/s of 1,000 events)"
      + (f"; {errors.group(1)} requests refused" if errors else ""))
PY

# Latency percentiles of a wrk run at 1, 2 and 8 connections.
latencies() {
  local script="$1"
  for c in 1 2 8; do
    wrk -t1 -c"$c" -d"${seconds}s" --latency -s "$script" "http://127.0.0.1:$port" > "$work/lat.txt"
    python3 - "$work/lat.txt" "$c" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
p = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", text, re.M))
rps = re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)
print(f"  {sys.argv[2]} connection(s): p50 {p['50']}, p99 {p['99']}, {float(rps):,.0f} requests/s")
PY
  done
}

# The ingest service is still evaluating what it received: stop it, and measure single
# events on a service of their own.
kill "${pids[-1]}"
echo "== single-event POST, ${seconds} s each"
serve "$work/data-post"
latencies "$work/one.lua"
records=$(curl -s -H "Authorization: Bearer bench-token" "http://127.0.0.1:$port/metrics" | grep '^seg_log_records ')
echo "data log after the latency runs: $records"

kill "${pids[-1]}"
echo "== GET /v1/users/{id}, 1,000,000 users"
"$SEG" import --schema "$schema" --data "$work/data-1m" --events "$million/events.parquet" \
  --profiles "$million/profiles.parquet" --accounts "$million/accounts.parquet" 2>/dev/null
start=$(date +%s.%N)
serve "$work/data-1m"
echo "first start with 1,000,000 users in $(python3 -c "print(round($(date +%s.%N) - $start, 1))") s: $(grep -o '[0-9]* changes on start' "$work/data-1m.log")"
latencies "$work/user.lua"
echo "peak memory of the service: $(grep VmHWM /proc/"${pids[-1]}"/status | awk '{print $2/1024 " MiB"}')"
