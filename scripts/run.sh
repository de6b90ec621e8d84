#!/usr/bin/env bash
# `make run`: a fresh demo database, the X sandbox, the demo desk loaded through a real sync, the
# django-q2 worker and the web app. One line per step; the details go to logs under var/ and the
# e-mails the desk sends to files in var/mail/. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${VENV:-.venv}/bin/python
PORT=${PORT:-8000}
SANDBOX_PORT=${SANDBOX_PORT:-8765}
export DEBUG=${DEBUG:-1}
export CRM_TWITTER_API_BASE_URL=${CRM_TWITTER_API_BASE_URL:-http://127.0.0.1:${SANDBOX_PORT}}
# The sandbox serves the demo's media on loopback over HTTP: the media archive may fetch it there (only).
export CRM_TWITTER_MEDIA_INSECURE_HOSTS=${CRM_TWITTER_MEDIA_INSECURE_HOSTS:-127.0.0.1:${SANDBOX_PORT}}
# The sandbox signs its X Activity API deliveries with its app's consumer secret.
export CRM_TWITTER_WEBHOOK_SECRET=${CRM_TWITTER_WEBHOOK_SECRET:-sandbox-consumer-secret}
mkdir -p "${CRM_VAR_DIR:-var}"
VAR=$(cd "${CRM_VAR_DIR:-var}" && pwd)
export CRM_VAR_DIR=$VAR  # the settings keep the SQLite database there
# The desk's e-mails (dozens during the demo load) are files to read, not console noise.
if [ -z "${EMAIL_BACKEND:-}" ]; then
  export EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend
  export EMAIL_FILE_PATH=$VAR/mail
fi

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

# The sandbox keeps its X in memory and replays the scenario's history with new ids each time it
# starts, so a desk synced from an earlier sandbox would ingest everything again (DMs twice,
# resolved cases reopened late). The default SQLite file is therefore rebuilt with the sandbox;
# a DATABASE_URL database is the user's and is kept: the demo load removes only the demo's own
# data first (its brand accounts, their cases and messages, its customers: crm_twitter_demo --reset).
db=$VAR/crm_twitter.sqlite3
demo_reset=()
if [ -z "${DATABASE_URL:-}" ]; then
  rm -f "$db" "$db-wal" "$db-shm"
  rm -rf "$VAR/mail"
  echo "==> Database: a fresh demo desk in ${db#"$PWD"/}"
else
  demo_reset=(--reset)
  echo "==> Database: DATABASE_URL is kept; the demo's own data in it is loaded afresh"
fi
$PY manage.py migrate --noinput -v0
$PY manage.py createcachetable

echo "==> X sandbox on ${CRM_TWITTER_API_BASE_URL} (log: ${VAR#"$PWD"/}/sandbox.log)"
$PY manage.py crm_twitter_sandbox --host 127.0.0.1 --port "$SANDBOX_PORT" --scenario demo --live \
  >"$VAR/sandbox.log" 2>&1 &
pids+=($!)
sandbox_up=""
for _ in $(seq 1 300); do  # up to a minute on a busy machine; stops early if the sandbox exits
  if ! kill -0 "${pids[-1]}" 2>/dev/null; then break; fi  # the sandbox exited: no point waiting
  if curl -fs -o /dev/null "http://127.0.0.1:${SANDBOX_PORT}/_sandbox/state"; then sandbox_up=1; break; fi
  sleep 0.2
done
if [ -z "$sandbox_up" ]; then
  echo "make run: the X sandbox did not start on port ${SANDBOX_PORT}; last lines of ${VAR#"$PWD"/}/sandbox.log:" >&2
  tail -n 20 "$VAR/sandbox.log" >&2
  exit 1
fi

if ! $PY manage.py crm_twitter_demo "${demo_reset[@]}" --sync --advance >"$VAR/demo.log" 2>&1 \
  || ! $PY manage.py crm_twitter_schedules >>"$VAR/demo.log" 2>&1; then
  echo "make run: loading the demo desk failed; last lines of ${VAR#"$PWD"/}/demo.log:" >&2
  tail -n 20 "$VAR/demo.log" >&2
  exit 1
fi
echo "==> Demo desk synced from the sandbox: $(sed -n 's/^Cases by status: //p' "$VAR/demo.log" | tail -n 1) (log: ${VAR#"$PWD"/}/demo.log)"

$PY manage.py qcluster >"$VAR/worker.log" 2>&1 &
pids+=($!)
mail=${EMAIL_FILE_PATH:+; e-mails: ${EMAIL_FILE_PATH#"$PWD"/}/}
echo "==> Worker (django-q2) started (log: ${VAR#"$PWD"/}/worker.log${mail})"

# In the background and waited for: a trap runs at once during `wait`, not after a foreground child.
$PY manage.py runserver "127.0.0.1:${PORT}" --noreload >"$VAR/web.log" 2>&1 &
pids+=($!)
web_up=""
for _ in $(seq 1 300); do
  if ! kill -0 "${pids[-1]}" 2>/dev/null; then break; fi
  if curl -s -o /dev/null "http://127.0.0.1:${PORT}/"; then web_up=1; break; fi
  sleep 0.2
done
if [ -z "$web_up" ]; then
  echo "make run: the web app did not start on port ${PORT}; last lines of ${VAR#"$PWD"/}/web.log:" >&2
  tail -n 20 "$VAR/web.log" >&2
  exit 1
fi
echo "==> Web app started (log: ${VAR#"$PWD"/}/web.log)"

# Real time: the sandbox delivers new posts and DMs to the desk's webhook (X Activity API) within
# a second; polling stays on as the safety net, slowed while the webhook delivers.
if $PY manage.py crm_twitter_webhooks register --url "http://127.0.0.1:${PORT}/webhooks/x/" >>"$VAR/demo.log" 2>&1 \
  && $PY manage.py crm_twitter_webhooks subscribe >>"$VAR/demo.log" 2>&1; then
  echo "==> Real time: webhook registered with the sandbox, brand accounts subscribed (log: ${VAR#"$PWD"/}/demo.log)"
else
  echo "make run: registering the webhook failed, new messages arrive by polling only (see ${VAR#"$PWD"/}/demo.log)" >&2
fi

cat <<MSG

  crm_twitter is running:  http://127.0.0.1:${PORT}/
  Sign in as:              demo / demo   (agents: agent_en, agent_zh, … / demo)
  Admin:                   http://127.0.0.1:${PORT}/admin/
  API docs:                http://127.0.0.1:${PORT}/api/docs/
  Ctrl-C stops it; the next \`make run\` starts the demo afresh.

MSG
wait "${pids[-1]}"
