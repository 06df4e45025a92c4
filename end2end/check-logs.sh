#!/usr/bin/env bash
# Fails if a password, a password hash or a session id reached a server log
# of the browser tests (SPEC S4), or a secret the tests entered (D3, C3).
set -euo pipefail
dir=$1
logs=("$dir"/*.log)
[ -e "${logs[0]}" ] || { echo "no server logs in $dir"; exit 1; }
status=0
for log in "${logs[@]}"; do
  [ -s "$log" ] || { echo "$log is empty: nothing was checked"; status=1; continue; }
  # The passwords, and the data source password and secret constant the
  # queries spec enters (SPEC D3, C3).
  for secret in "correct horse battery" "builder password 1" "a wrong password" '$argon2' \
      "not-shown-pw" "staging-secret-value"; do
    if grep -qF -- "$secret" "$log"; then echo "SECRET IN LOG $log: $secret"; status=1; fi
  done
  # Every session id the browser held (written by the tests) must be absent.
  name=$(basename "$log" .log)
  if [ -f "$dir/$name.sessions" ]; then
    while read -r sid; do
      [ -n "$sid" ] && grep -qF -- "$sid" "$log" && { echo "SESSION ID IN LOG $log"; status=1; }
    done <"$dir/$name.sessions"
  fi
done
[ $status -eq 0 ] && echo "No secrets in ${#logs[@]} server logs."
exit $status
