#!/usr/bin/env bash
# Serve the platform with a Celery worker and beat on the embedded defaults (SQLite and
# the file-system broker), or on whatever DATABASE_URL / REDIS_URL say. Ctrl-C stops all.
#
# Safe to serve on a town's LAN by default: DEBUG is off (no tracebacks to visitors),
# gunicorn serves, WhiteNoise serves the collected static files, and the secret key and
# the personal-data keys are generated once in var/ (settings.py). DEBUG=1 runs Django's
# development server with auto-reload instead.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
export DEBUG=${DEBUG:-0}
mkdir -p var/log

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

"$BIN/celery" -A governance worker --loglevel=INFO --concurrency=2 >var/log/worker.log 2>&1 &
pids+=($!)
"$BIN/celery" -A governance beat --loglevel=INFO --pidfile= >var/log/beat.log 2>&1 &
pids+=($!)

cat <<MSG

  Village grid governance is running:  http://$HOST:$PORT/
  Admin: http://$HOST:$PORT/admin/    API: http://$HOST:$PORT/api/v1/    Docs: http://$HOST:$PORT/api/docs/
  Worker and beat logs: var/log/worker.log, var/log/beat.log
  The demo log-ins are listed above (password demo12345). Ctrl-C stops everything.
  Serving other machines: HOST=0.0.0.0 ALLOWED_HOSTS=<this machine's address> make run

MSG
if [ "$DEBUG" = 1 ]; then
  "$BIN/python" manage.py runserver "$HOST:$PORT" &
else
  "$BIN/python" manage.py collectstatic --noinput -v0
  "$BIN/gunicorn" governance.wsgi:application --bind "$HOST:$PORT" --workers 3 \
    --access-logfile var/log/access.log &
fi
pids+=($!)
wait -n "${pids[@]}"
