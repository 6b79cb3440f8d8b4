#!/usr/bin/env python3
"""Side-by-side load benchmark (issue 12, "Faster loads"): how long seg, DuckDB and Polars take
to read the same events, profiles and accounts files into memory, in NDJSON, CSV and Parquet.

Run through bench/loads.sh, which builds seg, prepares the Python venv (duckdb, polars) and the
data. This script:

    loads.py [--seg NAME=PATH]... [--runs N] DATA_DIR [FORMAT...]

DATA_DIR holds events/profiles/accounts.{ndjson,csv,parquet}; FORMAT is ndjson, csv or parquet
(default: all three). Every engine runs in its own process, N times (default 3), and the best
load time is kept. One table per format: load seconds, rows (all three files) per second and
peak memory, then the ratio of each seg binary to the fastest peer.

- seg: `seg eval --timings --format count` on a trivial segment; the time is the `load:` line
  (the three files into the store: parsing, typing, string coding, sorting). Several binaries
  can be compared (`--seg before=/tmp/main-seg --seg after=target/release/seg`).
- DuckDB: `CREATE TABLE t AS SELECT * FROM read_json|read_csv|read_parquet(...)` per file, in
  an in-memory database with 2 threads (the timestamps are detected and parsed).
- Polars: `read_ndjson|read_csv|read_parquet` per file, with its default thread pool.

The peers are this same file called as `loads.py duckdb|polars FORMAT DATA_DIR`: they print
one JSON line {"load": s, "rows": n, "peak_mib": n, "threads": n}.
"""

import json
import os
import subprocess
import sys
import tempfile
import time

from compare import peak_mib  # bench/compare.py, beside this file

AS_OF = "2026-11-15T12:00:00Z"
SCHEMA = "examples/schema.toml"
TABLES = ("events", "profiles", "accounts")
FORMATS = ("ndjson", "csv", "parquet")
DUCKDB_THREADS = 2
# A segment that needs every user's profile, so nothing is skipped and the evaluation is short.
TRIVIAL = 'segment anyone "Everyone" = profile.country != "XX"\n'


def path_of(data, table, fmt):
    return os.path.join(data, f"{table}.{fmt}")


# ---------------------------------------------------------------- peers

def run_duckdb(fmt, data):
    import duckdb

    con = duckdb.connect()  # in memory
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"SET threads = {DUCKDB_THREADS}")
    reader = {"ndjson": "read_json", "csv": "read_csv", "parquet": "read_parquet"}[fmt]
    started = time.perf_counter()
    for table in TABLES:
        con.execute(
            f"CREATE TABLE {table} AS SELECT * FROM {reader}('{path_of(data, table, fmt)}')"
        )
    load = time.perf_counter() - started
    rows = sum(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES)
    print(json.dumps({"load": load, "rows": rows, "peak_mib": peak_mib(),
                      "threads": con.execute("SELECT current_setting('threads')").fetchone()[0]}))


def run_polars(fmt, data):
    import polars as pl

    reader = {"ndjson": pl.read_ndjson, "csv": pl.read_csv, "parquet": pl.read_parquet}[fmt]
    started = time.perf_counter()
    frames = [reader(path_of(data, table, fmt)) for table in TABLES]
    load = time.perf_counter() - started
    rows = sum(frame.height for frame in frames)
    print(json.dumps({"load": load, "rows": rows, "peak_mib": peak_mib(),
                      "threads": pl.thread_pool_size()}))


# ---------------------------------------------------------------- runs

class EngineFailed(Exception):
    """An engine's process failed (a crash, a bad exit, or the kernel's OOM killer)."""


def run(cmd):
    """Runs a command; returns (stdout, stderr); raises EngineFailed on failure."""
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except OSError as e:
        raise EngineFailed(f"cannot run {cmd[0]}: {e}") from e
    if p.returncode != 0:
        tail = "\n".join(p.stderr.strip().splitlines()[-5:])
        raise EngineFailed(f"exit status {p.returncode}: {' '.join(cmd)}\n{tail}")
    return p.stdout, p.stderr


def run_seg(seg, segment_file, fmt, data):
    """One `seg eval --timings`: the `load:` line, the per-file lines under it and peak_rss."""
    _, err = run([seg, "eval", "--timings", "--format", "count", "--schema", SCHEMA,
                  "--events", path_of(data, "events", fmt),
                  "--profiles", path_of(data, "profiles", fmt),
                  "--accounts", path_of(data, "accounts", fmt),
                  "--as-of", AS_OF, segment_file])
    load, peak, files = None, 0, []
    lines = err.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("load: "):
            load = float(line.split()[1])
            files = [l.strip() for l in lines[i + 1:] if l.startswith("  ")]
            files = files[:len(TABLES)]
        elif line.startswith("peak_rss: "):
            peak = int(line.split()[1])
    if load is None:
        raise EngineFailed(f"no `load:` line from {seg}:\n{err}")
    return {"load": load, "peak_mib": peak, "files": files}


def run_peer(engine, fmt, data):
    text, _ = run([sys.executable, __file__, engine, fmt, data])
    return json.loads(text.strip().splitlines()[-1])


def best_of(runs, once):
    """The run with the least load time of `runs` runs; None if one fails."""
    best = None
    for _ in range(runs):
        try:
            result = once()
        except EngineFailed as e:
            print(f"  FAILED: {e}", flush=True)
            return None
        if best is None or result["load"] < best["load"]:
            best = result
    return best


def bench_format(fmt, data, segs, runs, segment_file):
    """{engine: result or None} for one format."""
    results = {}
    for name, seg in segs:
        print(f"[{fmt}] seg {name} ...", flush=True)
        results[f"seg {name}".strip()] = best_of(runs, lambda: run_seg(seg, segment_file, fmt, data))
    for engine in ("duckdb", "polars"):
        print(f"[{fmt}] {engine} ...", flush=True)
        results[engine] = best_of(runs, lambda: run_peer(engine, fmt, data))
    return results


def total_rows(results):
    """The rows of the three files, as a peer counted them."""
    for engine in ("duckdb", "polars"):
        if results.get(engine):
            return results[engine]["rows"]
    return None


def print_table(fmt, data, results, runs):
    rows = total_rows(results)
    sizes = sum(os.path.getsize(path_of(data, t, fmt)) for t in TABLES)
    print(f"\n{fmt}: {data}, {sizes / 2**20:.0f} MiB, "
          f"{rows if rows is not None else '?'} rows; best of {runs}")
    head = f"  {'engine':<14} {'load s':>8} {'M rows/s':>9} {'peak MiB':>9}  notes"
    print(head)
    print("  " + "-" * (len(head) - 2))
    for engine, r in results.items():
        if r is None:
            print(f"  {engine:<14} {'failed':>8}")
            continue
        speed = f"{rows / r['load'] / 1e6:9.1f}" if rows else f"{'?':>9}"
        note = f"{r['threads']} threads" if "threads" in r else "; ".join(r.get("files", []))
        print(f"  {engine:<14} {r['load']:>8.3f} {speed} {r['peak_mib']:>9}  {note}")
    peers = [r["load"] for e, r in results.items() if e.split()[0] != "seg" and r]
    if not peers:
        return
    fastest = min(peers)
    for engine, r in results.items():
        if engine.split()[0] == "seg" and r:
            print(f"  {engine} / fastest peer: {r['load'] / fastest:.2f}x")


def main(argv):
    if len(argv) == 3 and argv[0] in ("duckdb", "polars"):
        (run_duckdb if argv[0] == "duckdb" else run_polars)(argv[1], argv[2])
        return 0
    segs, runs, rest = [], 3, []
    args = iter(argv)
    for arg in args:
        if arg == "--seg":
            name, _, path = next(args, "").partition("=")
            segs.append((name, path))
        elif arg == "--runs":
            runs = int(next(args, "3"))
        elif arg.startswith("-"):
            sys.stderr.write(__doc__)
            return 2
        else:
            rest.append(arg)
    if not rest:
        sys.stderr.write(__doc__)
        return 2
    data, formats = rest[0], rest[1:] or list(FORMATS)
    if not segs:
        segs = [("", "target/release/seg")]
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        segment_file = os.path.join(tmp, "trivial.seg")
        with open(segment_file, "w") as f:
            f.write(TRIVIAL)
        tables = [(fmt, bench_format(fmt, data, segs, runs, segment_file)) for fmt in formats]
    for fmt, results in tables:
        print_table(fmt, data, results, runs)
        failed |= any(r is None for r in results.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
