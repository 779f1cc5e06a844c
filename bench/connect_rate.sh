#!/usr/bin/env bash
# connect_rate.sh: time to open CONNS (default 15000) connections to echod, and the rate
# achieved: fleetsim's ramp (bench/echo.yaml, idle after connecting) beside tcpkali
# --connect-rate when TCPKALI is set. Each run from a fresh pair of loopback source addresses
# (both tools bind to them; see next_run in bench/lib.sh).
#
#   bench/connect_rate.sh            # env: see bench/lib.sh; CONNS, FS_RUNS, KALI_RUNS
#
# FS_RUNS / KALI_RUNS are RATE:WORKERS pairs (defaults "20000:2 40000:2 20000:1" and
# "20000:1 40000:1 40000:2"). "Time to all" is from spawning the generator until it reports
# every connection up: fleetsim's stats line (every 20 ms here) with devices.online = CONNS
# (echo.yaml's first step is `online`); tcpkali's "Ramped up" line. "Opened" is what echod
# accepted: tcpkali can open more than -c at high rates (peers-results.md 4.2).
source "$(dirname "$0")/lib.sh"
conns=${CONNS:-15000}
echo "== connect rate: $conns connections to echod ($(machine_line))"

for run in ${FS_RUNS:-20000:2 40000:2 20000:1}; do
  rate=${run%%:*} workers=${run##*:}
  next_run
  stats=$WORK/conn-fleetsim-$rate-w$workers.stats.jsonl
  meter "conn-fleetsim-$rate-w$workers" \
    "{\"tool\":\"fleetsim\",\"rate\":$rate,\"workers\":$workers,\"conns\":$conns,\"stats\":\"$stats\"}" \
    --ready_stats="$stats:$conns" --stop_after_window --timeout=60 -- \
    "$BIN/fleetsim" --scenario="$SCEN" --workers="$workers" \
    --set=device.count="$conns",device.ramp.rate="$rate",vars.period=1h,target.ports.echo="$PORT" \
    --stats_interval=20ms --publish_interval=10ms --stats_file="$stats" --duration=40s
done
if have_tcpkali; then
  for run in ${KALI_RUNS:-20000:1 40000:1 40000:2}; do
    rate=${run%%:*} workers=${run##*:}
    next_run
    meter "conn-tcpkali-$rate-w$workers" \
      "{\"tool\":\"tcpkali\",\"rate\":$rate,\"workers\":$workers,\"conns\":$conns}" \
      --ready_line="Ramped up" --timeout=60 -- \
      "$TCPKALI" -w "$workers" -c "$conns" --connect-rate "$rate" "${KALI_SOURCES[@]}" \
      --latency-connect --latency-percentiles 50,99 -T 4s "127.0.0.1:$PORT"
  done
fi
python3 bench/report.py connect "$WORK"/conn-*.json
