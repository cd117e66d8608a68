#!/usr/bin/env bash
# benches/e2e/io_sched.sh — read latency under a concurrent major compaction
# (issue 6 item 5: p99 with compaction within 2x of p99 without).
#
# Loads KEYS rows with sibyl-stress (cassandra-stress schema), flushes and
# compacts them into SSTables (so reads go to disk: with 1M keys the data is
# larger than a 64 MiB per-shard block cache), restarts sibyl so nothing is
# in memtables, then for each mode in MODES runs the same fixed-rate read
# workload twice:
#   quiet       nothing else running;
#   compaction  major compactions of keyspace1 back to back (REST API) for
#               the whole run, so every sample is taken under compaction.
# Modes: `sched` = the I/O scheduler as configured (default latency goal);
# `nosched` = `--io-latency-goal-ms 100000`, a budget so large that every
# request goes to the device at once (no I/O scheduling; the CPU task queue
# for background work still applies).
# Writes OUT/summary.md (p99s and the compaction/quiet ratio per mode).
#
# Knobs (environment):
#   SMP=1 SERVER_CPUS=0 CLIENT_CPUS=1  shards, their cores, the client's cores
#   KEYS=1000000                       rows loaded (10-byte keys, 5 x 34-byte columns)
#   READ_RATE=3000                     fixed read rate, ops/s (CO-corrected latencies)
#   READ_THREADS=64                    client concurrency of the read runs
#   PHASE_SECONDS=20                   each read run
#   COMPACTION_MBPS=64                 sibyl --compaction-throughput-mb-per-sec (0: uncapped)
#   MODES="sched nosched"
#   IO_PROPERTIES=FILE                 sibyl --io-properties (default: built-in numbers)
#   PORT=29142 API_PORT=29110          CQL and REST ports on 127.0.0.1
#   BIN=$CARGO_TARGET_DIR/release      binaries (default target/release; built unless SKIP_BUILD=1)
#   OUT=benches/e2e/out/iosched-<timestamp>
# Example (short): KEYS=300000 PHASE_SECONDS=10 MODES=sched benches/e2e/io_sched.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
SMP=${SMP:-1}
SERVER_CPUS=${SERVER_CPUS:-0}
CLIENT_CPUS=${CLIENT_CPUS:-1}
KEYS=${KEYS:-1000000}
READ_RATE=${READ_RATE:-3000}
READ_THREADS=${READ_THREADS:-64}
PHASE_SECONDS=${PHASE_SECONDS:-20}
COMPACTION_MBPS=${COMPACTION_MBPS:-64}
MODES=${MODES:-sched nosched}
IO_PROPERTIES=${IO_PROPERTIES:-}
PORT=${PORT:-29142}
API_PORT=${API_PORT:-29110}
BIN=${BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release}
SKIP_BUILD=${SKIP_BUILD:-0}
OUT=${OUT:-$ROOT/benches/e2e/out/iosched-$(date +%Y%m%d-%H%M%S)}
API=http://127.0.0.1:$API_PORT
mkdir -p "$OUT"
WORKDIR=$OUT/workdir
RESULTS=$OUT/results.tsv
printf 'mode\tphase\tjson\tcompactions\tcompaction_busy_s\twall_s\n' > "$RESULTS"

LOG_TAG=iosched
# shellcheck source=benches/e2e/lib.sh
. "$ROOT/benches/e2e/lib.sh"
now_s() { date +%s.%N; }

if [ "$SKIP_BUILD" != 1 ]; then
    log "building release binaries"
    timeout 3600 cargo build --release -j2 --bin sibyl --bin sibyl-stress
fi

SIBYL=""
start_sibyl() { # start_sibyl LOGNAME EXTRA_ARGS...
    local name=$1; shift
    if [ -n "$IO_PROPERTIES" ]; then set -- --io-properties "$IO_PROPERTIES" "$@"; fi
    "$BIN/sibyl" --smp "$SMP" --cpuset "$SERVER_CPUS" --workdir "$WORKDIR" \
        --listen-address 127.0.0.1 --api-port "$API_PORT" \
        --native-transport-port "$PORT" --native-shard-aware-transport-port $(( PORT + 1 )) \
        --compaction-throughput-mb-per-sec "$COMPACTION_MBPS" "$@" > "$OUT/$name.log" 2>&1 &
    SIBYL=$!; PIDS+=("$SIBYL")
    wait_started "$SIBYL" "$OUT/$name.log" 60
}

stop_sibyl() { stop_server "$SIBYL"; }

stress() { # stress NAME ARGS...
    local name=$1; shift
    log "sibyl-stress $*"
    timeout $(( PHASE_SECONDS + 600 )) taskset -c "$CLIENT_CPUS" "$BIN/sibyl-stress" "$@" \
        -node 127.0.0.1 -port native="$PORT" -schema compression=LZ4Compressor \
        -log json="$OUT/$name.json" hdrfile="$OUT/$name.hdr" \
        -graph file="$OUT/report.html" title="io scheduler $(basename "$OUT")" revision="$name" \
        > "$OUT/$name.log" 2>&1 || { log "sibyl-stress failed:"; tail -20 "$OUT/$name.log" >&2; return 1; }
    grep -E "^Op rate|Latency 99th|Latency max" "$OUT/$name.log" | tr -s ' ' >&2 || true
}

api_post() { curl -sf -X POST "$API$1" > /dev/null; }

# compaction_loop STOPFILE TIMES: major compactions back to back until STOPFILE
# exists; appends "start end" per compaction to TIMES.
compaction_loop() {
    local stopfile=$1 times=$2 t0
    while [ ! -e "$stopfile" ]; do
        t0=$(now_s)
        api_post /storage_service/keyspace_compaction/keyspace1 || { log "compaction request failed"; return 1; }
        echo "$t0 $(now_s)" >> "$times"
    done
}

read_run() { # read_run MODE PHASE
    local mode=$1 phase=$2 loop_pid="" stopfile=$OUT/$1-$2.stop times=$OUT/$1-$2.compactions
    : > "$times"
    local start end
    if [ "$phase" = compaction ]; then
        compaction_loop "$stopfile" "$times" &
        loop_pid=$!; PIDS+=("$loop_pid")
        sleep 1 # the first compaction is under way before the first sample
    fi
    start=$(now_s)
    stress "$mode-$phase" read "duration=${PHASE_SECONDS}s" no-warmup \
        -rate "threads=$READ_THREADS" "fixed=${READ_RATE}/s" -pop "dist=uniform(1..$KEYS)"
    end=$(now_s)
    if [ -n "$loop_pid" ]; then
        touch "$stopfile"
        wait "$loop_pid" || true
    fi
    # Compactions and the part of the read run they covered.
    local stats
    stats=$(awk -v a="$start" -v b="$end" '{s = ($1 > a ? $1 : a); e = ($2 < b ? $2 : b); if (e > s) busy += e - s; n++}
        END {printf "%d\t%.3f", n, busy}' "$times")
    printf '%s\t%s\t%s\t%s\t%.3f\n' "$mode" "$phase" "$OUT/$mode-$phase.json" "$stats" \
        "$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')" >> "$RESULTS"
}

rm -rf "$WORKDIR"
start_sibyl load
stress load write "n=$KEYS" no-warmup -rate threads=256 -pop "seq=1..$KEYS"
api_post /storage_service/keyspace_flush/keyspace1
t0=$(now_s)
api_post /storage_service/keyspace_compaction/keyspace1
echo "first_compaction_s=$(awk -v a="$t0" -v b="$(now_s)" 'BEGIN {printf "%.2f", b - a}')" > "$OUT/facts.env"
echo "data_bytes=$(du -sb "$WORKDIR/data" | awk '{print $1}')" >> "$OUT/facts.env"
stop_sibyl

for mode in $MODES; do
    case $mode in
        sched) extra=() ;;
        nosched) extra=(--io-latency-goal-ms 100000) ;;
        *) log "unknown mode $mode"; exit 2 ;;
    esac
    start_sibyl "sibyl-$mode" "${extra[@]}"
    read_run "$mode" quiet
    read_run "$mode" compaction
    curl -sf "$API/sibyl/io_scheduler" > "$OUT/$mode-io_scheduler.json" || true
    stop_sibyl
done

cat > "$OUT/params.env" <<PARAMS
SMP=$SMP SERVER_CPUS=$SERVER_CPUS CLIENT_CPUS=$CLIENT_CPUS KEYS=$KEYS READ_RATE=$READ_RATE READ_THREADS=$READ_THREADS PHASE_SECONDS=$PHASE_SECONDS COMPACTION_MBPS=$COMPACTION_MBPS MODES="$MODES" IO_PROPERTIES=${IO_PROPERTIES:-built-in}
PARAMS
python3 "$ROOT/benches/e2e/io_sched_summary.py" "$OUT" > "$OUT/summary.md"
log "summary: $OUT/summary.md"
cat "$OUT/summary.md"
