#!/usr/bin/env bash
# stats_overhead.sh: what collecting latency histograms costs (issue 4: < 3 % of
# throughput): fleetsim against echod (bench/echo.yaml) with --histograms=true and =false.
# The machine is shared and noisy, so every ratio compares two runs under the same load:
#
#  - paced, side by side: two fleetsims at once, one with histograms and one without, each
#    1000 devices x 20 exchanges/s against its own echod, measured over the same window. The
#    cost is the ratio of their CPU per 1000 exchanges (whole process tree, /proc/PID/stat):
#    both see the same noise at the same moment.
#  - closed, alternating: 200 devices with a 1 ms period and 1 worker, so each device sends
#    its next frame as soon as its echo arrives (the period is always missed: closed loop)
#    and the worker runs as fast as the machine lets it. Runs alternate on/off, off/on, ...
#    so slow drift cancels; compared: CPU per 1000 exchanges (the inverse of the throughput
#    a saturated worker reaches) and, for what it is worth on a shared machine, exchanges/s.
#    The corrected histogram also back-fills each missed 1 ms slot (one sample per slot,
#    README "Paced steps"), so "on" records 1.3-2 samples per exchange here (column
#    "latency samples per exchange"): a worst case for the histograms.
#
#   bench/stats_overhead.sh          # env: see bench/lib.sh; PAIRS (default 4), WINDOW (s, 8)
#
# With histograms off, workers still count every event and publish their counters and
# (empty) histograms every 200 ms, and the stats thread writes its line every second: the
# figure is the cost of recording samples, which is all that scales with the load.
source "$(dirname "$0")/lib.sh"
pairs=${PAIRS:-4}
window=${WINDOW:-8}
echo "== stats overhead: --histograms on vs off, $pairs pairs per design ($(machine_line))"

start() {  # start DESIGN PAIR HIST CONNS PERIOD WARMUP [FLEETSIM FLAGS...]: meter_bg one run
  local design=$1 pair=$2 hist=$3 n=$4 period=$5 warmup=$6
  shift 6
  next_run
  local stats=$WORK/ovh-$design-$pair-$hist.stats.jsonl
  meter_bg "ovh-$design-$pair-$hist" "{\"tool\":\"fleetsim\",\"design\":\"$design\",\
\"pair\":$pair,\"hist\":$hist,\"stats\":\"$stats\"}" \
    --ready_stats="$stats:$n" --warmup="$warmup" --window="$window" --stop_after_window \
    --timeout=60 -- \
    "$BIN/fleetsim" --scenario="$SCEN" --stats_file="$stats" --duration=50s --histograms="$hist" \
    --set=device.count="$n",device.ramp.rate=2000,vars.period="$period" \
    --set=target.ports.echo="$PORT" "$@"
}
for ((i = 0; i < pairs; i++)); do
  if ((i % 2 == 0)); then order="true false"; else order="false true"; fi
  for hist in $order; do start paced "$i" "$hist" 1000 50ms 2; done  # side by side
  meter_wait
done
for ((i = 0; i < pairs; i++)); do
  if ((i % 2 == 0)); then order="true false"; else order="false true"; fi
  for hist in $order; do start closed "$i" "$hist" 200 1ms 1 --workers=1; meter_wait; done
done
python3 bench/report.py overhead "$WORK"/ovh-*.json
