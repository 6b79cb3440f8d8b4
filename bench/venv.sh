# Sourced by the benchmarks that run DuckDB and Polars (bench/compare.sh, bench/loads.sh):
# sets $venv to a Python venv with both, made once in target/bench-venv.
venv=target/bench-venv
if [ ! -x "$venv/bin/python" ]; then
  echo "creating $venv ..."
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import duckdb, polars' 2>/dev/null; then
  echo "installing duckdb and polars into $venv ..."
  "$venv/bin/pip" install --quiet duckdb polars
fi
