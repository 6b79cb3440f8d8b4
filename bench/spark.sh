#!/usr/bin/env bash
# The Spark worked example of docs/warehouse.md: the ten reference segments (bench/reference.seg)
# over USERS users x 20 events (`seg gen`), run three ways on the same data, with a check that
# all three find the same members:
#   - `seg eval --engine jit` over the generated Parquet files;
#   - the SQL of `seg sql --dialect duckdb` on DuckDB (2 threads), over the layout files;
#   - the SQL of `seg sql --dialect spark` on Spark SQL in local mode (2 cores), over the
#     layout with events as a Parquet dataset partitioned by event type (events/event=NAME/).
#
# Usage: bench/spark.sh [USERS]      (default 1000000: about 22M events)
# Needs the Python of .ci/setup (DuckDB, pyspark) and a Java runtime; the data, the layout and
# the partitioned events are made once under target/bench-data/USERSx20 and reused.
set -euo pipefail
cd "$(dirname "$0")/.."
users="${1:-1000000}"
as_of="2026-11-15T12:00:00Z"
target="${CARGO_TARGET_DIR:-target}"
python="${SEG_SQL_PYTHON:-target/sql-venv/bin/python}"
[ -x "$python" ] || bash .ci/setup

cargo build --release --quiet --bin seg
seg="$target/release/seg"
data="target/bench-data/${users}x20"
layout="$data/layout"
out="target/bench-out/spark-$users"
mkdir -p "$out"
if [ ! -f "$data/events.parquet" ]; then
  "$seg" gen --users "$users" --events-per-user 20 --as-of "$as_of" --format parquet --out "$data"
fi
files=(--schema examples/schema.toml --events "$data/events.parquet"
  --profiles "$data/profiles.parquet" --accounts "$data/accounts.parquet")
if [ ! -f "$layout/accounts.parquet" ]; then
  echo "seg export-layout ..."
  /usr/bin/time -f "export-layout: %e s, %M KiB peak" "$seg" export-layout "${files[@]}" \
    --out "$layout" bench/reference.seg
fi
if [ ! -d "$layout/events" ]; then
  echo "partitioning the events by type ..."
  "$python" bench/spark.py partition "$layout"
fi
for dialect in duckdb spark; do
  "$seg" sql --dialect "$dialect" --schema examples/schema.toml --as-of "$as_of" \
    bench/reference.seg >"$out/$dialect.sql"
done

start=$EPOCHREALTIME
"$seg" eval "${files[@]}" --engine jit --as-of "$as_of" bench/reference.seg \
  | tail -n +2 | LC_ALL=C sort >"$out/seg.csv"
seg_seconds=$(python3 -c "print(f'{$EPOCHREALTIME - $start:.2f}')")
duckdb_seconds=$("$python" bench/spark.py duckdb "$layout" "$out/duckdb.sql" "$out/duckdb.csv")
spark_seconds=$("$python" bench/spark.py spark "$layout" "$out/spark.sql" "$out/spark.csv" \
  2> >(grep -v WARN >&2))
for engine in duckdb spark; do
  LC_ALL=C sort -o "$out/$engine.csv" "$out/$engine.csv"
  cmp "$out/seg.csv" "$out/$engine.csv"
done
events=$("$python" -c "import duckdb; print(duckdb.sql(\"SELECT count(*) FROM read_parquet('$layout/events.parquet')\").fetchall()[0][0])")
echo
echo "$users users, $events events; $(wc -l <"$out/seg.csv") member rows, the same on all three"
echo "| engine | seconds |"
echo "| --- | --- |"
echo "| seg eval --engine jit (load and evaluation) | $seg_seconds |"
echo "| DuckDB: seg sql --dialect duckdb (tables loaded) | $duckdb_seconds |"
echo "| Spark SQL local[2]: seg sql --dialect spark (partitioned Parquet) | $spark_seconds |"
