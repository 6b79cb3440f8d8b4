#!/usr/bin/env bash
# The many-segments benchmark of issue 12: `seg eval` over examples/data on generated segment
# files (bench/gen_segments.py) of 100, 1,000 and 10,000 segments, and 10,000 segments with one
# more segment that is a 4,000-term `or`. For each: the JIT's compile time (and how many
# functions the program became), eval time, total wall time and peak memory, with the JIT and
# with the fused interpreter, and a check that both give the same counts.
#
# Usage: bench/scale.sh [SIZES...]   (default: 100 1000 10000 10000+4000)
#   N          N generated segments
#   N+K        N generated segments and one `or` of K terms
# SEG=path/to/seg uses that binary instead of building target/release/seg.
# Exit status 1 when the two engines' counts differ.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$#" -gt 0 ] || set -- 100 1000 10000 10000+4000
if [ -z "${SEG:-}" ]; then
  cargo build --release --quiet --bin seg
  SEG="$PWD/target/release/seg"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bench"
cp -r examples "$work/"
for size in "$@"; do
  n="${size%%+*}"
  if [ "$size" != "$n" ]; then
    python3 bench/gen_segments.py "$n" --or-terms "${size#*+}" > "$work/bench/$size.seg"
  else
    python3 bench/gen_segments.py "$n" > "$work/bench/$size.seg"
  fi
done
exec python3 - "$work" "$SEG" "$@" <<'PY'
import re, subprocess, sys, time

work, seg, sizes = sys.argv[1], sys.argv[2], sys.argv[3:]
data = ["--events", "examples/data/events.ndjson", "--profiles", "examples/data/profiles.ndjson",
        "--accounts", "examples/data/accounts.ndjson", "--as-of", "2026-11-15T12:00:00Z"]
rows, failed = [], False
for size in sizes:
    counts = {}
    for engine in ["jit", "interp"]:
        cmd = [seg, "eval", "--engine", engine, "--schema", "examples/schema.toml", "--timings",
               "--format", "count", f"bench/{size}.seg"] + data
        best = None
        for _ in range(3):
            started = time.perf_counter()
            run = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
            wall = time.perf_counter() - started
            if run.returncode != 0:
                sys.exit(f"seg eval failed on {size}:\n{run.stderr[-3000:]}")
            if best is None or wall < best[0]:
                best = (wall, run)
        wall, run = best
        counts[engine] = run.stdout
        err = run.stderr
        number = lambda key: float(re.search(rf"^{key}: ([0-9.]+)", err, re.M).group(1))
        functions = sum(int(f) for f in re.findall(r"in (\d+) functions", err))
        ops = sum(int(o) for o in re.findall(r"(\d+) ops in", err))
        rows.append((size, engine, number("compile"), functions, ops, number("eval"), wall,
                     int(number("peak_rss"))))
    if counts["jit"] != counts["interp"]:
        failed = True
        print(f"{size}: the JIT's counts differ from the fused interpreter's")
    segments = len(counts["jit"].splitlines()) - 1
    print(f"{size}: {segments} segments, counts identical on both engines: {counts['jit'] == counts['interp']}")

print()
print(f"{'segments':<12} {'engine':<7} {'compile s':>9} {'functions':>9} {'ops':>8} {'eval s':>7} {'total s':>8} {'peak MiB':>8}")
print("-" * 76)
for size, engine, compile, functions, ops, ev, wall, peak in rows:
    print(f"{size:<12} {engine:<7} {compile:>9.3f} {functions if engine == 'jit' else '':>9} "
          f"{ops if engine == 'jit' else '':>8} {ev:>7.3f} {wall:>8.3f} {peak:>8}")
print("(compile: lowering to the fused plan and, for the JIT, code generation; total: the whole")
print(" `seg eval` process, check and output included, best of 3)")
sys.exit(1 if failed else 0)
PY
