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
PG_DB=${PG_URL##*/}; PG_DB=${PG_DB%%\?*}  # the database the benches empty and refill
have_pg=0
if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  case "$PG_DB" in
    *bench*)  # recreated from scratch; a database without "bench" in its name is never dropped
      psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS \"$PG_DB\"" postgres >/dev/null 2>&1
      psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE \"$PG_DB\"" postgres >/dev/null 2>&1 && have_pg=1 ;;
    *) echo "BENCH_DATABASE_URL names $PG_DB: no 'bench' in its name, so the PostgreSQL benches are skipped" >&2 ;;
  esac
fi
SCALE=${BENCH_SCALE:-1}
started_all=$SECONDS
timing() {  # timing LABEL START: how long a bench took, and the machine's load then (shared machine)
  echo "($1 took $((SECONDS - $2)) s; load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'))"
}
failed=""  # benches that exited non-zero (e.g. a page that showed no rows): `make bench` fails too

run() {  # run NAME SCRIPT ARGS... on SQLite and PostgreSQL
  local name=$1; shift
  local script=$1; shift
  [ -f "$script" ] || { echo "(skipping $name: $script not present)"; return; }
  local t0=$SECONDS
  echo "## $name (SQLite)"
  BENCH_DB=sqlite DATABASE_URL="sqlite:///$(pwd)/var/bench.sqlite3" $PY "$script" "$@" | tee "bench-results/$name-sqlite.md" \
    || failed="$failed $name(SQLite)"
  rm -f var/bench.sqlite3*
  if [ "$have_pg" = 1 ]; then
    echo "## $name (PostgreSQL)"
    BENCH_DB=postgresql DATABASE_URL="$PG_URL" $PY "$script" "$@" | tee "bench-results/$name-postgresql.md" \
      || failed="$failed $name(PostgreSQL)"
  fi
  timing "$name" "$t0"
}

echo "## classify (no database)"
t0=$SECONDS
$PY bench/classify.py | tee bench-results/classify.md || failed="$failed classify"
timing classify "$t0"
run ingest bench/ingest.py
run sla-sweep bench/sla_sweep.py
run demo-history bench/demo_history.py
run orders-import bench/orders_import.py
run evidence bench/evidence.py
if [ "$have_pg" = 1 ]; then
  for b in inbox report; do
    [ -f "bench/$b.py" ] || continue
    echo "## $b (PostgreSQL, 100k cases / 1M messages × scale $SCALE)"
    t0=$SECONDS
    BENCH_DB=postgresql DATABASE_URL="$PG_URL" $PY "bench/$b.py" --scale "$SCALE" | tee "bench-results/$b-postgresql.md" \
      || failed="$failed $b(PostgreSQL)"
    timing "$b" "$t0"
  done
  echo "## incidents (PostgreSQL, detection tick over 100k cases × scale $SCALE, 2,000 new in the last hour)"
  t0=$SECONDS
  BENCH_DB=postgresql DATABASE_URL="$PG_URL" $PY bench/incidents.py --scale "$SCALE" | tee bench-results/incidents-postgresql.md \
    || failed="$failed incidents(PostgreSQL)"
  timing incidents "$t0"
else
  echo "(inbox, report and incidents benchmarks need PostgreSQL on 127.0.0.1:5432)"
fi
timing "make bench (scale $SCALE)" "$started_all"
if [ -n "$failed" ]; then
  echo "bench FAILED:$failed (see the message above each; their figures are not to be copied)" >&2
  exit 1
fi
