# Sourced by the scripts: a clean clone (as CI makes) has no target/, so
# every run would build the release, its test build and the wasm from
# nothing (17 minutes and more on 2 cores). When the machine has a cache
# folder, target/ is a link into it, so a machine that built once rebuilds
# only what changed; a fresh machine still builds everything. A target/
# already there (a developer's own) is left as it is.
# STAGECRAFT_BUILD_CACHE=off builds in the clone's own target/.
if [ ! -e target ] && [ "${STAGECRAFT_BUILD_CACHE:-on}" != off ]; then
  build_cache="${STAGECRAFT_BUILD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/stagecraft/target}"
  if mkdir -p "$build_cache" 2>/dev/null; then
    ln -s "$build_cache" target
    echo "Build folder: target -> $build_cache (reused between runs on this machine)"
  fi
fi
