#!/usr/bin/env bash
# Queries under load (issues 10 and 11): wrk (2 threads, 64 connections,
# 10 s) against the release build on a fresh SQLite installation, where the
# query `orders` reads 50 rows from a SQLite data source: run through
# `POST /api/v1/apps/{app}/versions/{v}/queries/orders/run`, and rendered
# as a table on the released app's page `/apps/{slug}`; with the not-found
# page in the same run for scale, the first, second and hundredth run's
# time (the pool is made once), and the server's RSS during the load.
# Writes the table between the bench-queries markers of README.md.
#   bash scripts/bench-queries.sh            (builds the release if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-server.sh
mkdir -p "$DIR/datasources"
python3 - "$DIR/datasources/bench.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT, item TEXT, qty INTEGER)")
c.executemany("INSERT INTO orders (customer, item, qty) VALUES (?, ?, ?)",
              [(f"customer {i}", f"item {i}", i) for i in range(1, 51)])
c.commit()
PY
start_server "${BENCH_PORT:-3098}"

JAR="$DIR/cookies"
api() { curl -s -b "$JAR" -c "$JAR" -H 'content-type: application/json' "$@"; }
api -d '{"name":"Bench","email":"bench@example.com","password":"bench password 1"}' "$BASE/api/v1/setup" >/dev/null
api -d '{"name":"Bench DB","kind":"sqlite","environments":{"development":{"file":"bench.db"}}}' "$BASE/api/v1/data-sources" >/dev/null
APP=$(api -d '{"name":"Bench app"}' "$BASE/api/v1/apps")
APP_ID=$(jq -r .id <<<"$APP")
VID=$(jq -r .first_version.id <<<"$APP")
api -X PUT -d '{"definition":{"pages":[{"name":"home","title":"Orders","components":[{"id":"grid","type":"table","query":"orders"}]}],"queries":[{"name":"orders","data_source":"Bench DB","run_on_load":true,"sql":"SELECT id, customer, item, qty FROM orders ORDER BY id"}]},"revision":1}' \
  "$BASE/api/v1/apps/$APP_ID/versions/$VID/definition" >/dev/null
# Released, the page runs it with production's options: the same file.
# Staging reads it too (the pre-flight, B3, refuses a promote to an
# environment where the data source has no options).
DS_ID=$(api "$BASE/api/v1/data-sources" | jq -r '.[0].id')
for env in staging production; do
  api -X PUT -d '{"options":{"file":"bench.db"}}' "$BASE/api/v1/data-sources/$DS_ID/environments/$env" >/dev/null
done
api -d '{}' "$BASE/api/v1/apps/$APP_ID/versions/$VID/save" >/dev/null
api -d '{"from":"development"}' "$BASE/api/v1/apps/$APP_ID/versions/$VID/promote" >/dev/null
api -d '{"from":"staging"}' "$BASE/api/v1/apps/$APP_ID/versions/$VID/promote" >/dev/null
api -d '{}' "$BASE/api/v1/apps/$APP_ID/versions/$VID/release" >/dev/null
SLUG=$(jq -r .slug <<<"$APP")
PAGE_ROWS=$(curl -s -b "$JAR" -H 'accept: text/html' "$BASE/apps/$SLUG" | grep -o '<td>customer [0-9]*</td>' | wc -l)
[ "$PAGE_ROWS" = 50 ] || { echo "the released page shows $PAGE_ROWS rows, not 50"; exit 1; }
RUN="/api/v1/apps/$APP_ID/versions/$VID/queries/orders/run?environment=development"
COOKIE=$(awk '$6 == "stagecraft_session" {print $6"="$7}' "$JAR")
ROWS=$(api -d '{"inputs":{}}' "$BASE$RUN" | jq '.rows | length')
[ "$ROWS" = 50 ] || { echo "the query answered $ROWS rows, not 50"; exit 1; }

# The first run above made the pool; the second and the hundredth reuse it.
timed() { curl -s -o /dev/null -w '%{time_total}' -b "$JAR" -H 'content-type: application/json' -d '{"inputs":{}}' "$BASE$RUN"; }
SECOND=$(timed)
for _ in $(seq 97); do timed >/dev/null; done
HUNDREDTH=$(timed)
ms() { awk -v t="$1" 'BEGIN {printf "%.1f ms", t * 1000}'; }

LUA="$DIR/post.lua"
cat >"$LUA" <<LUA
wrk.method = "POST"
wrk.body = '{"inputs":{}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = "$COOKIE"
LUA
PEAK_FILE="$DIR/peak"
echo 0 >"$PEAK_FILE"
sample() { while kill -0 "$PID" 2>/dev/null; do
  awk -v p="$(cat "$PEAK_FILE")" '/^VmRSS/ {v = $2/1024; if (v > p) printf "%.1f", v; else printf "%s", p}' "/proc/$PID/status" >"$PEAK_FILE.new" && mv "$PEAK_FILE.new" "$PEAK_FILE"
  sleep 0.2; done; }
bench() { # name, path, [lua script], [wrk options…]
  local name=$1 path=$2 script=${3:-}
  shift 3 2>/dev/null || shift $#
  echo "$name|$(measure "$path" ${script:+-s "$script"} "$@")"
}
NOT_FOUND=$(bench 'not-found page (for scale)' /no-such-page)
sample & SAMPLER=$!
QUERY=$(bench 'query run, 50 SQLite rows (`POST …/queries/orders/run`)' "$RUN" "$LUA")
RELEASED=$(bench 'released app page, one 50-row table (`GET /apps/{slug}`)' "/apps/$SLUG" "" -H "Cookie: $COOKIE" -H "Accept: text/html")
kill $SAMPLER 2>/dev/null || true
PEAK=$(cat "$PEAK_FILE")
AFTER=$(rss)
QUERY_ERRORS=$(cut -d'|' -f5 <<<"$QUERY")
[ "$QUERY_ERRORS" = 0 ] || echo "warning: $QUERY_ERRORS non-2xx answers under load"

TABLE="<!-- bench-queries:start -->
Measured by \`bash scripts/bench-queries.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores, release build, SQLite,
wrk 2 threads, 64 connections, 10 s per row, all rows in one run (the not-found answer is 404):

| request | requests/s | p50 | p99 |
|---|---|---|---|
$(for r in "$NOT_FOUND" "$QUERY" "$RELEASED"; do IFS='|' read -r n q p50 p99 _ <<<"$r"; echo "| $n | $q | $p50 | $p99 |"; done)

Released page / not-found page: $(awk -v a="$(cut -d'|' -f2 <<<"$RELEASED")" -v b="$(cut -d'|' -f2 <<<"$NOT_FOUND")" 'BEGIN {printf "%.0f %%", 100 * a / b}').

One run at a time (curl): the second run $(ms "$SECOND"), the hundredth $(ms "$HUNDREDTH") (the pool is
made by the first). Server RSS during the query load: peak $PEAK MB sampled every 0.2 s; $AFTER MB after it.
<!-- bench-queries:end -->"
write_readme bench-queries "$TABLE"
