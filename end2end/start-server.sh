#!/usr/bin/env bash
# Starts the release build for one browser-test project on a fresh data
# folder: start-server.sh PORT NAME. Logs go to .test-data/e2e/NAME.log.
set -euo pipefail
cd "$(dirname "$0")/.."
port=$1 name=$2
dir=.test-data/e2e/$name
rm -rf "$dir" && mkdir -p "$dir"
export STAGECRAFT_DATA_DIR=$dir LEPTOS_SITE_ADDR=127.0.0.1:$port
unset DATABASE_URL
# The log check reads what debugging would show, not only INFO lines.
export RUST_LOG=${RUST_LOG:-info,server=debug,app=debug,tower_http=debug,tower_sessions=debug,sqlx=debug}
exec ./target/release/server >"$dir.log" 2>&1
