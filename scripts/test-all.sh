#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian machine with Rust: every crate's
# unit and integration tests, then the real Python clients (in a venv this
# script creates) against the real binary. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

# Integration tests start this binary (sibyl-stress's against a real server),
# and a nested cargo build inside `cargo test` would wait on the build lock.
cargo build --bin sibyl --bin sibyl-nodetool -j 2
export SIBYL_BIN="$PWD/target/debug/sibyl"

echo "== Rust tests"
if command -v cargo-nextest >/dev/null 2>&1; then
  timeout 1800 cargo nextest run --workspace -j 2 --no-fail-fast --failure-output final
  # nextest does not run doctests.
  timeout 600 cargo test --workspace --doc -j 2
else
  timeout 1800 cargo test --workspace -j 2
fi

echo "== Fuzz targets (bounded, stable toolchain)"
timeout 900 ./scripts/fuzz.sh "${FUZZ_SECONDS:-20}"

echo "== Node.js client"
nodedir=target/node-clients
if ! cmp -s server/tests/node/package.json "$nodedir/package.json" 2>/dev/null; then
  rm -rf "$nodedir" && mkdir -p "$nodedir"
  cp server/tests/node/package.json "$nodedir/"
  (cd "$nodedir" && npm install --no-audit --no-fund --silent)
fi
cp server/tests/node/*.test.mjs "$nodedir/"
timeout 300 node --test "$nodedir"/*.test.mjs

echo "== Python clients"
venv=target/pyvenv
requirements=server/tests/python/requirements.txt
if ! cmp -s "$requirements" "$venv/.installed" 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$venv/.installed"
fi
timeout 900 "$venv/bin/python" -m pytest -q -p no:cacheprovider server/tests/python
