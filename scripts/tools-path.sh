# Sourced by the scripts: where the build tools live. npm's wasm-opt (a
# Node build of binaryen) is used when install-tools.sh had to install it.
export PATH="$PWD/scripts/wasm-opt/node_modules/.bin:$HOME/.cargo/bin:$PATH"
