#!/usr/bin/env bash
# capture_fixture.sh DEST [PID]: copies the /proc and /sys files fleetsim-agent reads into
# DEST/proc and DEST/sys (plain files; sysfs `device` links become empty directories), so
# unit tests can parse a real machine's files. PID (default: this shell) adds proc/PID.
set -euo pipefail
dest=$1 pid=${2:-$$}
mkdir -p "$dest/proc/net" "$dest/proc/sys/kernel" "$dest/sys/block" "$dest/sys/class/net"
for f in stat loadavg meminfo diskstats cpuinfo net/dev net/snmp net/netstat net/sockstat \
         net/sockstat6 sys/kernel/hostname sys/kernel/osrelease; do
  cat "/proc/$f" > "$dest/proc/$f"
done
mkdir -p "$dest/proc/$pid/fd"
for f in stat status cmdline; do cat "/proc/$pid/$f" > "$dest/proc/$pid/$f"; done
n=0
for fd in /proc/$pid/fd/*; do : > "$dest/proc/$pid/fd/$(basename "$fd")"; n=$((n+1)); done
for b in /sys/block/*; do
  name=$(basename "$b")
  mkdir -p "$dest/sys/block/$name/queue"
  cat "$b/size" > "$dest/sys/block/$name/size"
  cat "$b/queue/rotational" > "$dest/sys/block/$name/queue/rotational"
  [[ -e "$b/device" ]] && mkdir -p "$dest/sys/block/$name/device"
done
for n in /sys/class/net/*; do
  name=$(basename "$n")
  mkdir -p "$dest/sys/class/net/$name"
  for f in operstate mtu address; do cat "$n/$f" > "$dest/sys/class/net/$name/$f"; done
  cat "$n/speed" > "$dest/sys/class/net/$name/speed" 2>/dev/null || rm -f "$dest/sys/class/net/$name/speed"
  [[ -e "$n/device" ]] && mkdir -p "$dest/sys/class/net/$name/device"
done
for c in /sys/devices/system/cpu/cpu[0-9]*; do
  t="$dest/sys/devices/system/cpu/$(basename "$c")/topology"
  mkdir -p "$t"
  cat "$c/topology/physical_package_id" > "$t/physical_package_id"
  cat "$c/topology/core_id" > "$t/core_id"
done
# git keeps no empty directories
find "$dest" -type d -empty -exec touch {}/.keep \;
echo "captured into $dest (pid $pid)"
