#!/usr/bin/env python3
"""Writes tests/testdata/proc_edge/{t0,t1}: two synthetic /proc + /sys trees, 4 s apart,
with every edge case collector.md lists. host_figures_test.cc checks the figures derived
from them; the expected values are worked out in the comments here. Re-run after edits:
  python3 tests/testdata/make_proc_edge.py
"""
import os
import shutil

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "proc_edge")


def write(t, path, text):
    p = os.path.join(ROOT, t, path)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as f:
        f.write(text)


def keep(t, path):  # an empty directory git can store (sysfs `device` links)
    write(t, os.path.join(path, ".keep"), "")


shutil.rmtree(ROOT, ignore_errors=True)

# /proc/stat. cpu1 has the 8 columns of kernels 2.6.11-2.6.23. A ~130 KB intr line
# (65000 IRQ columns, like procfs' fixture) in t0.
# t1: cpu0 +200 user, +100 system, +100 idle, iowait 50->40 (decrease, idle grew: delta 0),
#     guest +20 -> 400 ticks: user 50%, system 25%, idle 25%, busy 75%, guest 5%;
#     cpu1 idle 5000->4500 (back 5 s >= 3 s: reset, skipped); cpu2 appears (skipped).
#     cores_busy = 300 ticks / 100 Hz / 4 s = 0.75. The aggregate line's idle drops (what a
#     hotplug does to it): not used because per-CPU lines exist.
# ctxt +400 -> 100/s, intr +4000 -> 1000/s, processes +20 -> 5/s.
write("t0", "proc/stat",
      "cpu  1000 50 500 10000 100 10 20 5 30 2\n"
      "cpu0 500 25 250 5000 50 5 10 5 30 2\n"
      "cpu1 500 25 250 5000 50 5 10 0\n"
      "intr 1000000 " + " ".join(["0"] * 65000) + "\n"
      "ctxt 100000\nbtime 1700000000\nprocesses 5000\nprocs_running 2\nprocs_blocked 1\n"
      "softirq 3000 1 2 3\n")
write("t1", "proc/stat",
      "cpu  1110 50 600 9600 90 10 20 5 50 2\n"
      "cpu0 700 25 350 5100 40 5 10 5 50 2\n"
      "cpu1 400 25 250 4500 50 5 10 0\n"
      "cpu2 10 0 10 100 0 0 0 0 0 0\n"
      "intr 1004000 1 2 3\n"
      "ctxt 100400\nbtime 1700000000\nprocesses 5020\nprocs_running 3\nprocs_blocked 0\n"
      "softirq 3100 1 2 3\n")

write("t0", "proc/loadavg", "1.00 0.50 0.25 1/200 12000\n")
write("t1", "proc/loadavg", "2.50 1.25 0.75 3/250 12345\n")

# t0: no MemAvailable (< 3.14) -> available = MemFree 200000 kB (estimated), used 800000 kB
# (80 %), buff/cache 50000 + 300000 + 40000 = 390000 kB, swap used 40000 kB.
# t1: MemAvailable 600000 kB -> used 400000 kB (40 %).
mem = ("MemTotal:        1000000 kB\nMemFree:          {free} kB\n{avail}"
       "Buffers:           50000 kB\nCached:           300000 kB\nSwapCached:            0 kB\n"
       "Active(anon):      12345 kB\nShmem:             10000 kB\nSReclaimable:      40000 kB\n"
       "SwapTotal:        100000 kB\nSwapFree:          60000 kB\nHugePages_Total:       0\n"
       "Hugepagesize:       2048 kB\nDirectMap2M:     4096 kB\n")
write("t0", "proc/meminfo", mem.format(free=200000, avail=""))
write("t1", "proc/meminfo", mem.format(free=250000, avail="MemAvailable:     600000 kB\n"))

# /proc/diskstats, dt = 4 s:
#  sda (14 tokens): r/s 100, w/s 25, rkB/s 2000, wkB/s 1000, rrqm/s 2.5, wrqm/s 2.5,
#      r_await 2, w_await 2, await 2, util 50, aqu-sz 0.25; no discard/flush figures.
#  sda1 (7-token old partition line): r/s 100 rkB/s 2000 w/s 25 wkB/s 1000, no times.
#  sdb (18 tokens): w/s 100, wkB/s 400, w_await 2, d/s 1, dkB/s 100,
#      await (0+800+40)/(0+400+4) = 2.079, util 30, aqu-sz 0.2.
#  vda (20 tokens) with the unsigned int fields wrapping 2^32: rd_ticks +600, wr_ticks
#      +2000, io_ticks +3200, time_in_queue +12000, fl_ticks +40 ->
#      r/s 50 rkB/s 200 r_await 3, w/s 25 wkB/s 200 w_await 20, await 2600/300 = 8.667,
#      util 80, aqu-sz 3, f/s 5.
#  nvme0n1: counts drop (re-created) -> reset, no rate. nvme0n1p1: gone in t1.
#  loop0: never used (hidden). dm-0: virtual, stacked: a rate, but not in totals.
#  Totals (sda, sdb, vda): r/s 150, w/s 150, rkB/s 2200, wkB/s 1600,
#      await (1000 + 840 + 2600) / (500 + 404 + 300) = 3.688, util max = 80.
write("t0", "proc/diskstats",
      "   8       0 sda 1000 10 80000 5000 2000 20 160000 8000 0 6000 13000\n"
      "   8       1 sda1 900 72000 1900 150000\n"
      "   8      16 sdb 100 0 800 100 200 0 1600 200 0 300 300 5 0 40 10\n"
      " 254       0 vda 500 5 4000 4294967000 600 6 8000 4294966000 2 4294967200 4294960000"
      " 0 0 0 0 10 4294967290\n"
      " 259       0 nvme0n1 50 0 400 10 0 0 0 0 0 10 10 0 0 0 0 0 0\n"
      " 259       1 nvme0n1p1 50 0 400 10 0 0 0 0 0 10 10 0 0 0 0\n"
      "   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
      " 253       0 dm-0 100 0 800 50 100 0 800 50 0 60 100 0 0 0 0 0 0\n")
write("t1", "proc/diskstats",
      "   8       0 sda 1400 20 96000 5800 2100 30 168000 8200 1 8000 14000\n"
      "   8       1 sda1 1300 88000 2000 158000\n"
      "   8      16 sdb 100 0 800 100 600 0 4800 1000 0 1500 1100 9 0 840 50\n"
      " 254       0 vda 700 5 5600 304 700 6 9600 704 0 3104 4704 0 0 0 0 30 34\n"
      " 259       0 nvme0n1 5 0 40 1 0 0 0 0 0 1 1 0 0 0 0 0 0\n"
      "   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
      " 253       0 dm-0 300 0 2400 150 300 0 2400 150 0 180 300 0 0 0 0 0 0\n")
for t in ("t0", "t1"):
    for d, size, rot, phys in (("sda", 1953525168, 1, True), ("sdb", 976773168, 0, True),
                               ("vda", 536870912, 1, True), ("nvme0n1", 1000215216, 0, True),
                               ("loop0", 0, 0, False), ("dm-0", 409600, 0, False)):
        write(t, f"sys/block/{d}/size", f"{size}\n")
        write(t, f"sys/block/{d}/queue/rotational", f"{rot}\n")
        if phys:
            keep(t, f"sys/block/{d}/device")

# /proc/net/dev: eth0 has no space after the colon. dt = 4 s:
#  lo +40000 B, +400 pkts each way -> 10000 B/s, 100 pps.
#  eth0 rx +400000 B/+800 pkts/+4 errs -> 100000 B/s, 200 pps, 1 err/s;
#       tx +200000 B/+400 pkts/+8 drops -> 50000 B/s, 100 pps, 2 drop/s.
#  veth0 (virtual): 25000 B/s rx, not in totals. wlan0: counters drop -> reset.
#  Totals (lo + eth0): rx 110000 B/s, tx 60000 B/s, rx 300 pps, tx 200 pps.
hdr = ("Inter-|   Receive                                                |  Transmit\n"
       " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets"
       " errs drop fifo colls carrier compressed\n")
write("t0", "proc/net/dev", hdr +
      "    lo: 1000 10 0 0 0 0 0 0 1000 10 0 0 0 0 0 0\n"
      "  eth0:5000000 4000 1 2 0 0 0 0 3000000 2000 0 1 0 0 0 0\n"
      " veth0: 100 1 0 0 0 0 0 0 100 1 0 0 0 0 0 0\n"
      "  ifb0: 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
      " wlan0: 900 9 0 0 0 0 0 0 900 9 0 0 0 0 0 0\n")
write("t1", "proc/net/dev", hdr +
      "    lo: 41000 410 0 0 0 0 0 0 41000 410 0 0 0 0 0 0\n"
      "  eth0:5400000 4800 5 2 0 0 0 0 3200000 2400 0 9 0 0 0 0\n"
      " veth0: 100100 2 0 0 0 0 0 0 100 1 0 0 0 0 0 0\n"
      "  ifb0: 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
      " wlan0: 50 1 0 0 0 0 0 0 50 1 0 0 0 0 0 0\n")
for t in ("t0", "t1"):
    for n, speed, phys in (("lo", None, False), ("eth0", 10000, True), ("veth0", None, False),
                           ("ifb0", None, False), ("wlan0", None, True)):
        write(t, f"sys/class/net/{n}/operstate", "up\n")
        write(t, f"sys/class/net/{n}/mtu", "1500\n")
        write(t, f"sys/class/net/{n}/address", "02:00:00:00:00:01\n")
        if speed is not None:
            write(t, f"sys/class/net/{n}/speed", f"{speed}\n")
        if phys:
            keep(t, f"sys/class/net/{n}/device")

# /proc/net/snmp: the Ip pair has 3 names and 4 values (dropped); Tcp has an extra column
# a future kernel might add. t1: ActiveOpens +40 (10/s), PassiveOpens +200 (50/s),
# CurrEstab 12, OutSegs +4000, RetransSegs +20 (5/s, 0.5 %).
snmp = ("Ip: Forwarding DefaultTTL InReceives\nIp: 1 64 1000 55\n"
        "Icmp: InMsgs OutMsgs\nIcmp: 5 6\n"
        "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails"
        " EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors"
        " FutureColumn\n"
        "Tcp: 1 200 120000 -1 {ao} {po} 0 0 {ce} 10000 {os} {rs} 0 5 0 42\n"
        "Udp: InDatagrams NoPorts InErrors OutDatagrams\nUdp: 10 0 0 10\n")
write("t0", "proc/net/snmp", snmp.format(ao=100, po=200, ce=7, os=20000, rs=10))
write("t1", "proc/net/snmp", snmp.format(ao=140, po=400, ce=12, os=24000, rs=30))
# /proc/net/netstat: ListenOverflows +5, ListenDrops +6.
ns = ("TcpExt: SyncookiesSent ListenOverflows ListenDrops TCPBacklogDrop\n"
      "TcpExt: 0 {lo} {ld} 0\nIpExt: InOctets OutOctets\nIpExt: 100 200\n")
write("t0", "proc/net/netstat", ns.format(lo=3, ld=4))
write("t1", "proc/net/netstat", ns.format(lo=8, ld=10))
# sockstat with a key (pressure) and a protocol (FUTURE) no kernel prints yet.
# t1: TCP inuse 1020 + TCP6 5 = 1025, tw 30, orphan 2, alloc 1030, mem 100 pages.
ss = ("sockets: used {used}\nTCP: inuse {inuse} orphan {orph} tw {tw} alloc {alloc} mem {mem}"
      " pressure 0\nUDP: inuse 2 mem 1\nFUTURE: thing 9\n")
write("t0", "proc/net/sockstat", ss.format(used=150, inuse=20, orph=1, tw=3, alloc=25, mem=10))
write("t1", "proc/net/sockstat",
      ss.format(used=1150, inuse=1020, orph=2, tw=30, alloc=1030, mem=100))
write("t0", "proc/net/sockstat6", "TCP6: inuse 1\nUDP6: inuse 0\n")
write("t1", "proc/net/sockstat6", "TCP6: inuse 5\nUDP6: inuse 0\n")


# Processes: 4242 calls itself "(a) b)" (comm with a space and parentheses) and runs
# /usr/bin/srv; 4243 also runs srv but started later. Watching "srv" picks 4242 (oldest).
# 4242 t1: utime+stime +300 ticks over 4 s -> 75 % CPU; 6 threads; VmRSS 20480 kB; 5 fds.
def proc(t, pid, comm, utime, stime, threads, start, rss_kb, nfds):
    write(t, f"proc/{pid}/stat",
          f"{pid} ({comm}) S 1 {pid} {pid} 0 -1 4194304 10 0 0 0 {utime} {stime} 0 0 20 0"
          f" {threads} 0 {start} 104857600 2560 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0"
          " 17 0 0 0 0 0 0\n")
    write(t, f"proc/{pid}/status",
          f"Name:\t{comm}\nState:\tS (sleeping)\nVmHWM:\t   30000 kB\nVmRSS:\t   {rss_kb} kB\n"
          f"Threads:\t{threads}\nvoluntary_ctxt_switches:\t10\n"
          "nonvoluntary_ctxt_switches:\t2\n")
    write(t, f"proc/{pid}/cmdline", "/usr/bin/srv\0--port\0" + "9000\0")
    for fd in range(nfds):
        write(t, f"proc/{pid}/fd/{fd}", "")


proc("t0", 4242, "(a) b)", 1000, 500, 4, 5000, 10240, 3)
proc("t1", 4242, "(a) b)", 1200, 600, 6, 5000, 20480, 5)
for t in ("t0", "t1"):
    proc(t, 4243, "srv", 1, 1, 1, 6000, 1000, 1)
    write(t, "proc/cpuinfo", "".join(
        f"processor\t: {i}\nmodel name\t: Test CPU @ 2.0GHz\nphysical id\t: {i // 4}\n"
        f"core id\t\t: {(i % 4) // 2}\ncpu cores\t: 2\n\n" for i in range(8)))
    write(t, "proc/sys/kernel/hostname", "edgehost\n")
    write(t, "proc/sys/kernel/osrelease", "9.9.9-test\n")
print("wrote", ROOT)
