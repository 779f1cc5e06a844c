#!/usr/bin/env python3
"""meter.py: runs one load generator against a fresh echod and measures both from /proc.

    bench/meter.py --echod=PATH --port=P --out=RESULT.json [options] -- GENERATOR ARGS...

The neutral target is ../shared/bench/echod.c (the server tcpkali and tsung were measured
with in ../shared/bench/peers-results.md). meter starts it with `-s 1`, so it prints its
cumulative counters (connections, accepted, bytes in/out) once a second; every such line is
a sample. At that moment meter also reads from /proc:
  - the CPU time of the generator's whole process tree and of echod: every thread's run time
    in ns (/proc/PID/task/TID/schedstat), and utime in 10 ms ticks (/proc/PID/stat);
  - the generator tree's Pss and Rss (smaps_rollup, summed over the tree, so pages shared
    after fork count once in Pss);
  - the machine's busy ticks (/proc/stat), so a window also says how much else ran
    (others_cpu_pct: the noise on a shared machine).

Then the generator runs (its output, each line prefixed with seconds since spawn, goes to
--log). It is "ready" when all its connections are up: a line of its output matches
--ready_line (tcpkali's "Ramped up"), or a line of its --ready_stats JSON-lines file has
devices.online >= N (fleetsim with an `online` step first), or else at spawn. The steady
window opens at the first sample --warmup seconds after ready and closes --window samples
later; the result gives per-window rates (echo exchanges = bytes echoed / --frame bytes),
CPU seconds, CPU per 1000 exchanges and memory at the window's end. With --stop_after_window
the generator gets SIGTERM then (fleetsim stops gracefully); else meter waits for its exit.

Everything is bounded by --timeout. Both children run in their own sessions; on any exit
meter kills those two process groups (by id) and nothing else.
"""
import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
ECHOD_LINE = re.compile(r"echod\[(\d+) pid \d+\] conns=(\d+) accepted=(\d+) rejected=(\d+) "
                        r"in=(\d+) out=(\d+)")

children = []  # Popen objects, each the leader of its own process group


def kill_children():
    for p in children:
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    for p in children:
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


def on_signal(signum, _frame):
    kill_children()
    sys.exit(128 + signum)


def read_stat(pid):
    """(ppid, utime+stime ticks, utime ticks) of pid, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except OSError:
        return None
    fields = s[s.rindex(")") + 2:].split()
    return int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[11])


def run_ns(pid):
    """Nanoseconds pid's threads have run (/proc/PID/task/*/schedstat, first field): the
    same as utime + stime, without their 10 ms ticks."""
    total = 0
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


def host_busy_ticks():
    """Ticks the whole machine spent busy (all CPUs, all but idle and iowait)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v[:8]) - v[3] - v[4]  # user..steal; guest is already inside user


def tree(root):
    """root and all its descendants, from one scan of /proc."""
    kids = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = read_stat(int(name))
            if st:
                kids.setdefault(st[0], []).append(int(name))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def smaps(pid):
    """smaps_rollup of pid as {field: kB}."""
    out = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and parts[2] == "kB":
                    out[parts[0].rstrip(":")] = int(parts[1])
    except OSError:
        pass
    return out


def tree_figures(root):
    """CPU ticks and memory of root's process tree. pss_own_kB is Pss_Anon + Pss_Shmem: the
    Pss without file pages (libraries, the binary), whose share moves with whatever else on
    the machine maps the same files."""
    pids = tree(root)
    st = [read_stat(p) or (0, 0, 0) for p in pids]
    m = [smaps(p) for p in pids]
    return {"procs": len(pids), "cpu_ticks": sum(x[1] for x in st),
            "cpu_ns": sum(run_ns(p) for p in pids),
            "user_ticks": sum(x[2] for x in st),
            "pss_kB": sum(x.get("Pss", 0) for x in m),
            "pss_own_kB": sum(x.get("Pss_Anon", 0) + x.get("Pss_Shmem", 0) for x in m),
            "rss_kB": sum(x.get("Rss", 0) for x in m)}


class Sampler:
    """Reads echod's stderr; each stats line becomes a sample of echod and the generator."""

    def __init__(self, echod):
        self.echod = echod
        self.gen = None
        self.samples = []
        self.lock = threading.Lock()
        self.latest = {}  # echod worker id -> (conns, accepted, rejected, in, out)
        self.log = []
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        for raw in self.echod.stderr:
            line = raw.decode(errors="replace").rstrip()
            m = ECHOD_LINE.search(line)
            if not m:
                self.log.append(line)
                continue
            self.latest[int(m.group(1))] = tuple(int(x) for x in m.groups()[1:])
            if int(m.group(1)) != 0:
                continue  # with -k K, sample once per round: on worker 0's line
            now = time.monotonic()
            tot = [sum(v[i] for v in self.latest.values()) for i in range(5)]
            s = {"t": now, "conns": tot[0], "accepted": tot[1], "rejected": tot[2],
                 "in": tot[3], "out": tot[4],
                 "echod_ticks": sum((read_stat(p) or (0, 0))[1] for p in tree(self.echod.pid)),
                 "echod_ns": sum(run_ns(p) for p in tree(self.echod.pid)),
                 "host_ticks": host_busy_ticks()}
            gen = self.gen
            if gen is not None and gen.poll() is None:
                s["gen"] = tree_figures(gen.pid)
            with self.lock:
                self.samples.append(s)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--echod", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--echod_procs", type=int, default=1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--frame", type=int, default=32, help="bytes per echoed message")
    ap.add_argument("--ready_line", default="")
    ap.add_argument("--ready_stats", default="", help="FILE:N")
    ap.add_argument("--warmup", type=float, default=0)
    ap.add_argument("--window", type=int, default=0, help="samples (seconds) in the window")
    ap.add_argument("--stop_after_window", action="store_true")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--meta", default="{}", help="JSON object copied into the result")
    ap.add_argument("cmd", nargs="+")
    a = ap.parse_args()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    deadline = time.monotonic() + a.timeout
    res = {"meta": json.loads(a.meta), "cmd": a.cmd, "ok": False}
    try:
        run(a, deadline, res)
    finally:
        kill_children()
        with open(a.out, "w") as f:
            json.dump(res, f, indent=1)
    return 0 if res["ok"] else 1


def run(a, deadline, res):
    echod = subprocess.Popen([a.echod, "-k", str(a.echod_procs), "-s", "1",
                              "-t", str(int(a.timeout) + 5), str(a.port)],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, start_new_session=True)
    children.append(echod)
    sampler = Sampler(echod)
    while True:  # until echod listens
        try:
            socket.create_connection(("127.0.0.1", a.port), timeout=1).close()
            break
        except OSError:
            if echod.poll() is not None or time.monotonic() > deadline:
                res["error"] = "echod did not start: " + " | ".join(sampler.log[-3:])
                return
            time.sleep(0.02)
    time.sleep(1.2)  # one stats line with the probe's connection closed

    stats_file, stats_n = "", 0
    if a.ready_stats:
        stats_file, n = a.ready_stats.rsplit(":", 1)
        stats_n = int(n)
    ready_re = re.compile(a.ready_line) if a.ready_line else None

    log = open(a.log, "w")
    t0 = time.monotonic()
    gen = subprocess.Popen(a.cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, start_new_session=True)
    children.append(gen)
    sampler.gen = gen
    t_ready = None if (ready_re or stats_file) else 0.0
    ready_how = "" if t_ready is None else "spawn"
    out_lines = []

    def pump():
        nonlocal t_ready, ready_how
        for raw in gen.stdout:
            line = raw.decode(errors="replace").rstrip("\r\n")
            t = time.monotonic() - t0
            log.write(f"{t:8.3f} {line}\n")
            out_lines.append(line)
            if t_ready is None and ready_re and ready_re.search(line):
                t_ready, ready_how = t, f"line {line.strip()!r}"
    pumper = threading.Thread(target=pump, daemon=True)
    pumper.start()

    # Wait for ready (polling fleetsim's stats file every 10 ms), then for the window.
    stats_pos, first_connect = 0, None
    while t_ready is None:
        if stats_file and os.path.exists(stats_file):
            with open(stats_file) as f:
                f.seek(stats_pos)
                chunk = f.read()
            end = chunk.rfind("\n") + 1
            stats_pos += end
            for line in chunk[:end].splitlines():
                j = json.loads(line)
                if first_connect is None and j.get("connects", {}).get("ok", 0) > 0:
                    first_connect = {"seen_s": time.monotonic() - t0,
                                     "elapsed_s": j["elapsed_s"], "interval_s": j["interval_s"]}
                if j.get("devices", {}).get("online", 0) >= stats_n:
                    t_ready = time.monotonic() - t0
                    ready_how = (f"stats line elapsed_s={j['elapsed_s']} "
                                 f"(interval {j['interval_s']} s) online={j['devices']['online']}")
                    res["ready_stats_elapsed_s"] = j["elapsed_s"]
                    res["ready_stats_interval_s"] = j["interval_s"]
                    break
        if gen.poll() is not None or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    res["first_connect"] = first_connect
    if t_ready is None:
        res["error"] = "generator never ready (exit %s)" % gen.poll()
    res["ready_s"] = t_ready
    res["ready_how"] = ready_how

    window = None
    if t_ready is not None and a.window > 0:
        while time.monotonic() < deadline and gen.poll() is None:
            with sampler.lock:
                ss = [s for s in sampler.samples if s["t"] - t0 >= t_ready + a.warmup]
            if len(ss) > a.window:
                window = (ss[0], ss[a.window])
                break
            time.sleep(0.05)
        if window is None:
            res["error"] = "no full window (generator exit %s)" % gen.poll()
    if a.stop_after_window and gen.poll() is None:
        gen.send_signal(signal.SIGTERM)
    while gen.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if gen.poll() is None:
        res["error"] = "generator still running at --timeout; killed"
    pumper.join(timeout=2)
    res["gen_exit"] = gen.poll()
    res["gen_wall_s"] = round(time.monotonic() - t0, 3)
    time.sleep(1.1)  # one more echod line, after the generator closed
    with sampler.lock:
        samples = list(sampler.samples)
    res["echod_max_conns"] = max((s["conns"] for s in samples), default=0)
    res["echod_accepted"] = samples[-1]["accepted"] - samples[0]["accepted"] if samples else 0
    res["echod_rejected"] = samples[-1]["rejected"] if samples else 0
    res["tail"] = out_lines[-25:]
    if window:
        w0, w1 = window
        dt = w1["t"] - w0["t"]
        ex = (w1["in"] - w0["in"]) / a.frame
        gcpu = (w1["gen"]["cpu_ns"] - w0["gen"]["cpu_ns"]) / 1e9
        gticks = (w1["gen"]["cpu_ticks"] - w0["gen"]["cpu_ticks"]) / CLK_TCK
        guser = (w1["gen"]["user_ticks"] - w0["gen"]["user_ticks"]) / CLK_TCK
        ecpu = (w1["echod_ns"] - w0["echod_ns"]) / 1e9
        hcpu = (w1["host_ticks"] - w0["host_ticks"]) / CLK_TCK
        res["window"] = {
            "start_s": round(w0["t"] - t0, 3), "seconds": round(dt, 3),
            "exchanges": ex, "exchanges_per_s": round(ex / dt, 1),
            "conns": w1["conns"], "gen_cpu_s": gcpu, "echod_cpu_s": ecpu,
            "gen_cpu_s_ticks": gticks, "gen_user_cpu_s": guser, "host_busy_cpu_s": hcpu,
            "gen_cpu_pct": round(100 * gcpu / dt, 1), "echod_cpu_pct": round(100 * ecpu / dt, 1),
            # Everything else the machine ran meanwhile (other users' builds and tests, and
            # the kernel's softirq work not charged to either process): the noise.
            "others_cpu_pct": round(100 * (hcpu - gcpu - ecpu) / dt, 1),
            "gen_cpu_ms_per_1k": round(1000 * gcpu / (ex / 1000), 3) if ex else None,
            "gen_user_ms_per_1k": round(1000 * guser / (ex / 1000), 3) if ex else None,
            "echod_cpu_ms_per_1k": round(1000 * ecpu / (ex / 1000), 2) if ex else None,
            "gen_pss_kB": w1["gen"]["pss_kB"], "gen_rss_kB": w1["gen"]["rss_kB"],
            "gen_pss_own_kB": w1["gen"]["pss_own_kB"],
            "gen_procs": w1["gen"]["procs"],
        }
    res["ok"] = "error" not in res and res["gen_exit"] == 0


if __name__ == "__main__":
    sys.exit(main())
