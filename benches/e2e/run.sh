#!/usr/bin/env bash
# benches/e2e/run.sh — Sibyl's single-node end-to-end benchmark (issue 6).
#
# Builds release binaries, starts `sibyl` pinned to SERVER_CPUS with a fresh
# workdir, and drives it with `sibyl-stress` pinned to CLIENT_CPUS:
#   max-throughput write, read (of the data just written) and mixed runs, then
#   fixed-rate write and read runs at 25/50/75 % of the measured maxima
#   (latencies CO-corrected: measured from each op's intended start).
# Then the same client against `sibyl-null-server` (the real transport with a
# processor that answers at once) for the protocol ceiling.
# Records ops/s, p50/p99/p99.9/max, server CPU per op (utime+stime deltas of
# /proc/<pid>/stat), boot time and idle RSS; writes
# benches/e2e/out/<timestamp>/summary.md and report.html.
#
# Every knob is an environment variable (defaults: a full run takes about
# 5 minutes plus the build on a 2-core machine):
#   SMP=1 SERVER_CPUS=0 CLIENT_CPUS=1   shards, their cores, the client's cores
#   PHASE_SECONDS=20                    each max-throughput run
#   FIXED_SECONDS=15                    each fixed-rate run
#   FIXED_PERCENTS="25 50 75"           fixed-rate runs, % of the measured max
#   THREADS=256                         client concurrency (requests in flight)
#   KEYS=200000                         population (10-byte keys, 5 x 34-byte columns)
#   COMMITLOG=periodic                  sibyl --commitlog-sync
#   PORT=29042                          CQL port (PORT+1 shard-aware), 127.0.0.1 only
#   SKIP_BUILD=0 SKIP_NULL=0            reuse binaries / skip the ceiling runs
#   PERF=0                              1: perf record the server during the max runs
#   OUT=benches/e2e/out/<timestamp>     where results go
#   BIN=$CARGO_TARGET_DIR/release       binaries (default target/release)
# Example (short): PHASE_SECONDS=5 FIXED_SECONDS=5 FIXED_PERCENTS=50 benches/e2e/run.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
SMP=${SMP:-1}
SERVER_CPUS=${SERVER_CPUS:-0}
CLIENT_CPUS=${CLIENT_CPUS:-1}
PHASE_SECONDS=${PHASE_SECONDS:-20}
FIXED_SECONDS=${FIXED_SECONDS:-15}
FIXED_PERCENTS=${FIXED_PERCENTS:-25 50 75}
THREADS=${THREADS:-256}
KEYS=${KEYS:-200000}
COMMITLOG=${COMMITLOG:-periodic}
PORT=${PORT:-29042}
SKIP_BUILD=${SKIP_BUILD:-0}
SKIP_NULL=${SKIP_NULL:-0}
PERF=${PERF:-0}
OUT=${OUT:-$ROOT/benches/e2e/out/$(date +%Y%m%d-%H%M%S)}
BIN=${BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release}
mkdir -p "$OUT"
PHASES=$OUT/phases.tsv
printf 'target\tphase\tjson\tcpu_ticks\twall_s\n' > "$PHASES"
: > "$OUT/facts.env"

LOG_TAG=e2e
# shellcheck source=benches/e2e/lib.sh
. "$ROOT/benches/e2e/lib.sh"
fact() { echo "$1=$2" >> "$OUT/facts.env"; }

if [ "$SKIP_BUILD" != 1 ]; then
    log "building release binaries"
    timeout 3600 cargo build --release -j2 --bin sibyl --bin sibyl-stress --bin sibyl-null-server
fi

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# Nanoseconds the server's threads spent runnable but waiting for a CPU (other
# processes on its core): the share of the run the server could not run.
runq_wait_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $2} END {printf "%d", s}'; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
now_ns() { date +%s%N; }

# stress TARGET PID PHASE ARGS...: one sibyl-stress run, CPU ticks of PID around it.
stress() {
    local target=$1 pid=$2 phase=$3; shift 3
    local json=$OUT/$target-$phase.json perf_pid=""
    log "$target $phase: sibyl-stress $*"
    if [ "$PERF" = 1 ] && [[ "$phase" == max-* ]]; then
        perf record -F 999 -g -p "$pid" -o "$OUT/perf-$target-$phase.data" >/dev/null 2>&1 &
        perf_pid=$!; PIDS+=("$perf_pid")
    fi
    local before start wait_before
    before=$(cpu_ticks "$pid"); wait_before=$(runq_wait_ns "$pid"); start=$(now_ns)
    timeout $(( PHASE_SECONDS + FIXED_SECONDS + 120 )) /usr/bin/time -o "$OUT/$target-$phase.client-cpu" -f "%U %S" taskset -c "$CLIENT_CPUS" "$BIN/sibyl-stress" "$@" \
        -node 127.0.0.1 -port native="$PORT" \
        -log json="$json" hdrfile="$OUT/$target-$phase.hdr" \
        -graph file="$OUT/report.html" title="sibyl e2e $(basename "$OUT")" revision="$target $phase" \
        > "$OUT/$target-$phase.log" 2>&1 || { log "sibyl-stress failed:"; tail -20 "$OUT/$target-$phase.log" >&2; return 1; }
    local after end
    after=$(cpu_ticks "$pid"); end=$(now_ns)
    echo "$(( $(runq_wait_ns "$pid") - wait_before ))" > "$OUT/$target-$phase.runq-wait-ns"
    cut -d' ' -f1-3 /proc/loadavg > "$OUT/$target-$phase.loadavg"
    if [ -n "$perf_pid" ]; then
        kill -INT "$perf_pid" 2>/dev/null || true; wait "$perf_pid" 2>/dev/null || true
        perf report -i "$OUT/perf-$target-$phase.data" --no-children --percent-limit 1 --stdio \
            > "$OUT/perf-$target-$phase.txt" 2>/dev/null || true
    fi
    printf '%s\t%s\t%s\t%s\t%s\n' "$target" "$phase" "$json" "$(( after - before ))" \
        "$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f", (b - a) / 1e9}')" >> "$PHASES"
    grep -E "^Op rate|Latency 99th|Latency 99.9th" "$OUT/$target-$phase.log" | tr -s ' ' >&2 || true
}

rate_of() { python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["achieved_rate_ops_per_s"]))' "$1"; }

# sibyl rejects cassandra-stress's default `WITH compression = {}` today
# (docs/dev/sibyl-stress.md); LZ4 is Cassandra's own default.
SCHEMA=(-schema compression=LZ4Compressor)
COMMON=(no-warmup -rate "threads=$THREADS" "${SCHEMA[@]}")
WRITE_POP=(-pop "seq=1..$KEYS")
READ_POP=(-pop "dist=uniform(1..$KEYS)")

# --- Sibyl -------------------------------------------------------------------
API_FLAG=()
if "$BIN/sibyl" --help 2>&1 | grep -q -- "--api-port"; then API_FLAG=(--api-port 0); fi
WORKDIR=$OUT/workdir
rm -rf "$WORKDIR"
log "starting sibyl --smp $SMP --cpuset $SERVER_CPUS --commitlog-sync $COMMITLOG"
boot_start=$(now_ns)
"$BIN/sibyl" --smp "$SMP" --cpuset "$SERVER_CPUS" --workdir "$WORKDIR" \
    --listen-address 127.0.0.1 \
    --native-transport-port "$PORT" --native-shard-aware-transport-port $(( PORT + 1 )) \
    --commitlog-sync "$COMMITLOG" "${API_FLAG[@]}" > "$OUT/sibyl.log" 2>&1 &
SIBYL=$!; PIDS+=("$SIBYL")
wait_started "$SIBYL" "$OUT/sibyl.log"
fact boot_wall_ms $(( ($(now_ns) - boot_start) / 1000000 ))
fact boot_reported_ms "$(grep -o 'started in [0-9]*' "$OUT/sibyl.log" | head -1 | awk '{print $3}')"
sleep 2
fact idle_rss_boot_kb "$(rss_kb "$SIBYL")"

stress sibyl "$SIBYL" max-write write "duration=${PHASE_SECONDS}s" "${COMMON[@]}" "${WRITE_POP[@]}"
stress sibyl "$SIBYL" max-read read "duration=${PHASE_SECONDS}s" "${COMMON[@]}" "${READ_POP[@]}"
stress sibyl "$SIBYL" max-mixed mixed "duration=${PHASE_SECONDS}s" "ratio(write=1,read=1)" "${COMMON[@]}" "${READ_POP[@]}"
MAX_WRITE=$(rate_of "$OUT/sibyl-max-write.json")
MAX_READ=$(rate_of "$OUT/sibyl-max-read.json")
for pct in $FIXED_PERCENTS; do
    for op in write read; do
        if [ "$op" = write ]; then max=$MAX_WRITE pop=("${WRITE_POP[@]}"); else max=$MAX_READ pop=("${READ_POP[@]}"); fi
        rate=$(( max * pct / 100 )); [ "$rate" -ge 1 ] || rate=1
        stress sibyl "$SIBYL" "fixed$pct-$op" "$op" "duration=${FIXED_SECONDS}s" no-warmup \
            -rate "threads=$THREADS" "fixed=${rate}/s" "${SCHEMA[@]}" "${pop[@]}"
    done
done
sleep 3
fact idle_rss_after_kb "$(rss_kb "$SIBYL")"
fact workdir_bytes "$(du -sb "$WORKDIR" | awk '{print $1}')"
stop_server "$SIBYL"
# Each shard logs its cross-shard call counts when it stops: with a
# shard-aware client, requests forwarded between shards should be rare.
fact cross_shard_calls "$(grep -o 'calls_received=[0-9]*' "$OUT/sibyl.log" | cut -d= -f2 | awk '{s += $1} END {print s + 0}')"
fact cross_shard_logs "$(grep -c 'cross-shard calls' "$OUT/sibyl.log" || true)"

# Boot with the data just written (restart on the same workdir).
boot_start=$(now_ns)
"$BIN/sibyl" --smp "$SMP" --cpuset "$SERVER_CPUS" --workdir "$WORKDIR" \
    --listen-address 127.0.0.1 \
    --native-transport-port "$PORT" --native-shard-aware-transport-port $(( PORT + 1 )) \
    --commitlog-sync "$COMMITLOG" "${API_FLAG[@]}" > "$OUT/sibyl-restart.log" 2>&1 &
SIBYL=$!; PIDS+=("$SIBYL")
if wait_started "$SIBYL" "$OUT/sibyl-restart.log"; then
    fact reboot_wall_ms $(( ($(now_ns) - boot_start) / 1000000 ))
fi
stop_server "$SIBYL"

# --- The protocol ceiling --------------------------------------------------
if [ "$SKIP_NULL" != 1 ]; then
    log "starting sibyl-null-server --smp $SMP --cpuset $SERVER_CPUS"
    "$BIN/sibyl-null-server" --smp "$SMP" --cpuset "$SERVER_CPUS" \
        --native-transport-port "$PORT" --native-shard-aware-transport-port $(( PORT + 1 )) \
        > "$OUT/null.log" 2>&1 &
    NULL=$!; PIDS+=("$NULL")
    wait_started "$NULL" "$OUT/null.log"
    stress null "$NULL" max-write write "duration=${PHASE_SECONDS}s" "${COMMON[@]}" "${WRITE_POP[@]}"
    stress null "$NULL" max-read read "duration=${PHASE_SECONDS}s" "${COMMON[@]}" "${READ_POP[@]}"
    stop_server "$NULL"
fi

cat > "$OUT/params.env" <<PARAMS
SMP=$SMP SERVER_CPUS=$SERVER_CPUS CLIENT_CPUS=$CLIENT_CPUS PHASE_SECONDS=$PHASE_SECONDS FIXED_SECONDS=$FIXED_SECONDS FIXED_PERCENTS="$FIXED_PERCENTS" THREADS=$THREADS KEYS=$KEYS COMMITLOG=$COMMITLOG
PARAMS
python3 "$ROOT/benches/e2e/summarize.py" "$OUT" > "$OUT/summary.md"
log "summary: $OUT/summary.md  report: $OUT/report.html"
cat "$OUT/summary.md"
