#!/usr/bin/env bash
# The cost of a request (issue 8, item 9): wrk (2 threads, 64 connections,
# 10 s each) against the release build on a fresh SQLite installation, all
# in one run so the ratios compare like with like:
#   - the unauthenticated 401 of GET /api/v1/environments (no query),
#   - the not-found page, held (server::held_pages) and rendered,
#   - a static asset (the built CSS, by its hashed name),
#   - the signed-in dashboard (20 apps), held and rendered.
# A page is held as rendered HTML per visitor and address until the next
# change; "rendered" asks for a new address each time (`?fresh=…`, which the
# pages ignore), so every answer is rendered.
# and the server's memory: RSS after start, after the set-up, and the peak.
# Writes the table between the bench-pages markers of README.md.
#   bash scripts/bench-pages.sh            (builds the release if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-server.sh
start_server "${BENCH_PORT:-3099}"
RSS_START=$(rss)

JAR="$DIR/cookies"
curl -s -c "$JAR" -H 'content-type: application/json' \
  -d '{"name":"Bench","email":"bench@example.com","password":"bench password 1"}' "$BASE/api/v1/setup" >/dev/null
for i in $(seq -w 1 20); do
  curl -s -b "$JAR" -H 'content-type: application/json' -d "{\"name\":\"App $i\"}" "$BASE/api/v1/apps" >/dev/null
done
COOKIE=$(awk '$6 == "stagecraft_session" {print $6"="$7}' "$JAR")
CSS=$(curl -s -b "$JAR" "$BASE/" | grep -o '/pkg/[^"]*\.css' | head -1)
[ -n "$CSS" ] || { echo "the dashboard links no stylesheet"; exit 1; }
[ "$(curl -s -o /dev/null -w '%{http_code}' -b "$JAR" "$BASE/")" = 200 ] || { echo "the dashboard did not answer 200"; exit 1; }
RSS_READY=$(rss)

# A new address for every request of every wrk thread.
cat >"$DIR/fresh.lua" <<'LUA'
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  n = 0
  base = os.getenv("FRESH_BASE") or "/"
end
function request()
  n = n + 1
  return wrk.format(nil, base .. "?fresh=" .. tid .. "-" .. n)
end
LUA
run() { # name, expected status, path, [cookie], [wrk options…]
  local name=$1 status=$2 path=$3 cookie=${4:-}
  shift 4 2>/dev/null || shift $#
  local got
  got=$(curl -s -o /dev/null -w '%{http_code}' ${cookie:+-H "Cookie: $cookie"} "$BASE$path")
  [ "$got" = "$status" ] || { echo "$name: expected $status, got $got"; exit 1; }
  local m
  m=$(measure "$path" ${cookie:+-H "Cookie: $cookie"} "$@")
  echo "$name|$status|$(cut -d'|' -f1-3 <<<"$m")"
}
ROWS=()
ROWS+=("$(run '401 answer (`GET /api/v1/environments`, no session)' 401 /api/v1/environments)")
ROWS+=("$(run 'not-found page, held' 404 /no-such-page)")
ROWS+=("$(FRESH_BASE=/no-such-page run 'not-found page, rendered (a new address each request)' 404 /no-such-page?fresh=0 '' -s "$DIR/fresh.lua")")
ROWS+=("$(run "static asset (\`$(basename "$CSS")\`, from memory)" 200 "$CSS")")
ROWS+=("$(run 'signed-in dashboard (20 apps), held' 200 / "$COOKIE")")
ROWS+=("$(FRESH_BASE=/ run 'signed-in dashboard (20 apps), rendered (a new address each request)' 200 /?fresh=0 "$COOKIE" -s "$DIR/fresh.lua")")
RSS_END=$(rss)
PEAK=$(peak)

rps_of() { cut -d'|' -f3 <<<"${ROWS[$1]}"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.0f %%", 100 * a / b}'; }
TABLE="<!-- bench-pages:start -->
Measured by \`bash scripts/bench-pages.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores, release build, SQLite,
wrk 2 threads, 64 connections, 10 s per row, all rows in one run:

| request | status | requests/s | p50 | p99 |
|---|---|---|---|---|
$(for r in "${ROWS[@]}"; do IFS='|' read -r n s q p50 p99 <<<"$r"; echo "| $n | $s | $q | $p50 | $p99 |"; done)

Held: dashboard / not-found page $(ratio "$(rps_of 4)" "$(rps_of 1)"), not-found page / 401 answer $(ratio "$(rps_of 1)" "$(rps_of 0)").
Rendered: dashboard / not-found page $(ratio "$(rps_of 5)" "$(rps_of 2)"), not-found page / 401 answer $(ratio "$(rps_of 2)" "$(rps_of 0)").
Server memory: $RSS_START MB RSS after start, $RSS_READY MB after set-up and 20 apps, $RSS_END MB after the load, peak $PEAK MB.
<!-- bench-pages:end -->"
write_readme bench-pages "$TABLE"
