#!/usr/bin/env bash
# Builds the cargo-fuzz targets with the stable toolchain (libFuzzer plus
# LLVM sanitizer coverage, as `cargo fuzz build -s none` would) and runs each
# for a bounded time. Usage: scripts/fuzz.sh [seconds-per-target] [target...]
# Corpora persist under target/fuzz/corpus/<target>; crashes fail the run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
triple=$(rustc -vV | sed -n 's/^host: //p')
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
 -Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks"
status=0
for crate in protocol/fuzz storage/fuzz; do
  [[ -f $crate/Cargo.toml ]] || continue
  (cd "$crate" && cargo build --release -j 2 --target "$triple" --target-dir "$PWD/../../target/fuzz" --quiet)
  targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' "$crate/Cargo.toml" | grep -v -- '-fuzz$' || true)
  for target in $targets; do
    if (($#)) && [[ " $* " != *" $target "* ]]; then continue; fi
    corpus=target/fuzz/corpus/$target
    mkdir -p "$corpus" target/fuzz/artifacts
    echo "== fuzz $target for ${seconds}s"
    if ! "target/fuzz/$triple/release/$target" -max_total_time="$seconds" -rss_limit_mb=2048 \
         -artifact_prefix=target/fuzz/artifacts/ -print_final_stats=0 "$corpus" 2> "target/fuzz/$target.log"; then
      echo "fuzz target $target failed:"; tail -n 30 "target/fuzz/$target.log"; status=1
    fi
  done
done
exit $status
