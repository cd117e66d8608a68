# benches/e2e/lib.sh — shell helpers shared by run.sh and io_sched.sh (sourced).
# Expects OUT (the output directory); LOG_TAG names the script in log lines.
# Every process a script starts goes into PIDS; `cleanup` (installed on EXIT)
# stops them by PID and removes OUT/workdir unless KEEP_WORKDIR=1.

PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    done
    if [ "${KEEP_WORKDIR:-0}" != 1 ]; then rm -rf "$OUT/workdir"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "[${LOG_TAG:-e2e} $(date +%H:%M:%S)] $*" >&2; }

# wait_started PID LOGFILE [SECONDS]: until the " started in " line (default 30 s).
wait_started() {
    local pid=$1 logfile=$2 seconds=${3:-30}
    for _ in $(seq $(( seconds * 100 ))); do
        if grep -q " started in " "$logfile" 2>/dev/null; then return 0; fi
        if ! kill -0 "$pid" 2>/dev/null; then
            log "server exited during start:"; tail -20 "$logfile" >&2; return 1
        fi
        sleep 0.01
    done
    log "server did not start in $seconds s"; return 1
}

# stop_server PID: SIGTERM, up to 10 s for a clean exit, then SIGKILL.
stop_server() {
    local pid=$1
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
}
