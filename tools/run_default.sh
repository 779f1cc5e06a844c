#!/usr/bin/env bash
# make run: the default scenario (conf/scenarios/rdp.yaml) against a local fleetsim-target
# for a bounded time (FLEETSIM_RUN_DURATION, default 20s), with the stats on the terminal,
# then what each side counted, side by side. Everything it writes goes to run/.
set -euo pipefail
bin=${1:-bin}
duration=${FLEETSIM_RUN_DURATION:-20s}
out=run
mkdir -p "$out"
rm -f "$out/target.ready" "$out/stats.jsonl" "$out/target-counters.json"

"$bin/fleetsim-target" --heartbeat_s=5 --counters_file="$out/target-counters.json" \
  --ready_file="$out/target.ready" >"$out/target.log" 2>&1 &
target=$!
trap 'kill "$target" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  [[ -s "$out/target.ready" ]] && break
  kill -0 "$target" 2>/dev/null || { echo "fleetsim-target failed to start:"; cat "$out/target.log"; exit 1; }
  sleep 0.1
done
[[ -s "$out/target.ready" ]] || { echo "fleetsim-target not ready after 10 s"; exit 1; }
echo "fleetsim-target up on 127.0.0.1:7101-7103 (heartbeat 5 s); running fleetsim for $duration"

"$bin/fleetsim" --flagfile=conf/fleetsim-local.flags --duration="$duration" \
  --stats_file="$out/stats.jsonl"
kill -TERM "$target"
wait "$target" || true
trap - EXIT

python3 - "$out/stats.jsonl" "$out/target-counters.json" <<'PY'
import json, sys
final = [json.loads(l) for l in open(sys.argv[1]) if '"final":true' in l][-1]
target = json.load(open(sys.argv[2]))
print("\n%-12s %12s %12s   %12s %12s" % ("step", "sent", "received", "target rcvd", "target resp"))
names = {"login": "LOGIN", "heartbeat": "HEARTBEAT", "logout": "LOGOUT", "report": "REPORT",
         "user_login": "USER_LOGIN", "query": "QUERY"}
ok = True
for step, s in final["totals"]["steps"].items():
    t = target["commands"].get(names.get(step, ""), {})
    same = s["sent"] == t.get("received") and s["received"] == t.get("responded")
    ok = ok and same
    print("%-12s %12d %12d   %12d %12d  %s" % (step, s["sent"], s["received"], t.get("received", 0),
                                               t.get("responded", 0), "ok" if same else "MISMATCH"))
lat = final["totals"]["latency_ms"]
print("\nlatency (corrected) p50 %.3f ms  p99 %.3f ms  max %.3f ms" % (lat["p50"], lat["p99"], lat["max"]))
print("stats: run/stats.jsonl (one JSON line per second), target: run/target-counters.json")
print("every message accounted for on both sides" if ok else "COUNTS DIFFER")
sys.exit(0 if ok else 1)
PY
