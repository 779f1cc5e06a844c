#!/usr/bin/env bash
# run_all.sh [BIN]: every benchmark, each bounded in time (about 10 minutes in all), printing
# its figures; `make bench` runs it. What each measures and the recorded results:
# bench/RESULTS.md.
#
#   1. connect_rate.sh      15,000 connections to echod: time to all, rate achieved
#   2. cpu_per_exchange.sh  1,000 connections at 10k and 30k exchanges/s: CPU per 1000
#   3. idle_memory.sh       memory per idle connection (1k vs 15k), 15k x 1 msg/s
#   4. stats_overhead.sh    --histograms on vs off, alternating (issue 4: < 3 %)
#   5. fleet_scale.sh       1,000 then 100,000 RDP devices against fleetsim-target (issue 3)
#
# 1-3 run tcpkali side by side when TCPKALI=/path/to/tcpkali is set (skipped otherwise).
# echod (../shared/bench/echod.c, or ECHOD=binary) is built into a temporary directory.
# Every process a benchmark starts is stopped by it (EXIT traps, meter.py's own bound).
# Env: TCPKALI, ECHOD, ECHOD_SRC, KEEP=1 (keep each run's files), ONLY="1 3" (a subset),
# HOLD_S (fleet_scale.sh, default 5 here).
set -euo pipefail
cd "$(dirname "$0")/.."
export BIN=${1:-${BIN:-bin}}
only=${ONLY:-1 2 3 4 5}
want() { [[ " $only " == *" $1 "* ]]; }

child=""
trap '[[ -n $child ]] && kill -TERM "$child" 2>/dev/null; wait 2>/dev/null; exit 130' INT TERM
step() {  # step NAME CMD...: runs one benchmark in the background (so a signal reaches it)
  local name=$1 t0=$SECONDS rc=0
  shift
  echo
  "$@" &
  child=$!
  wait "$child" || rc=$?
  child=""
  echo "-- $name: $((SECONDS - t0)) s, exit $rc"
  return 0
}

echo "fleetsim benchmarks: $(git describe --always --dirty 2>/dev/null), $(nproc) cores," \
  "load $(cut -d' ' -f1-3 /proc/loadavg), open files $(ulimit -n)"
if [[ -z ${TCPKALI:-} ]]; then
  echo "TCPKALI is not set: the tcpkali parts are skipped (fleetsim is measured alone)"
fi
if [[ -z ${ECHOD:-} ]]; then  # build echod once for 1-4
  src=${ECHOD_SRC:-../shared/bench/echod.c}
  if [[ -r $src ]]; then
    echod_dir=$(mktemp -d /tmp/fleetsim-echod.XXXXXX)
    trap 'rm -rf "$echod_dir"' EXIT
    gcc -O2 -Wall -Wextra -o "$echod_dir/echod" "$src"
    export ECHOD=$echod_dir/echod
  else
    echo "no echod source at $src (set ECHOD_SRC or ECHOD): benchmarks 1-4 skipped"
    only=${only//[1234]/}
  fi
fi

want 1 && step connect_rate bench/connect_rate.sh
want 2 && step cpu_per_exchange bench/cpu_per_exchange.sh
want 3 && step idle_memory bench/idle_memory.sh
want 4 && step stats_overhead bench/stats_overhead.sh
if want 5; then
  # Three free ports for fleetsim-target (another engineer's target may hold the defaults).
  p=27200
  while :; do
    p=$((p + 1))
    free=1
    for q in $p $((p + 1)) $((p + 2)); do [[ -n $(ss -Htan "sport = :$q") ]] && free=0; done
    ((free)) && break
    ((p < 27400)) || { echo "fleet_scale: no three free ports"; break; }
  done
  PORTS=$p,$((p + 1)),$((p + 2)) HOLD_S=${HOLD_S:-5} step fleet_scale bench/fleet_scale.sh 1000 100000
fi
echo
echo "done in $SECONDS s"
