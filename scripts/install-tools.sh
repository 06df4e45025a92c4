#!/usr/bin/env bash
# Installs what building and testing Stagecraft needs, skipping whatever is
# already there. Nothing is downloaded outside the package registries
# (crates.io, npm, Debian).
set -euo pipefail
cd "$(dirname "$0")/.."

LEPTOS_VERSION=0.3.10
# Must equal the wasm-bindgen crate in Cargo.lock (pinned with `=` in Cargo.toml).
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
source scripts/tools-path.sh

step() { printf '\n==> %s\n' "$*"; }

has_leptos() { cargo leptos --version 2>/dev/null | grep -q "$LEPTOS_VERSION"; }
has_bindgen() { wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; }
# Debian's binaryen (wasm-opt 108) breaks hydration of today's rustc output.
has_wasm_opt() { wasm-opt --version 2>/dev/null | grep -Eq 'version (1(1[6-9]|[2-9][0-9])|[2-9][0-9][0-9])'; }
has_chromium() { command -v chromium >/dev/null 2>&1; }
has_jq() { command -v jq >/dev/null 2>&1; }
has_node_modules() { [ -d end2end/node_modules/@playwright/test ] && [ end2end/node_modules/.package-lock.json -nt end2end/package-lock.json ]; }

missing=()
has_leptos || missing+=("cargo-leptos $LEPTOS_VERSION (about 8 minutes)")
has_bindgen || missing+=("wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 5 minutes)")
has_wasm_opt || missing+=("wasm-opt: binaryen 132 from npm (seconds)")
has_chromium || missing+=("Debian's chromium for the browser tests (about 1 minute)")
has_jq || missing+=("jq, which the pipeline example uses (seconds)")
has_node_modules || missing+=("npm packages of end2end/ (under a minute)")

if [ ${#missing[@]} -eq 0 ]; then
  echo "Build tools: all present."
else
  echo "Stagecraft needs these build tools, which this machine lacks; installing them now."
  echo "On a fresh 2-core machine the first run takes about 13 minutes for the tools"
  echo "(compiled from source), then about 9 minutes to build Stagecraft. Later runs skip this."
  printf '  - %s\n' "${missing[@]}"
fi

if ! rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown; then
  step "Adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
if ! has_leptos; then
  step "Installing cargo-leptos $LEPTOS_VERSION (debug build: quicker to compile, fast enough)"
  cargo install cargo-leptos --version "$LEPTOS_VERSION" --locked --features no_downloads --debug
fi
if ! has_bindgen; then
  step "Installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Not --locked: its lock file names a webpki-roots release the registry does not serve.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi
if ! has_wasm_opt; then
  # npm's binaryen is a Node build of wasm-opt: 3 seconds to install instead
  # of 10 minutes compiling binaryen, about 50 s more per release build.
  step "Installing wasm-opt (npm's binaryen 132, into scripts/wasm-opt)"
  (cd scripts/wasm-opt && npm ci --no-audit --no-fund)
fi
if ! has_chromium; then
  step "Installing Debian's chromium"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium
fi
if ! has_jq; then
  step "Installing jq (Debian)"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get install -y -q jq || { $SUDO apt-get update -q && $SUDO apt-get install -y -q jq; }
fi
if ! has_node_modules; then
  step "Installing the npm packages of end2end/"
  (cd end2end && npm ci --no-audit --no-fund)
fi
echo "Build tools ready."
