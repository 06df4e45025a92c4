#!/usr/bin/env bash
# Runs every test: the domain table tests and the HTTP tests (on SQLite and
# on PostgreSQL), then the browser tests in Chromium against the release
# build, with JavaScript on and off, then checks the server logs for secrets.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools-path.sh
started=$(date +%s)
source scripts/build-cache.sh
bash scripts/install-tools.sh

PG=${STAGECRAFT_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432}
export STAGECRAFT_TEST_POSTGRES=$PG
if ! psql "$PG/postgres" -Atc 'select 1' >/dev/null 2>&1; then
  echo "==> Starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 30); do psql "$PG/postgres" -Atc 'select 1' >/dev/null 2>&1 && break; sleep 1; done
fi
drop_test_databases() {
  psql "$PG/postgres" -Atc "select datname from pg_database where datname like 'sc_test_%'" 2>/dev/null |
    while read -r db; do psql "$PG/postgres" -qc "drop database if exists $db with (force)" >/dev/null 2>&1 || true; done
}
trap drop_test_databases EXIT
drop_test_databases

echo
echo "==> Building the release"
cargo leptos build --release --split

echo
echo "==> The main wasm bundle stays under issue 11's limit (650 KB gzipped)"
bundle=$(gzip -9 -c target/site/pkg/stagecraft.wasm | wc -c)
echo "main bundle: $(stat -c %s target/site/pkg/stagecraft.wasm) bytes, $bundle gzipped"
[ "$bundle" -le 665600 ] || { echo "the main wasm bundle is $bundle bytes gzipped, over 650 KB"; exit 1; }

echo
echo "==> Server tests (domain, HTTP on SQLite and PostgreSQL)"
mkdir -p .test-data
: >.test-data/server-test-errors.log
# Absolute: the tests run in server/.
STAGECRAFT_TEST_ERRORS="$PWD/.test-data/server-test-errors.log" cargo leptos test --release --split

echo
echo "==> Fuzzing the HTTP API against its OpenAPI document (schemathesis)"
bash scripts/fuzz-api.sh

echo
echo "==> Browser tests (Chromium, JavaScript on and off)"
rm -rf .test-data/e2e
(cd end2end && npx playwright test)

echo
echo "==> Checking the browser-test server logs for secrets"
bash end2end/check-logs.sh .test-data/e2e

echo
echo "==> Checking every server log of the run for errors nobody expected"
# The corrupt-row test's ERROR must be there: proof the lines are collected.
grep -q corrupt-row-probe .test-data/server-test-errors.log ||
  { echo "the server tests' ERROR lines were not collected"; exit 1; }
bash scripts/check-errors.sh .test-data/server-test-errors.log .test-data/fuzz-server.log .test-data/e2e/*.log

echo
echo "All tests passed in $(( $(date +%s) - started )) s."
