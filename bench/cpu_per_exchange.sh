#!/usr/bin/env bash
# cpu_per_exchange.sh: generator CPU per 1000 request/response pairs, ~CONNS (default 1000)
# connections to echod at fixed total rates (RATES, default "10000 30000" exchanges/s),
# 32-byte messages: fleetsim (bench/echo.yaml, period = CONNS/rate, default workers) beside
# tcpkali -w 1 -r rate/CONNS with its latency marker, when TCPKALI is set.
#
#   bench/cpu_per_exchange.sh        # env: see bench/lib.sh; CONNS, RATES, WINDOW (s, default 8)
#
# The window opens 2 s after every connection is up and lasts WINDOW echod stats lines (1 s
# each). Exchanges are echod's echoed bytes / 32 in the window; CPU is utime + stime of the
# generator's whole process tree (/proc/PID/stat) over the same window. Caveat: tcpkali is
# open loop (it sends at -r whatever the echoes do); fleetsim sends a device's next frame
# only after the echo of the last (request/response, paced).
source "$(dirname "$0")/lib.sh"
conns=${CONNS:-1000}
window=${WINDOW:-8}
echo "== CPU per exchange: $conns connections, 32-byte frames, window ${window}s ($(machine_line))"

kali=0
have_tcpkali && kali=1
for rate in ${RATES:-10000 30000}; do
  next_run
  stats=$WORK/cpu-fleetsim-$rate.stats.jsonl
  period=$((1000000 * conns / rate))us
  meter "cpu-fleetsim-$rate" \
    "{\"tool\":\"fleetsim\",\"rate\":$rate,\"workers\":\"auto\",\"stats\":\"$stats\"}" \
    --ready_stats="$stats:$conns" --warmup=2 --window="$window" --stop_after_window --timeout=60 -- \
    "$BIN/fleetsim" --scenario="$SCEN" --stats_file="$stats" --duration=50s \
    --set=device.count="$conns",device.ramp.rate=2000,vars.period="$period" \
    --set=target.ports.echo="$PORT"
  if ((kali)); then
    next_run
    meter "cpu-tcpkali-$rate" "{\"tool\":\"tcpkali\",\"rate\":$rate,\"workers\":1}" \
      --ready_line="Ramped up" --warmup=2 --window="$window" --timeout=60 -- \
      "$TCPKALI" -w 1 -c "$conns" --connect-rate 2k "${KALI_SOURCES[@]}" -m "$KALI_MSG" \
      --latency-marker HB --latency-percentiles 50,90,99,99.9 \
      -r "$(python3 -c "print($rate / $conns)")" -T "$((window + 6))s" "127.0.0.1:$PORT"
  fi
done
python3 bench/report.py cpu "$WORK"/cpu-*.json
