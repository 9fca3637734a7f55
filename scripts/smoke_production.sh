#!/usr/bin/env bash
# Start the production processes by hand — production settings (DEBUG off), PostgreSQL,
# Redis, gunicorn, a Celery worker and beat — and smoke-test them over HTTP.
# Used by .ci/run; needs the local PostgreSQL (trust auth) and Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
PORT=${SMOKE_PORT:-8765}
DB=governance_smoke_$$
WORK=$(mktemp -d)
export DEBUG=0
export SECRET_KEY="smoke-$(date +%s)-$RANDOM-not-for-production"
export FIELD_ENCRYPTION_KEY=$("$BIN/python" -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())")
export FIELD_HASH_KEY="smoke-hash-$RANDOM"
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"
export REDIS_URL="redis://127.0.0.1:6379/13"
export ALLOWED_HOSTS=127.0.0.1,localhost
export VAR_DIR="$WORK/var"
export STATIC_ROOT="$WORK/static"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
# Reads all its input (grep -q would stop early and break curl's pipe under pipefail).
has() { grep -c -- "$1" >/dev/null; }
fail() { echo "SMOKE FAIL: $*" >&2; for f in "$WORK"/*.log; do echo "--- $f"; tail -n 40 "$f"; done >&2; exit 1; }

psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $DB" >/dev/null
"$BIN/python" manage.py migrate --noinput -v0
"$BIN/python" manage.py collectstatic --noinput -v0
"$BIN/python" manage.py seed_demo --villages 3 --grids-per-village 3 >"$WORK/seed.log"
TOKEN=$("$BIN/python" manage.py drf_create_token demo_api | awk '{print $3}')

"$BIN/gunicorn" governance.wsgi:application --bind "127.0.0.1:$PORT" --workers 2 >"$WORK/web.log" 2>&1 &
pids+=($!)
"$BIN/celery" -A governance worker --loglevel=INFO --concurrency=1 -n "smoke-$$@%h" >"$WORK/worker.log" 2>&1 &
pids+=($!)
"$BIN/celery" -A governance beat --loglevel=INFO --pidfile= >"$WORK/beat.log" 2>&1 &
pids+=($!)

base="http://127.0.0.1:$PORT"
for _ in $(seq 60); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
curl -fs "$base/healthz" | has '"ok"' || fail "healthz"
curl -fs "$base/" | has "<html" || fail "home page"
curl -fs "$base/admin/login/" | has "csrfmiddlewaretoken" || fail "admin login page"
css=$(curl -fs "$base/admin/login/" | grep -o '/static/admin/css/[^"]*\.css' | head -n1)
[ -n "$css" ] && curl -fs "$base$css" >/dev/null || fail "static files through WhiteNoise ($css)"
# The front's own assets (Bootstrap and ECharts from the npm registry, htmx from
# django-htmx), served from the install by WhiteNoise: no CDN.
home=$(curl -fs "$base/")
for asset in vendor/bootstrap/bootstrap.min. vendor/bootstrap/bootstrap.bundle.min. django_htmx/htmx; do
  url=$(printf '%s' "$home" | grep -o "/static/$asset[^\"]*" | head -n1)
  [ -n "$url" ] && curl -fs "$base$url" >/dev/null || fail "front asset $asset ($url)"
done
"$BIN/python" -c "import json, sys; m = json.load(open(sys.argv[1]))['paths']; sys.exit(0 if 'vendor/echarts/echarts.min.js' in m else 1)" \
  "${STATIC_ROOT:-var/staticfiles}/staticfiles.json" || fail "ECharts not collected"
printf '%s' "$home" | grep -q "cdn\|unpkg\|jsdelivr" && fail "a CDN address on the home page"
curl -fs "$base/api/schema/" | has "openapi" || fail "OpenAPI schema"
curl -fs "$base/api/docs/" | has "swagger" || fail "API docs"
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/api/v1/towns/")
[ "$code" = 401 ] || fail "anonymous API answered $code, not 401"
curl -fs -H "Authorization: Token $TOKEN" "$base/api/v1/villages/" | has '"count":3' || fail "token API list"
curl -fs -H "Authorization: Token $TOKEN" \
  "$base/api/v1/calendar/deadline/?start=2025-09-26T10:00:00%2B08:00&working_days=3" \
  | has '2025-09-30T23:59:59+08:00' || fail "calendar deadline"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Token $TOKEN" "$base/api/v1/calendar/deadline/?start=x&working_days=3")
[ "$code" = 400 ] || fail "bad input answered $code, not 400"

# The worker answers remote control over Redis and runs a task sent to it.
for _ in $(seq 60); do "$BIN/celery" -A governance inspect ping -t 2 >/dev/null 2>&1 && break; sleep 1; done
"$BIN/celery" -A governance inspect ping -t 5 | has pong || fail "worker ping"
"$BIN/celery" -A governance call governance.tasks.calendar_coverage_check >/dev/null
for _ in $(seq 30); do grep -q "calendar_coverage_check.*succeeded" "$WORK/worker.log" && break; sleep 1; done
grep -q "calendar_coverage_check.*succeeded" "$WORK/worker.log" || fail "task not run by the worker"
# Beat started with the database scheduler and wrote the schedule there.
for _ in $(seq 30); do
  "$BIN/python" manage.py shell -c "from django_celery_beat.models import PeriodicTask as P; import sys; sys.exit(0 if P.objects.filter(name='calendar-coverage-check').exists() else 1)" 2>/dev/null && break
  sleep 1
done
"$BIN/python" manage.py shell -c "from django_celery_beat.models import PeriodicTask as P; import sys; sys.exit(0 if P.objects.filter(name='calendar-coverage-check').exists() else 1)" || fail "beat schedule"
kill -0 "${pids[2]}" || fail "beat exited"
echo "smoke test passed: gunicorn, worker and beat on PostgreSQL + Redis"
