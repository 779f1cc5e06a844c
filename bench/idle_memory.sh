#!/usr/bin/env bash
# idle_memory.sh: the generator's memory per connection, idle and heartbeating, against
# echod: LOW (default 1000) and HIGH (default 15000) idle connections, then HIGH connections
# each sending one 32-byte frame a second. fleetsim (bench/echo.yaml; idle = a period of 1 h)
# beside tcpkali when TCPKALI is set (idle: no message; heartbeat: -r 1 with and without its
# latency marker, which keeps an HdrHistogram per connection).
#
#   bench/idle_memory.sh             # env: see bench/lib.sh; LOW, HIGH, WINDOW (s, default 5)
#
# Memory is read at the end of the window (2 s after every connection is up, WINDOW s long):
# Pss and Rss summed over the generator's process tree (/proc/PID/smaps_rollup; Pss counts
# pages shared by fleetsim's master and workers once). Per added idle connection =
# (memory at HIGH - memory at LOW) / (connections at HIGH - at LOW), as echod counted them.
source "$(dirname "$0")/lib.sh"
low=${LOW:-1000}
high=${HIGH:-15000}
window=${WINDOW:-5}
echo "== memory per connection: $low and $high idle, $high x 1 msg/s ($(machine_line))"

fleetsim_run() {  # fleetsim_run MODE N PERIOD
  next_run
  local stats=$WORK/mem-fleetsim-$1-$2.stats.jsonl
  meter "mem-fleetsim-$1-$2" "{\"tool\":\"fleetsim\",\"mode\":\"$1\",\"stats\":\"$stats\"}" \
    --ready_stats="$stats:$2" --warmup=2 --window="$window" --stop_after_window --timeout=60 -- \
    "$BIN/fleetsim" --scenario="$SCEN" --stats_file="$stats" --duration=50s \
    --set=device.count="$2",device.ramp.rate=10000,vars.period="$3",target.ports.echo="$PORT"
}
kali_run() {  # kali_run MODE N [TCPKALI ARGS...]
  local mode=$1 n=$2
  shift 2
  next_run
  meter "mem-tcpkali-$mode-$n" "{\"tool\":\"tcpkali\",\"mode\":\"$mode\"}" \
    --ready_line="Ramped up" --warmup=2 --window="$window" --timeout=60 -- \
    "$TCPKALI" -w 1 -c "$n" --connect-rate 10k "${KALI_SOURCES[@]}" "$@" \
    -T "$((window + 6))s" "127.0.0.1:$PORT"
}

fleetsim_run idle "$low" 1h
fleetsim_run idle "$high" 1h
fleetsim_run heartbeat "$high" 1s
if have_tcpkali; then
  kali_run idle "$low"
  kali_run idle "$high"
  kali_run heartbeat+marker "$high" -m "$KALI_MSG" -r 1 --latency-marker HB \
    --latency-percentiles 50,90,99,99.9
  kali_run heartbeat "$high" -m "$KALI_MSG" -r 1
fi
python3 bench/report.py memory "$WORK"/mem-*.json
