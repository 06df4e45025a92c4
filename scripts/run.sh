#!/usr/bin/env bash
# Installs what is missing, builds the release, and serves Stagecraft on
# http://127.0.0.1:3000 with the embedded SQLite database in ./data.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools-path.sh
source scripts/build-cache.sh
bash scripts/install-tools.sh
echo
echo "==> Building Stagecraft (release; about 9 minutes the first time on 2 cores)"
cargo leptos build --release --split
echo
echo "==> Serving on http://${LEPTOS_SITE_ADDR:-127.0.0.1:3000} (Ctrl-C stops)"
exec ./target/release/server
