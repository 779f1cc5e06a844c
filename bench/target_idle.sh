#!/usr/bin/env bash
# target_idle.sh: how many concurrent idle connections fleetsim-target holds, how fast
# they connect, and what they cost in memory. Bounded in time; cleans up after itself.
#
#   bench/target_idle.sh CLIENT [CONNS] [HOLD_S]
#
# CLIENT is connprobe (build: gcc -O2 -o /tmp/connprobe ../shared/bench/connprobe.c).
# CONNS (default 150000) are opened by ceil(CONNS/18750) client processes (the open-files
# limit is 20000 per process), each blocking-connecting from its own two source addresses
# (127.0.0.2, .3, .4, ...) with IP_BIND_ADDRESS_NO_PORT, round robin over the target's
# three ports. Each client holds its connections HOLD_S seconds (default 25) after its last
# connect, then closes them with RST (no TIME_WAIT). Measured once every connection is open:
# the target's own count (counters file), Pss and Rss summed over its processes
# (/proc/PID/smaps_rollup), kernel slab growth, and the time from the first connect until
# the target counted them all.
#
# Env: BIN (default bin), PORTS (default 27101,27102,27103), TARGET_FLAGS (extra flags,
# e.g. "--procs=8"), KEEP=1 keeps the work directory.
set -euo pipefail

client=${1:?usage: target_idle.sh CLIENT [CONNS] [HOLD_S]}
conns=${2:-150000}
hold=${3:-25}
bin=${BIN:-bin}
ports=${PORTS:-27101,27102,27103}
per_client=18750

[[ -x $client ]] || { echo "target_idle: $client is not executable" >&2; exit 2; }
[[ -x $bin/fleetsim-target ]] || { echo "target_idle: no $bin/fleetsim-target (make first)" >&2; exit 2; }
for p in ${ports//,/ }; do
  if [[ -n $(ss -Hltn "sport = :$p") ]]; then
    echo "target_idle: port $p is in use; set PORTS=a,b,c" >&2
    exit 2
  fi
done

work=$(mktemp -d /tmp/target-idle.XXXXXX)
target_pid=""     # the `timeout` wrapper around the target
client_pids=()
cleanup() {
  for p in "${client_pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  if [[ -n $target_pid ]] && kill -0 "$target_pid" 2>/dev/null; then
    kill -TERM "$target_pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$target_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$target_pid" 2>/dev/null || true
  fi
  wait 2>/dev/null || true
  if [[ ${KEEP:-0} == 1 ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

slab_kb() { awk '/^Slab:/ {print $2}' /proc/meminfo; }
now() { date +%s.%N; }
# counters: SIGUSR1 the master, wait for a newer snapshot, copy it to $work/snap.json.
# (Called without $(...), so last_snap is kept.)
last_snap=0
counters() {
  kill -USR1 "$master"
  for _ in $(seq 250); do
    local s
    s=$(jget 'j["snapshot"]' < "$work/counters.json" 2>/dev/null || echo 0)
    if (( s > last_snap )); then
      last_snap=$s
      cp "$work/counters.json" "$work/snap.json"
      return
    fi
    sleep 0.02
  done
  echo "target_idle: no fresh counters" >&2
  return 1
}
# jget EXPR < json: evaluates a Python expression over the JSON object j.
jget() { python3 -c 'import json,sys; j=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
# The master's and every worker's pid, from the last snapshot.
target_pids() { echo "$master"; jget '"\n".join(str(p["pid"]) for p in j["per_proc"])' < "$work/snap.json"; }
sum_smaps() {  # sum_smaps FIELD: kB over the target's processes
  local sum=0 p
  for p in $(target_pids); do sum=$(( sum + $(awk -v f="$1:" '$1 == f {print $2}' /proc/$p/smaps_rollup) )); done
  echo "$sum"
}

# --- the target ---------------------------------------------------------------------------
slab0=$(slab_kb)
# shellcheck disable=SC2086
timeout --signal=TERM --kill-after=10 $((hold + 180)) "$bin/fleetsim-target" --ports="$ports" \
  --counters_file="$work/counters.json" --ready_file="$work/ready" ${TARGET_FLAGS:-} \
  > "$work/target.log" 2>&1 &
target_pid=$!
for _ in $(seq 200); do [[ -s $work/ready ]] && break; sleep 0.05; done
[[ -s $work/ready ]] || { echo "target_idle: target not ready" >&2; tail "$work/target.log" >&2; exit 1; }
master=$(jget 'j["pid"]' < "$work/ready")
procs=$(jget 'j["procs"]' < "$work/ready")
last_snap=$(jget 'j["snapshot"]' < "$work/counters.json")
counters
pss_idle=$(sum_smaps Pss)

# --- the clients --------------------------------------------------------------------------
nclients=$(( (conns + per_client - 1) / per_client ))
t0=$(now)
left=$conns
for ((i = 0; i < nclients; i++)); do
  n=$(( left < per_client ? left : per_client ))
  left=$(( left - n ))
  srcs="127.0.0.$((2 + 2 * i)),127.0.0.$((3 + 2 * i))"
  timeout --signal=KILL $((hold + 120)) "$client" "$n" "$n" "$hold" 127.0.0.1 "$ports" "$srcs" noport \
    > "$work/client.$i.out" 2>&1 &
  client_pids+=($!)
done

# --- wait until the target holds them all (bounded) ----------------------------------------
open=0
deadline=$(( $(date +%s) + 90 ))
while (( $(date +%s) < deadline )); do
  counters
  open=$(jget 'j["connections"]["open"]' < "$work/snap.json")
  (( open >= conns )) && break
  sleep 0.25
done
t_all=$(now)
slab1=$(slab_kb)
pss=$(sum_smaps Pss)
rss=$(sum_smaps Rss)
estab=$(ss -Htn state established "( sport = :${ports//,/ or sport = :} )" | wc -l)
accepted=$(jget 'j["connections"]["accepted"]' < "$work/snap.json")
refused=$(jget 'j["connections"]["refused"]' < "$work/snap.json")
per_proc_open=$(jget '[p["connections"]["open"] for p in j["per_proc"]]' < "$work/snap.json")

# --- let the clients close (RST after HOLD_S), stop the target ----------------------------
for p in "${client_pids[@]}"; do wait "$p" || true; done
client_pids=()
client_ok=$(cat "$work"/client.*.out | awk '/^total/ {split($2,a,"="); s+=a[2]} END {print s+0}')
client_fail=$(cat "$work"/client.*.out | awk '/^total/ {split($3,a,"="); s+=a[2]} END {print s+0}')
client_secs=$(cat "$work"/client.*.out | awk '/^total/ {if ($5+0 > m) m = $5+0} END {print m}')
kill -TERM "$master"
rc=0; wait "$target_pid" || rc=$?
target_pid=""

cat <<OUT
fleetsim-target idle connections: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $(git describe --always --dirty 2>/dev/null)
  target procs             $procs  (flags: ${TARGET_FLAGS:-defaults})
  clients                  $nclients x connprobe, up to $per_client each, 2 source IPs each, ports $ports
  connections held         open=$open of $conns (accepted=$accepted refused=$refused; ESTAB on target ports: $estab)
  per process open         $per_proc_open
  client connects          ok=$client_ok fail=$client_fail, slowest client done in ${client_secs}s
  time to all open         $(python3 -c "print(round($t_all - $t0, 2))")s (first connect -> target counted all)
  target Pss               $((pss / 1024)) MiB total ($(( pss * 1024 / (open > 0 ? open : 1) )) B per connection; $((pss_idle / 1024)) MiB before any connection)
  target Rss               $((rss / 1024)) MiB total (shared pages counted once per process)
  kernel slab growth       $(( (slab1 - slab0) / 1024 )) MiB (both ends of every connection)
  target exit              $rc after SIGTERM
OUT
(( open >= conns && rc == 0 ))
