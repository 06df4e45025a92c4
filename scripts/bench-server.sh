# Sourced by the benchmark scripts: wrk (installed from Debian if missing),
# the release build, a server on a fresh SQLite data folder, its memory,
# one wrk measurement, and writing a table into README.md.
source scripts/tools-path.sh
if ! command -v wrk >/dev/null; then
  echo "==> Installing wrk (Debian)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get install -y -q wrk >/dev/null || { $SUDO apt-get update -q && $SUDO apt-get install -y -q wrk; }
fi
[ -x target/release/server ] || cargo leptos build --release --split

# start_server PORT: serves $DIR (made here; prepare it after) at $BASE; $PID.
DIR=$(mktemp -d)
start_server() {
  BASE="http://127.0.0.1:$1"
  LEPTOS_SITE_ADDR=127.0.0.1:$1 STAGECRAFT_DATA_DIR="$DIR" RUST_LOG=warn \
    ./target/release/server >"$DIR/server.log" 2>&1 &
  PID=$!
  trap 'kill $PID 2>/dev/null; rm -rf "$DIR"' EXIT
  for _ in $(seq 100); do curl -s -o /dev/null "$BASE/api/v1/environments" && break; sleep 0.1; done
}
rss() { awk '/^VmRSS/ {printf "%.1f", $2/1024}' "/proc/$PID/status"; }
peak() { awk '/^VmHWM/ {printf "%.1f", $2/1024}' "/proc/$PID/status"; }

# measure PATH [wrk options…]: "requests/s|p50|p99|non-2xx" of 10 s at 64 connections.
measure() {
  local path=$1; shift
  local out
  out=$(wrk -t2 -c64 -d10s --latency "$@" "$BASE$path")
  awk '/^Requests\/sec/ {rps = sprintf("%.0f", $2)} $1 == "50%" {p50 = $2} $1 == "99%" {p99 = $2}
       /Non-2xx/ {bad = $5} END {printf "%s|%s|%s|%s", rps, p50, p99, bad + 0}' <<<"$out"
}

# write_readme MARKER TABLE: replaces the text between the MARKER markers.
write_readme() {
  echo "$2"
  if grep -q "<!-- $1:start -->" README.md; then
    python3 - "$1" "$2" <<'PY'
import re, sys
marker, table = sys.argv[1], sys.argv[2]
s = open('README.md').read()
s = re.sub(rf'<!-- {marker}:start -->.*?<!-- {marker}:end -->', lambda m: table, s, flags=re.S)
open('README.md', 'w').write(s)
PY
    echo "README.md updated."
  fi
}
