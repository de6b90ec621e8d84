#!/usr/bin/env bash
# `make run`: migrate, start the X sandbox, load the demo desk through a real sync, start the
# django-q2 worker and the web app. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${VENV:-.venv}/bin/python
PORT=${PORT:-8000}
SANDBOX_PORT=${SANDBOX_PORT:-8765}
export DEBUG=${DEBUG:-1}
export CRM_TWITTER_API_BASE_URL=${CRM_TWITTER_API_BASE_URL:-http://127.0.0.1:${SANDBOX_PORT}}
mkdir -p var

pids=()
cleanup() {
  for pid in "${pids[@]:-}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

echo "==> Database"
$PY manage.py migrate --noinput -v0
$PY manage.py createcachetable

echo "==> X sandbox on ${CRM_TWITTER_API_BASE_URL}"
$PY manage.py crm_twitter_sandbox --host 127.0.0.1 --port "$SANDBOX_PORT" --scenario demo --live \
  >var/sandbox.log 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do
  curl -fs -o /dev/null "http://127.0.0.1:${SANDBOX_PORT}/_sandbox/health" && break
  sleep 0.2
done

echo "==> Demo desk (synced from the sandbox)"
$PY manage.py crm_twitter_demo --sync --advance
$PY manage.py crm_twitter_schedules

echo "==> Worker (django-q2)"
$PY manage.py qcluster >var/worker.log 2>&1 &
pids+=($!)

cat <<MSG

  crm_twitter is running:  http://127.0.0.1:${PORT}/
  Sign in as:              demo / demo   (agents: agent_en, agent_zh, … / demo)
  Admin:                   http://127.0.0.1:${PORT}/admin/
  API docs:                http://127.0.0.1:${PORT}/api/docs/
  Logs:                    var/sandbox.log, var/worker.log

MSG
$PY manage.py runserver "127.0.0.1:${PORT}" --noreload
