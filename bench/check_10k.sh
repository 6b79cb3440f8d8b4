#!/usr/bin/env bash
# Benchmark: `seg check` on a generated file of 10,000 segments (target: under 1 s).
# Usage: bench/check_10k.sh [N]   (prints the best and median wall time of 5 runs)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-10000}"
cargo build --release --quiet
out="$(mktemp -d)"
mkdir -p "$out/bench"
python3 bench/gen_segments.py "$n" > "$out/bench/generated.seg"
mkdir -p "$out/examples" && cp -r examples/segments "$out/examples/"
python3 - "$out" "$n" <<'PY'
import statistics, subprocess, sys, time
out, n = sys.argv[1], sys.argv[2]
cmd = ["target/release/seg", "check", "--schema", "examples/schema.toml", f"{out}/bench/generated.seg"]
times = []
for _ in range(5):
    start = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True)
    times.append(time.perf_counter() - start)
    if result.returncode != 0:
        sys.exit("seg check failed:\n" + result.stderr[-2000:])
size = sum(1 for _ in open(f"{out}/bench/generated.seg"))
print(f"seg check, {n} segments ({size} lines): best {min(times):.3f} s, median {statistics.median(times):.3f} s")
print(result.stderr.strip().splitlines()[-1])
PY
rm -rf "$out"
