#!/usr/bin/env python3
"""report.py KIND RESULT.json...: prints one table from bench/meter.py results.

KIND is connect, cpu, memory or overhead (the four echo benchmarks). fleetsim's latencies
come from the final line of its --stats_file (whole-run totals: ramp and drain included);
tcpkali's from the percentile lines it prints at exit (whole run too).
"""
import json
import re
import statistics
import sys

PCT = re.compile(r"(TCP connect|Message) latency at percentiles: ([\d./]+) ms \(([\d./%]+)\)")


def load(path):
    with open(path) as f:
        r = json.load(f)
    r["file"] = path
    return r


def final_stats(r):
    path = r["meta"].get("stats")
    if not path:
        return None
    last = None
    try:
        with open(path) as f:
            for line in f:
                if '"final":true' in line.replace(" ", ""):
                    last = json.loads(line)
    except OSError:
        pass
    return last


def kali_pct(r, what):
    """{percentile: ms} from tcpkali's '<what> latency at percentiles' line."""
    for line in r.get("tail", []):
        m = PCT.search(line)
        if m and m.group(1) == what:
            vals = [float(v) for v in m.group(2).split("/")]
            keys = m.group(3).rstrip("%").split("/")
            return dict(zip(keys, vals))
    return {}


def fmt(v, spec="{:.2f}"):
    return "-" if v is None else spec.format(v)


def status(r):
    if r.get("ok"):
        return "ok"
    return r.get("error") or f"exit {r.get('gen_exit')}"


def table(head, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    line = lambda cells: "  " + "  ".join(str(c).ljust(w) for c, w in zip(cells, widths))
    print(line(head))
    for row in rows:
        print(line(row))


def latency(r, key="latency_ms"):
    """(p50, p99) ms: fleetsim's whole-run totals, or tcpkali's marker latency."""
    if r["meta"]["tool"] == "fleetsim":
        f = final_stats(r)
        t = f["totals"].get(key) if f else None
        return (t["p50"], t["p99"]) if t and t["count"] else (None, None)
    p = kali_pct(r, "Message")
    return (p.get("50"), p.get("99"))


def connect(results):
    rows = []
    for r in results:
        m = r["meta"]
        t_all = r.get("ready_s")
        ramp = None
        if m["tool"] == "fleetsim":
            f = final_stats(r)
            cl = f["totals"]["connect_latency_ms"] if f else {}
            p50, p99 = cl.get("p50"), cl.get("p99")
            fc = r.get("first_connect")
            if fc and r.get("ready_stats_elapsed_s") is not None:
                # From the start of the first interval that saw a connect to the line that
                # saw them all: an upper bound on the ramp's duration (20 ms lines).
                ramp = r["ready_stats_elapsed_s"] - (fc["elapsed_s"] - fc["interval_s"])
        else:
            p = kali_pct(r, "TCP connect")
            p50, p99 = p.get("50"), p.get("99")
            before = []  # stamps of its lines before "Ramped up"
            with open(r["file"][:-5] + ".log") as f:
                for x in f:
                    if "Ramped up" in x:
                        break
                    before.append(float(x.split()[0]))
            if t_all is not None and before:  # from its last line before connecting
                ramp = t_all - before[-1]
        rows.append([m["tool"], m["workers"], m["rate"], fmt(t_all, "{:.3f}"),
                     fmt(ramp, "{:.3f}"), fmt(m["conns"] / ramp if ramp else None, "{:.0f}"),
                     r["echod_accepted"], fmt(p50), fmt(p99), status(r)])
    table(["tool", "workers", "rate asked/s", "time to all s (from spawn)", "ramp s",
           "rate achieved/s (conns / ramp)", "opened (echod)", "connect p50 ms", "p99 ms",
           "status"], rows)


def cpu(results):
    rows = []
    for r in results:
        m, w = r["meta"], r.get("window") or {}
        p50, p99 = latency(r)
        u50, u99 = latency(r, "latency_uncorrected_ms") if m["tool"] == "fleetsim" else (None,
                                                                                        None)
        workers = m["workers"]
        if workers == "auto":  # fleetsim's default: the workers its tree had
            workers = f"auto: {w['gen_procs'] - 1}" if w.get("gen_procs") else "auto"
        rows.append([m["tool"], workers, m["rate"], w.get("conns"),
                     fmt(w.get("exchanges_per_s"), "{:.0f}"), fmt(w.get("gen_cpu_pct"), "{:.1f}"),
                     fmt(w.get("gen_cpu_ms_per_1k"), "{:.1f}"), fmt(w.get("echod_cpu_pct"), "{:.1f}"),
                     fmt(w.get("others_cpu_pct"), "{:.0f}"),
                     f"{fmt(p50)}/{fmt(p99)}", f"{fmt(u50)}/{fmt(u99)}", status(r)])
    table(["tool", "workers", "rate asked/s", "conns", "exchanges/s", "gen CPU %",
           "gen CPU ms per 1k exchanges", "echod CPU %", "others CPU %", "latency p50/p99 ms",
           "fleetsim uncorrected p50/p99", "status"], rows)


def memory(results):
    rows, idle = [], {}
    for r in results:
        m, w = r["meta"], r.get("window") or {}
        n = w.get("conns") or 0
        p50, p99 = latency(r) if m["mode"] != "idle" else (None, None)
        u50, u99 = (latency(r, "latency_uncorrected_ms")
                    if m["mode"] != "idle" and m["tool"] == "fleetsim" else (None, None))
        pss, own, rss = w.get("gen_pss_kB"), w.get("gen_pss_own_kB"), w.get("gen_rss_kB")
        if m["mode"] == "idle" and pss:
            idle.setdefault(m["tool"], []).append((n, pss, own, rss))
        mb = lambda kb: fmt(kb and kb / 1024, "{:.1f}")
        rows.append([m["tool"], m["mode"], n, mb(pss), mb(own), mb(rss),
                     fmt(pss * 1024 / n / 1000 if pss and n else None, "{:.2f}"),
                     fmt(w.get("exchanges_per_s"), "{:.0f}"), fmt(w.get("gen_cpu_pct"), "{:.1f}"),
                     fmt(w.get("echod_cpu_pct"), "{:.1f}"), fmt(w.get("others_cpu_pct"), "{:.0f}"),
                     f"{fmt(p50)}/{fmt(p99)}", f"{fmt(u50)}/{fmt(u99)}", status(r)])
    table(["tool", "mode", "conns (echod)", "gen Pss MB", "Pss anon+shmem MB", "gen Rss MB",
           "Pss/conn KB", "exchanges/s", "gen CPU %", "echod CPU %", "others CPU %",
           "latency p50/p99 ms",
           "fleetsim uncorrected p50/p99", "status"], rows)
    for tool, pts in idle.items():
        if len(pts) >= 2:
            (n0, p0, o0, r0), (n1, p1, o1, r1) = min(pts), max(pts)
            if n1 > n0:
                per = lambda a, b: f"{(b - a) * 1024 / (n1 - n0):.0f} B"
                print(f"  {tool}: idle memory per added connection ({n0} -> {n1}): "
                      f"Pss {per(p0, p1)}, Pss anon+shmem {per(o0, o1)}, Rss {per(r0, r1)}")


def overhead(results):
    rows = []
    by = {}
    for r in results:
        m, w = r["meta"], r.get("window") or {}
        f = final_stats(r)
        hist = f["totals"]["latency_ms"]["count"] if f else None
        recv = f["totals"]["messages"]["received"] if f else None
        rows.append([m["design"], m["pair"], "on" if m["hist"] else "off",
                     fmt(w.get("exchanges_per_s"), "{:.0f}"), fmt(w.get("gen_cpu_pct"), "{:.1f}"),
                     fmt(w.get("gen_cpu_ms_per_1k"), "{:.2f}"),
                     fmt(w.get("gen_user_ms_per_1k"), "{:.2f}"),
                     fmt(w.get("echod_cpu_pct"), "{:.1f}"), fmt(w.get("others_cpu_pct"), "{:.0f}"),
                     fmt(hist / recv if hist is not None and recv else None, "{:.2f}"), status(r)])
        if r.get("ok") and w:
            by.setdefault((m["design"], m["pair"]), {})[m["hist"]] = w
    table(["design", "pair", "histograms", "exchanges/s", "gen CPU %", "gen CPU ms per 1k",
           "of which user", "echod CPU %", "others CPU %", "latency samples per exchange",
           "status"], rows)
    for design in sorted({k[0] for k in by}):
        cpu_r, thr_r = [], []
        for (d, _), v in sorted(by.items()):
            if d == design and True in v and False in v:
                cpu_r.append(v[True]["gen_cpu_ms_per_1k"] / v[False]["gen_cpu_ms_per_1k"])
                thr_r.append(v[True]["exchanges_per_s"] / v[False]["exchanges_per_s"])
        if cpu_r:
            med = statistics.median(cpu_r)
            print(f"  {design}: CPU per exchange, on/off per pair: "
                  f"{' '.join(f'{x:.3f}' for x in cpu_r)}; median {med:.3f}: histograms cost "
                  f"{100 * (med - 1):+.1f} % CPU per exchange, i.e. {100 * (1 - 1 / med):+.1f} % "
                  f"of a saturated worker's throughput")
            print(f"  {design}: exchanges/s, on/off per pair: "
                  f"{' '.join(f'{x:.3f}' for x in thr_r)}; median {statistics.median(thr_r):.3f}")


def main():
    kind, files = sys.argv[1], sys.argv[2:]
    results = [load(p) for p in files]
    results.sort(key=lambda r: r["meta"].get("order", 0))
    {"connect": connect, "cpu": cpu, "memory": memory, "overhead": overhead}[kind](results)


if __name__ == "__main__":
    main()
