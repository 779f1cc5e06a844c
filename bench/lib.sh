# bench/lib.sh: sourced by the echo benchmarks (connect_rate.sh, cpu_per_exchange.sh,
# idle_memory.sh, stats_overhead.sh). Each run is one bench/meter.py call: a fresh echod on
# a fresh port, one generator (fleetsim or tcpkali), figures from /proc (see meter.py).
#
# Env: BIN (default bin), ECHOD (an echod binary; default: built from ECHOD_SRC, default
# ../shared/bench/echod.c, into the work directory with gcc), TCPKALI (a tcpkali binary; its
# runs are skipped without it), PORT_BASE (default 27300: the first port tried), KEEP=1 keeps
# the work directory (every run's result JSON, output and stats file).

cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN=${BIN:-bin}
[[ -x $BIN/fleetsim ]] || { echo "no $BIN/fleetsim (make first)" >&2; exit 2; }
WORK=$(mktemp -d /tmp/fleetsim-bench.XXXXXX)
METER_PIDS=()
bench_cleanup() {
  local p
  for p in "${METER_PIDS[@]}"; do  # meter kills its echod and generator on SIGTERM
    kill -TERM "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  if [[ ${KEEP:-0} == 1 ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

if [[ -z ${ECHOD:-} ]]; then
  src=${ECHOD_SRC:-../shared/bench/echod.c}
  [[ -r $src ]] || { echo "no echod source at $src (set ECHOD or ECHOD_SRC)" >&2; exit 2; }
  gcc -O2 -Wall -Wextra -o "$WORK/echod" "$src"
  ECHOD=$WORK/echod
fi

if [[ -n ${TCPKALI:-} && ! -x $TCPKALI ]]; then
  echo "TCPKALI=$TCPKALI is not executable" >&2
  exit 2
fi
have_tcpkali() {
  [[ -n ${TCPKALI:-} ]] && return 0
  echo "  tcpkali runs skipped: set TCPKALI=/path/to/tcpkali to measure it side by side"
  return 1
}

# next_run: sets up a fresh run. PORT: the next port from PORT_BASE that no socket uses
# (listening, connected or in TIME_WAIT). A fresh pair of loopback source addresses, from
# 127.0.40.1-2 on, the first pair no socket uses: as KALI_SOURCES for tcpkali, and in SCEN, a
# copy of bench/echo.yaml. Fresh sources matter for tcpkali, which bind()s before connecting:
# a port bound so is exclusive to its source address, so an earlier run's TIME_WAIT sockets
# (60 s) would otherwise leave too few ports (peers-results.md 3.1).
PORT=$(( ${PORT_BASE:-27300} - 1 ))
SRC_NO=-1
next_run() {
  local tries=0 a b
  while :; do
    PORT=$((PORT + 1))
    [[ -z $(ss -Htan "( sport = :$PORT or dport = :$PORT )" | head -1) ]] && break
    (( ++tries < 500 )) || { echo "no free port from ${PORT_BASE:-27300}" >&2; exit 2; }
  done
  while :; do
    SRC_NO=$((SRC_NO + 1))
    (( SRC_NO < 127 * 10 )) || { echo "no free pair of source addresses" >&2; exit 2; }
    a="127.0.$((40 + SRC_NO / 127)).$((SRC_NO % 127 * 2 + 1))"
    b="127.0.$((40 + SRC_NO / 127)).$((SRC_NO % 127 * 2 + 2))"
    [[ -z $(ss -Htan "( src $a or src $b )" | head -1) ]] && break
  done
  KALI_SOURCES=(--source-ip "$a" --source-ip "$b")
  SCEN=$WORK/echo-$PORT.yaml
  sed "s/^  sources: .*/  sources: [\"$a-$b\"]/" bench/echo.yaml > "$SCEN"
  grep -q "sources: \[\"$a-$b\"\]" "$SCEN" || { echo "bench/echo.yaml: no sources line" >&2; exit 2; }
}

# meter NAME META_JSON [meter.py options] -- GENERATOR...: one run on a fresh port; PORT
# must already be set (by next_run) and used in the generator's arguments. The result goes
# to $WORK/NAME.json, the generator's output to $WORK/NAME.log. meter_bg starts one and
# returns (meter_wait waits for all started), for runs side by side in the same window.
RUN_NO=0
meter_bg() {
  local name=$1 meta="{\"order\":$((++RUN_NO)),${2#\{}"
  shift 2
  python3 bench/meter.py --echod="$ECHOD" --port="$PORT" --out="$WORK/$name.json" \
    --log="$WORK/$name.log" --meta="$meta" "$@" &
  METER_PIDS+=($!)
}
meter_wait() {
  local p
  for p in "${METER_PIDS[@]}"; do wait "$p" || echo "  (a run failed; its row says why)"; done
  METER_PIDS=()
}
meter() { meter_bg "$@"; meter_wait; }

# A 32-byte message starting with tcpkali's latency marker, as in peers-results.md.
KALI_MSG=HB0123456789abcdefghijklmnopqrst

machine_line() {
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)," \
    "fleetsim $(git describe --always --dirty 2>/dev/null)" \
    "${TCPKALI:+, $("$TCPKALI" --version 2>&1 | head -1)}"
}
