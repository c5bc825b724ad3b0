#!/usr/bin/env bash
# Contract test for CI: starts a built `lantoa` in --dev mode (SQLite, demo data) in a fresh temporary directory on
# port 8097, runs schemathesis with every check against the OpenAPI document it serves, and fails on any failure.
#
#   Tools/contract.sh [path/to/lantoa]        (default .build/debug/lantoa)
#
# Environment: LANTOA_CONTRACT_PORT (8097), LANTOA_CONTRACT_SEED (1), LANTOA_CONTRACT_EXAMPLES (5).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
binary="${1:-.build/debug/lantoa}"
[[ "$binary" = /* ]] || binary="$PWD/$binary"
[[ -x "$binary" ]] || { echo "contract: no executable at $binary (build first: swift build)" >&2; exit 2; }
port="${LANTOA_CONTRACT_PORT:-8097}"
seed="${LANTOA_CONTRACT_SEED:-1}"
examples="${LANTOA_CONTRACT_EXAMPLES:-5}"
base="http://127.0.0.1:$port"

command -v schemathesis >/dev/null 2>&1 || python3 -m pip install -q schemathesis

work="$(mktemp -d "${TMPDIR:-/tmp}/lantoa-contract.XXXXXX")"
server=""
cleanup() {
    if [[ -n "$server" ]] && kill -0 "$server" 2>/dev/null; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

# The SQLite file (lantoa.sqlite) goes in the working directory: a fresh one for each run.
(cd "$work" && exec env -u DATABASE_URL "$binary" serve --dev --hostname 127.0.0.1 --port "$port") >"$work/server.log" 2>&1 &
server=$!

# Demo data takes 30-60 s to load; the admin password is printed once the server is ready.
password=""
for _ in $(seq 1 300); do
    if ! kill -0 "$server" 2>/dev/null; then
        echo "contract: the server stopped:" >&2; cat "$work/server.log" >&2; exit 2
    fi
    password="$(sed -n 's/^ *admin \/ \([^ ]*\) .*whole country.*/\1/p' "$work/server.log" | head -n 1)"
    if [[ -n "$password" ]] && curl -fsS "$base/health" >/dev/null 2>&1; then break; fi
    sleep 1
done
if [[ -z "$password" ]] || ! curl -fsS "$base/health" >/dev/null 2>&1; then
    echo "contract: the server did not become ready in 300 s:" >&2; cat "$work/server.log" >&2; exit 2
fi

export LANTOA_CONTRACT_BASE="$base" LANTOA_CONTRACT_LOGIN=admin LANTOA_CONTRACT_PASSWORD="$password"
export PYTHONPATH="$repo${PYTHONPATH:+:$PYTHONPATH}" SCHEMATHESIS_HOOKS=Tools.schemathesis_hooks
status=0
(cd "$repo" && schemathesis run "$base/api/v1/openapi.json" --url "$base/api/v1" --checks all \
    --max-examples "$examples" --workers 1 --seed "$seed") || status=$?
if [[ $status -ne 0 ]]; then
    echo "contract: schemathesis reported failures (exit $status); server log: last lines follow" >&2
    tail -n 40 "$work/server.log" >&2
fi
exit "$status"
