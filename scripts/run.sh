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
# SIGTERM (to `make`, which passes it on) stops everything as Ctrl-C does.
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Fail before anything starts when a port is taken: otherwise the demo would sync from whatever
# already listens there (an old sandbox, another app) and only var/sandbox.log would say why.
port_taken() {
  "$PY" -c 'import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a port left in TIME_WAIT is free
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(0)
sys.exit(1)' "$1"
}
for spec in "PORT:${PORT}:the web app" "SANDBOX_PORT:${SANDBOX_PORT}:the X sandbox"; do
  IFS=: read -r name port what <<<"$spec"
  if port_taken "$port"; then
    echo "make run: port ${port} (${name}, for ${what}) is already in use on 127.0.0.1." >&2
    echo "  Stop what holds it (is \`make run\` already running?) or pick another: make run ${name}=<port>" >&2
    exit 1
  fi
done

echo "==> Database"
$PY manage.py migrate --noinput -v0
$PY manage.py createcachetable

echo "==> X sandbox on ${CRM_TWITTER_API_BASE_URL}"
$PY manage.py crm_twitter_sandbox --host 127.0.0.1 --port "$SANDBOX_PORT" --scenario demo --live \
  >var/sandbox.log 2>&1 &
pids+=($!)
sandbox_up=""
for _ in $(seq 1 300); do  # up to a minute on a busy machine; stops early if the sandbox exits
  if ! kill -0 "${pids[-1]}" 2>/dev/null; then break; fi  # the sandbox exited: no point waiting
  if curl -fs -o /dev/null "http://127.0.0.1:${SANDBOX_PORT}/_sandbox/state"; then sandbox_up=1; break; fi
  sleep 0.2
done
if [ -z "$sandbox_up" ]; then
  echo "make run: the X sandbox did not start on port ${SANDBOX_PORT}; last lines of var/sandbox.log:" >&2
  tail -n 20 var/sandbox.log >&2
  exit 1
fi

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
# In the background and waited for: a trap runs at once during `wait`, not after a foreground child.
$PY manage.py runserver "127.0.0.1:${PORT}" --noreload &
pids+=($!)
wait "${pids[-1]}"
