#!/usr/bin/env bash
# fleet_scale.sh [N ...]: holds N devices of the default scenario against fleetsim-target
# (each N in turn; default: 1000 100000) and reports, once all are online: fleetsim's
# workers, its proportional set size (Pss, /proc/PID/smaps_rollup, summed over the master
# and its workers, so pages shared after fork count once), and what the target counted.
# The user-space bytes per device = (Pss at the largest N - Pss at the smallest) / (difference
# in N). Bounded: each N runs HOLD_S seconds (default 20) after the last device is online.
# Usage: bench/fleet_scale.sh 1000 100000   (from the repository root, after make)
# Env: BIN (default bin), HOLD_S, PORTS (the target's three ports, default 27101,27102,27103;
# refused if any is in use: a second SO_REUSEPORT listener of the same user would share it),
# FLEETSIM_FLAGS (added to fleetsim's command line; e.g. --workers=6 holds the worker count of
# 100k at 1k too, so the difference leaves out what each worker costs whatever its devices).
set -euo pipefail
bin=${BIN:-bin}
hold=${HOLD_S:-20}
IFS=, read -r p_access p_report p_user <<<"${PORTS:-27101,27102,27103}"
for p in $p_access $p_report $p_user; do
  if [[ -n $(ss -Hltn "sport = :$p") ]]; then
    echo "fleet_scale: port $p is in use; set PORTS=a,b,c" >&2
    exit 2
  fi
done
sizes=("$@")
[[ ${#sizes[@]} -eq 0 ]] && sizes=(1000 100000)
out=$(mktemp -d /tmp/fleet_scale.XXXXXX)
tpid="" fpid=""
cleanup() {  # stop what this script started, by pid
  for p in $fpid $tpid; do kill -TERM "$p" 2>/dev/null || true; done
  for p in $fpid $tpid; do
    for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  rm -rf "$out"
}
trap cleanup EXIT

pss_of_tree() {  # sum of Pss (kB) of $1 and its children
  local total=0 p
  for p in "$1" $(pgrep -P "$1"); do
    [[ -r /proc/$p/smaps_rollup ]] || continue
    total=$((total + $(awk '/^Pss:/{print $2}' "/proc/$p/smaps_rollup")))
  done
  echo "$total"
}
rss_of_tree() {
  local total=0 p
  for p in "$1" $(pgrep -P "$1"); do
    [[ -r /proc/$p/status ]] || continue
    total=$((total + $(awk '/^VmRSS:/{print $2}' "/proc/$p/status")))
  done
  echo "$total"
}
online() {  # the last stats line's devices.online
  tail -n 1 "$1" 2>/dev/null | python3 -c 'import json,sys
try: print(json.loads(sys.stdin.read())["devices"]["online"])
except Exception: print(0)'
}

printf '%-8s %-8s %-9s %-11s %-11s %-10s %-10s %s\n' devices workers online pss_kB rss_kB login_s cpu_s target_logins
declare -A pss
for n in "${sizes[@]}"; do
  rm -f "$out"/*
  "$bin/fleetsim-target" --ports="$p_access,$p_report,$p_user" --max_connections=$((n * 2 + 1000)) \
    --counters_file="$out/target.json" --ready_file="$out/ready" >"$out/target.log" 2>&1 &
  tpid=$!
  for _ in $(seq 100); do [[ -s "$out/ready" ]] && break; sleep 0.1; done
  start=$(date +%s.%N)
  "$bin/fleetsim" --scenario=conf/scenarios/rdp.yaml \
    --set=target.ports.access="$p_access",target.ports.report="$p_report",target.ports.user="$p_user" \
    --set=device.count="$n",user.count=0,device.ramp.rate=20000 \
    --stats_file="$out/stats.jsonl" ${FLEETSIM_FLAGS:-} >"$out/fleetsim.log" 2>&1 &
  fpid=$!
  for _ in $(seq 600); do
    [[ $(online "$out/stats.jsonl") -ge $n ]] && break
    kill -0 "$fpid" 2>/dev/null || { echo "fleetsim exited early:"; tail "$out/fleetsim.log"; exit 1; }
    sleep 0.5
  done
  up=$(echo "$(date +%s.%N) - $start" | awk '{print $1 - $3}')
  sleep 3  # let the loops settle (first heartbeats, buffers)
  p=$(pss_of_tree "$fpid")
  r=$(rss_of_tree "$fpid")
  pss[$n]=$p
  workers=$(pgrep -P "$fpid" | wc -l)
  ticks0=$(awk '{s+=$14+$15} END{print s}' /proc/$fpid/stat $(for c in $(pgrep -P "$fpid"); do echo /proc/$c/stat; done))
  sleep "$hold"
  ticks1=$(awk '{s+=$14+$15} END{print s}' /proc/$fpid/stat $(for c in $(pgrep -P "$fpid"); do echo /proc/$c/stat; done))
  got=$(online "$out/stats.jsonl")
  kill -TERM "$fpid"; wait "$fpid" || true
  fpid=""
  kill -USR1 "$tpid"; sleep 0.5
  logins=$(python3 -c "import json; print(json.load(open('$out/target.json'))['commands']['LOGIN']['received'])")
  kill -TERM "$tpid"; wait "$tpid" || true
  tpid=""
  printf '%-8s %-8s %-9s %-11s %-11s %-10.1f %-10.2f %s\n' "$n" "$workers" "$got" "$p" "$r" "$up" \
    "$(echo "$ticks1 $ticks0" | awk '{print ($1-$2)/100}')" "$logins"
done
if [[ ${#sizes[@]} -ge 2 ]]; then
  lo=${sizes[0]} hi=${sizes[-1]}
  echo "user-space bytes per device: ($hi: ${pss[$hi]} kB - $lo: ${pss[$lo]} kB) / $((hi - lo)) = $(( (pss[$hi] - pss[$lo]) * 1024 / (hi - lo) )) B"
fi
