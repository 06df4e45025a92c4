#!/usr/bin/env bash
# Fails if a server log holds an ERROR line that no test meant to cause.
# ERROR is for what an operator must act on; a user's mistake (a refused or
# invalid request) is a 4xx and at most INFO. The few errors the tests
# provoke on purpose (corrupt rows) are listed, each with its reason, in
# scripts/expected-errors.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
expected=scripts/expected-errors.txt
patterns=$(grep -v '^#' "$expected" | grep -v '^[[:space:]]*$' || true)
status=0
checked=0
for log in "$@"; do
  [ -f "$log" ] || { echo "$log is missing: nothing was checked"; status=1; continue; }
  checked=$((checked + 1))
  unexpected=$(grep -E '(^|[[:space:]])ERROR[[:space:]]' "$log" | { [ -n "$patterns" ] && grep -vF "$patterns" || cat; } || true)
  if [ -n "$unexpected" ]; then
    echo "UNEXPECTED ERROR in $log:"
    printf '%s\n' "$unexpected" | head -20
    status=1
  fi
done
[ $status -eq 0 ] && echo "No unexpected ERROR in $checked server logs."
exit $status
