#!/bin/bash
# Run bench/cases_bench.py against a committed revision (default HEAD) instead of the
# working tree, which others may be editing half-way: the revision is exported to a
# temporary folder (git archive: nothing in the checkout is touched), this checkout's
# bench/cases_bench.py is copied in, and it runs there with this checkout's venv.
#   usage: bench/run_committed.sh [--rev REV] [cases_bench.py options…]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
rev=HEAD
if [ "${1:-}" = "--rev" ]; then rev=$2; shift 2; fi
tree=$(mktemp -d /tmp/bench_tree.XXXXXX)
trap 'rm -rf "$tree"' EXIT
git -C "$here" archive "$rev" | tar -x -C "$tree"
cp "$here/bench/cases_bench.py" "$tree/bench/"
mkdir -p "$tree/var"
echo "revision $(git -C "$here" rev-parse --short "$rev")"
cd "$tree"
export FLOOR_DIR=${FLOOR_DIR:-$(cd "$here/../shared/bench-floor" 2>/dev/null && pwd || echo /nonexistent)}
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/governance_bench}
"$here/.venv/bin/python" bench/cases_bench.py "$@"
