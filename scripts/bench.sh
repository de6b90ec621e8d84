#!/usr/bin/env bash
# `make bench`: rerunnable benchmarks. SQLite figures always; PostgreSQL figures when
# BENCH_DATABASE_URL (or a local server on 127.0.0.1:5432) is available. Results land in
# bench-results/ and on stdout as markdown tables (copy them into README.md).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${VENV:-.venv}/bin/python
export DEBUG=1 PYTHONUNBUFFERED=1
mkdir -p bench-results
PG_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/crm_twitter_bench}
have_pg=0
if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS crm_twitter_bench" postgres >/dev/null 2>&1
  psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE crm_twitter_bench" postgres >/dev/null 2>&1 && have_pg=1
fi
SCALE=${BENCH_SCALE:-1}
failed=""  # benches that exited non-zero (e.g. a page that showed no rows): `make bench` fails too

run() {  # run NAME SCRIPT ARGS... on SQLite and PostgreSQL
  local name=$1; shift
  local script=$1; shift
  [ -f "$script" ] || { echo "(skipping $name: $script not present)"; return; }
  echo "## $name (SQLite)"
  BENCH_DB=sqlite DATABASE_URL="sqlite:///$(pwd)/var/bench.sqlite3" $PY "$script" "$@" | tee "bench-results/$name-sqlite.md" \
    || failed="$failed $name(SQLite)"
  rm -f var/bench.sqlite3*
  if [ "$have_pg" = 1 ]; then
    echo "## $name (PostgreSQL)"
    BENCH_DB=postgresql DATABASE_URL="$PG_URL" $PY "$script" "$@" | tee "bench-results/$name-postgresql.md" \
      || failed="$failed $name(PostgreSQL)"
  fi
}

echo "## classify (no database)"
$PY bench/classify.py | tee bench-results/classify.md || failed="$failed classify"
run ingest bench/ingest.py
run sla-sweep bench/sla_sweep.py
run orders-import bench/orders_import.py
run evidence bench/evidence.py
if [ "$have_pg" = 1 ]; then
  for b in inbox report; do
    [ -f "bench/$b.py" ] || continue
    echo "## $b (PostgreSQL, 100k cases / 1M messages × scale $SCALE)"
    BENCH_DB=postgresql DATABASE_URL="$PG_URL" $PY "bench/$b.py" --scale "$SCALE" | tee "bench-results/$b-postgresql.md" \
      || failed="$failed $b(PostgreSQL)"
  done
else
  echo "(inbox and report benchmarks need PostgreSQL on 127.0.0.1:5432)"
fi
if [ -n "$failed" ]; then
  echo "bench FAILED:$failed (see the message above each; their figures are not to be copied)" >&2
  exit 1
fi
