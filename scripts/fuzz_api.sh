#!/usr/bin/env bash
# Fuzz the live API from its own OpenAPI schema (/api/schema/) with schemathesis, as two
# roles (the demo town office and the demo village cadre, token auth), on a small demo town
# in a database of its own. Fails on any 5xx or any response that breaks the schema.
#
# Used by .ci/run, on SQLite (the default) and on PostgreSQL: with DATABASE_URL set to a
# postgres:// URL, that database is created afresh, fuzzed and dropped (name one used by
# nothing else). Bounded: examples per operation and seconds per role (FUZZ_EXAMPLES,
# FUZZ_SECONDS); the whole run stays within about 5 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(cd "${BIN:-.venv/bin}" && pwd)
EXAMPLES=${FUZZ_EXAMPLES:-25}
SECONDS_PER_ROLE=${FUZZ_SECONDS:-100}
WORK=$(mktemp -d)
PORT=$("$BIN/python" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")

# Production settings (DEBUG off), its own keys and files; throttles raised for this
# server only: the fuzzer sends far more than a user would, and 429s would hide answers.
export DEBUG=0
export SECRET_KEY="fuzz-$(date +%s)-$RANDOM-not-for-production"
export FIELD_ENCRYPTION_KEY=$("$BIN/python" -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())")
export FIELD_HASH_KEY="fuzz-hash-$RANDOM"
export ALLOWED_HOSTS=127.0.0.1,localhost
export VAR_DIR="$WORK/var" STATIC_ROOT="$WORK/static"
export THROTTLE_ANON=100000/minute THROTTLE_USER=100000/minute
export THROTTLE_PUBLIC=100000/minute THROTTLE_PERSONAL_LOOKUP=100000/minute
unset REDIS_URL CACHE_URL  # deliveries queue to the file-system broker in $WORK; nothing consumes them

DB=""
case "${DATABASE_URL:-}" in
  postgres://* | postgresql://*)
    DB=${DATABASE_URL##*/}
    DB=${DB%%\?*}
    SERVER=${DATABASE_URL%/*}
    PGOPTIONS=--client-min-messages=warning psql "$SERVER/postgres" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null
    psql "$SERVER/postgres" -qc "CREATE DATABASE $DB" >/dev/null
    ;;
  "") export DATABASE_URL="sqlite:///$WORK/fuzz.sqlite3" ;;
esac

server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  if [ -n "$DB" ]; then psql "$SERVER/postgres" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "fuzz: ${DATABASE_URL%%://*} database, port $PORT, $EXAMPLES examples per operation, ${SECONDS_PER_ROLE} s per role"
"$BIN/python" manage.py migrate --noinput -v0
"$BIN/python" manage.py collectstatic --noinput -v0  # as production serves (DEBUG off)
"$BIN/python" manage.py seed_demo --villages 2 --grids-per-village 2 --households-per-village 10 >"$WORK/seed.log"
token() { "$BIN/python" manage.py drf_create_token "$1" | awk '{print $3}'; }
OFFICE_TOKEN=$(token demo_office)
CADRE_TOKEN=$(token demo_cadre)
# The ids, area codes and tracking numbers that exist, for the hooks to aim at.
FUZZ_REAL_VALUES=$("$BIN/python" manage.py shell --no-imports -v0 -c '
import json
from governance.api.urls import router
from grids.models import Town, Village
from cases.models import Case
ids = {}
for prefix, viewset, _basename in router.registry:
    if getattr(viewset, "queryset", None) is None:  # a computed list (coverage): no ids
        continue
    pks = viewset.queryset.model._default_manager.order_by("pk").values_list("pk", flat=True)
    ids[prefix] = sorted({*pks[:10], *pks.reverse()[:10]})
codes = [*Town.objects.values_list("code", flat=True), *Village.objects.values_list("code", flat=True)]
numbers = list(Case.objects.order_by("pk").values_list("tracking_number", flat=True)[:20])
print(json.dumps({"ids": ids, "code": codes, "number": numbers}))
')
export FUZZ_REAL_VALUES SCHEMATHESIS_HOOKS="$PWD/scripts/fuzz_api_hooks.py"

"$BIN/gunicorn" governance.wsgi:application --bind "127.0.0.1:$PORT" --workers 2 --timeout 60 \
  >"$WORK/server.log" 2>&1 &
server=$!
base="http://127.0.0.1:$PORT"
for _ in $(seq 60); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
curl -fs "$base/healthz" >/dev/null || { cat "$WORK/server.log" >&2; echo "fuzz: the server did not start" >&2; exit 1; }

# One schemathesis process per role, side by side, one worker each (its threads share
# Python's parser, which breaks on hypothesis's lambda descriptions under Python 3.11).
# Only two checks fail the run: a 5xx, and a response its schema does not allow.
fuzz() {
  local role=$1 token=$2
  # from $WORK, where schemathesis keeps its cache (.schemathesis/)
  (cd "$WORK" && "$BIN/st" run "$base/api/schema/" \
    --header "Authorization: Token $token" \
    --checks not_a_server_error,response_schema_conformance \
    --max-examples "$EXAMPLES" --max-time "$SECONDS_PER_ROLE" \
    --phases examples,coverage,fuzzing \
    --workers 1 --seed 2026 --no-color \
    --generation-database none \
    --request-timeout 30 \
    --report junit --report-dir "$WORK/report-$role") \
    >"$WORK/fuzz-$role.log" 2>&1
}
fuzz office "$OFFICE_TOKEN" &
office=$!
fuzz cadre "$CADRE_TOKEN" &
cadre=$!
status=0
wait "$office" || status=1
wait "$cadre" || status=1
for role in office cadre; do
  echo "== fuzz as demo_$role"
  cat "$WORK/fuzz-$role.log"
done
if [ "$status" != 0 ]; then
  echo "--- server log (last 60 lines)" >&2
  tail -n 60 "$WORK/server.log" >&2
fi
exit "$status"
