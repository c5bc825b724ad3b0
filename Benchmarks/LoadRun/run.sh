#!/usr/bin/env bash
# The load run (Benchmarks/README.md): wrk at 200 connections against a release build started on a fresh demo
# database, on the province dashboard and on sync, each for a bounded time; the server's resident memory sampled all
# along, and every answer counted by status.
#
#   swift build -c release --product lantoa --scratch-path .build-release
#   Benchmarks/LoadRun/run.sh .build-release/release/lantoa 30
set -euo pipefail
bin=$(realpath "$1"); seconds=${2:-30}; connections=${CONNECTIONS:-200}
here=$(cd "$(dirname "$0")" && pwd); work=$(mktemp -d); port=${PORT:-8091}; base=http://127.0.0.1:$port
export LANTOA_DATA_KEY=$(openssl rand -base64 32) DATABASE_URL=sqlite://$work/load.sqlite STATUS_LUA=$here/status.lua
(cd "$work" && exec "$bin" serve --hostname 127.0.0.1 --port "$port" > server.log 2>&1) &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 600); do curl -sf "$base/health" > /dev/null && break; sleep 1; done
server=$(pgrep -P $pid || echo $pid)
password=$(grep -oE 'admin / [^ ]+' "$work/server.log" | head -1 | cut -d' ' -f3)
login() {
  curl -sf -H 'Content-Type: application/json' -d "{\"login\":\"$1\",\"password\":\"$password\"}" "$base/api/v1/auth/login" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}
rss() { awk '/VmRSS/ { print int($2 / 1024) }' "/proc/$server/status"; }
# The highest resident memory while a command runs, in MiB.
sampled() {
  local peak=0 file=$work/peak; echo 0 > "$file"
  ( while kill -0 "$server" 2>/dev/null; do r=$(rss); [ "$r" -gt "$(cat "$file")" ] && echo "$r" > "$file"; sleep 0.2; done ) &
  local sampler=$!
  "$@"
  kill $sampler 2>/dev/null || true
  echo "server resident memory: peak $(cat "$file") MiB"
}
echo "server resident memory at rest, demo loaded: $(rss) MiB"
# The sampled waits for a pooled database connection so far (lantoa_db_pool_wait_seconds, one sample a second per
# event loop): their count, their mean, and how many waited past 100 ms and past a second.
waits() {
  curl -sf "$base/metrics" | python3 -c '
import re, sys
text = sys.stdin.read()
def value(name):
    m = re.search("^" + re.escape(name) + " (\\S+)$", text, re.M)
    return float(m.group(1)) if m else 0.0
s = "lantoa_db_pool_wait_seconds"; p = "{database=\"primary\""
count = value(s + "_count" + p + "}"); total = value(s + "_sum" + p + "}")
fast = value(s + "_bucket" + p + ",le=\"0.1\"}"); second = value(s + "_bucket" + p + ",le=\"1.0\"}")
mean = total / count * 1000 if count else 0
print(f"pool waits sampled so far: {count:.0f}, mean {mean:.1f} ms, {count - fast:.0f} past 100 ms, {count - second:.0f} past 1 s")
' || true
}

echo "## dashboard of the province (Lạng Sơn), $connections connections, ${seconds} s"
TOKEN=$(login langson) UNIT=20 sampled wrk -t2 -c"$connections" -d"${seconds}s" --timeout 60s --latency -s "$here/dashboard.lua" "$base"
waits

leader=$(login totruong.demo)
set_json=$(curl -sf -H "Authorization: Bearer $leader" "$base/api/v1/sync")
residents=$(python3 -c 'import json, sys; print(",".join(r["id"] for r in json.loads(sys.argv[1])["residents"][:200]))' "$set_json")
services=$(python3 -c 'import json, sys; print(",".join(s["code"] for s in json.loads(sys.argv[1])["services"]))' "$set_json")
day=$(python3 -c 'import json, sys, datetime; print(datetime.datetime.fromtimestamp(json.loads(sys.argv[1])["serverTime"], datetime.timezone(datetime.timedelta(hours=7))).date())' "$set_json")
echo "## sync of 5 supports a request by one hamlet's leader, $connections connections, ${seconds} s"
TOKEN=$leader RESIDENTS=$residents SERVICES=$services DAY=$day sampled wrk -t2 -c"$connections" -d"${seconds}s" --timeout 60s --latency -s "$here/sync.lua" "$base"
waits

echo "## /metrics afterwards"
curl -sf "$base/metrics" | grep -E '^(lantoa_sync_items_total|lantoa_db_(busy|pool_timeouts)_total|http_request_errors_total)' || true
