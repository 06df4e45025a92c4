#!/usr/bin/env bash
# Ships an app from a CI pipeline: a new version from the latest one,
# saved, promoted to staging and then production, and released with a
# note. Needs only curl, jq and a personal access token (Tokens page).
#   STAGECRAFT_URL=https://stagecraft.example.com STAGECRAFT_TOKEN=stc_... \
#     bash ship.sh APP_ID VERSION_NAME "release note"
set -euo pipefail
app=$1 name=$2 note=${3:-}

# api METHOD PATH [JSON]: prints the answer; on any non-2xx, prints the
# API's error message and stops the pipeline.
api() {
  local args=(-sS -X "$1" -H "Authorization: Bearer $STAGECRAFT_TOKEN" -o "$answer" -w '%{http_code}')
  [ $# -lt 3 ] || args+=(-H 'Content-Type: application/json' --data "$3")
  local status
  status=$(curl "${args[@]}" "$STAGECRAFT_URL/api/v1$2")
  if [ "$status" -lt 200 ] || [ "$status" -gt 299 ]; then
    echo "$1 $2: $status $(jq -r '.error.message? // .' "$answer" 2>/dev/null || cat "$answer")" >&2
    exit 1
  fi
  cat "$answer"
}
answer=$(mktemp)
trap 'rm -f "$answer"' EXIT

latest=$(api GET "/apps/$app/versions" | jq -r 'max_by(.created_at).id')
version=$(api POST "/apps/$app/versions" \
  "$(jq -n --arg name "$name" --arg from "$latest" '{name: $name, from_version_id: $from}')" | jq -r .id)
api POST "/apps/$app/versions/$version/save" >/dev/null
api POST "/apps/$app/versions/$version/promote" '{"from": "development"}' >/dev/null
api POST "/apps/$app/versions/$version/promote" '{"from": "staging"}' >/dev/null
api POST "/apps/$app/versions/$version/release" "$(jq -n --arg note "$note" '{note: $note}')" >/dev/null
echo "Released $name ($version)"
