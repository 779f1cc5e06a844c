#!/usr/bin/env bash
# agent_footprint.sh [BIN_DIR] [SECONDS] [PATH]: starts fleetsim-agent on a free loopback
# port, scrapes PATH (default /metrics) once a second for SECONDS (default 60), then prints
# the agent's CPU use (utime+stime from /proc/PID/stat over the run, % of one core) and its
# memory (VmRSS, VmHWM, RssAnon, RssFile, Pss). Needs only bash and awk.
set -euo pipefail
bin=${1:-bin} secs=${2:-60} path=${3:-/metrics}
port=$(( 20000 + RANDOM % 20000 ))
"$bin/fleetsim-agent" --listen=127.0.0.1:$port --watch_name=bash >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
scrape() {
  exec 3<>/dev/tcp/127.0.0.1/$port
  printf 'GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' "$path" >&3
  cat <&3 >/dev/null
  exec 3<&-
}
for _ in $(seq 50); do scrape 2>/dev/null && break; sleep 0.1; done
ticks() { awk '{print $14 + $15}' /proc/$pid/stat; }
t0=$(date +%s.%N) c0=$(ticks)
for _ in $(seq "$secs"); do scrape; sleep 1; done
t1=$(date +%s.%N) c1=$(ticks)
awk -v c="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" -v t0="$t0" -v t1="$t1" -v n="$secs" -v p="$path" \
  'BEGIN { printf "%s: %d scrapes in %.1f s, %d ticks = %.3f %% of one core\n", p, n, t1-t0, c, 100*c/hz/(t1-t0) }'
grep -E '^(VmHWM|VmRSS|RssAnon|RssFile):' /proc/$pid/status | tr -s ' \t' ' ' | tr '\n' ' '
grep -E '^Pss:' /proc/$pid/smaps_rollup | tr -s ' '
