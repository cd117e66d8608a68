#!/usr/bin/env bash
# Client cost per operation against the null target (the mock server in its own
# process): CPU seconds (user+sys) per op, context switches and peak RSS of the
# sibyl-stress client, from GNU time. Usage: tools/stress/benches/client_cost.sh [N]
set -euo pipefail
N=${1:-1000000}
BIN=${BIN:-target/release/sibyl-stress}
PORT=${PORT:-19600}
cargo build --release -p sibyl-stress -j2 >/dev/null
"$BIN" mock-server port=$PORT > /tmp/sibyl-stress-mock.log &
MOCK=$!
trap 'kill $MOCK' EXIT
sleep 1
/usr/bin/time -v "$BIN" write n=$N no-warmup -rate threads=256 -node 127.0.0.1 -port native=$PORT \
  2> /tmp/sibyl-stress-time.log | tail -20
grep -E "User time|System time|Maximum resident|context switches|Elapsed" /tmp/sibyl-stress-time.log
awk -v n=$N '/User time/{u=$4} /System time/{s=$4} END{printf "CPU per op: %.2f us\n", (u+s)/n*1e6}' /tmp/sibyl-stress-time.log
