#!/usr/bin/env bash
# Fuzzes the HTTP API with schemathesis (pinned, from PyPI) against the
# release build and its own OpenAPI document, signed in by token as an admin
# and as a builder. Fails on any 5xx, any answer the document does not
# allow (status, content type, body schema) and any answer slower than 1 s.
#   bash scripts/fuzz-api.sh        (after `cargo leptos build --release`)
set -euo pipefail
cd "$(dirname "$0")/.."
SCHEMATHESIS_VERSION=4.32.5
VALIDATOR_VERSION=0.9.0
VENV=.test-data/fuzz-venv
if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION" ||
  ! "$VENV/bin/pip" show openapi-spec-validator 2>/dev/null | grep -q "Version: $VALIDATOR_VERSION"; then
  echo "==> Installing schemathesis $SCHEMATHESIS_VERSION and openapi-spec-validator $VALIDATOR_VERSION (PyPI) into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION" "openapi-spec-validator==$VALIDATOR_VERSION"
fi

PORT=${FUZZ_PORT:-3098}
BASE="http://127.0.0.1:$PORT"
DIR=$(mktemp -d)
LOG=.test-data/fuzz-server.log
LEPTOS_SITE_ADDR=127.0.0.1:$PORT STAGECRAFT_DATA_DIR="$DIR" RUST_LOG=info \
  ./target/release/server >"$LOG" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; rm -rf "$DIR"' EXIT
for _ in $(seq 100); do curl -s -o /dev/null "$BASE/api/v1/openapi.json" && break; sleep 0.1; done

echo "==> The document is valid OpenAPI"
curl -sf "$BASE/api/v1/openapi.json" >"$DIR/openapi.json"
"$VENV/bin/openapi-spec-validator" "$DIR/openapi.json"

post() { # cookie-jar path json -> body
  curl -sf -b "$1" -c "$1" -H 'content-type: application/json' -d "$3" "$BASE/api/v1$2"
}
ADMIN="$DIR/admin"
BUILDER="$DIR/builder"
post "$ADMIN" /setup '{"name":"Fuzz","email":"fuzz@example.com","password":"fuzz password 1"}' >/dev/null
post "$ADMIN" /users '{"email":"b@example.com","name":"B","password":"builder password","role":"builder"}' >/dev/null
post "$BUILDER" /auth/login '{"email":"b@example.com","password":"builder password"}' >/dev/null
app=$(post "$ADMIN" /apps '{"name":"Fuzzed"}' | jq -r .id)
[ -n "$app" ]
ADMIN_TOKEN=$(post "$ADMIN" /tokens '{"name":"fuzz"}' | jq -r .token)
BUILDER_TOKEN=$(post "$BUILDER" /tokens '{"name":"fuzz"}' | jq -r .token)

# One worker: with two, hypothesis parses its own sources with `ast.parse`
# in both threads at once, and CPython 3.11 can fail that with "AST
# constructor recursion depth mismatch" (a runtime error of the tool, not an
# answer of ours), which failed a run on 2026-12-02.
fuzz() { # who token
  echo "==> schemathesis as $1"
  "$VENV/bin/schemathesis" run "$BASE/api/v1/openapi.json" \
    --header "Authorization: Bearer $2" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --max-response-time 1 \
    --max-examples "${FUZZ_EXAMPLES:-15}" \
    --phases examples,coverage,fuzzing \
    --seed 20261202 \
    --workers 1 \
    --request-timeout 5 \
    --warnings off \
    --report junit --report-dir ".test-data/fuzz-$1"
}
fuzz admin "$ADMIN_TOKEN"
fuzz builder "$BUILDER_TOKEN"
echo "No 5xx, no answer outside the document, none slower than 1 s."
