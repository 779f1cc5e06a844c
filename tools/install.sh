#!/usr/bin/env bash
# install.sh DESTDIR PREFIX BINDIR: `make install` (DESTDIR and PREFIX from make, BINDIR the
# built programs). Installs, all under DESTDIR (empty: the live system):
#
#   PREFIX/bin/                     fleetsim, fleetsim-agent, fleetsim-target (those built)
#   UNITDIR/                        their systemd units, with @PREFIX@ replaced (below)
#   /etc/fleetsim/                  fleetsim.flags, agent.flags, target.flags, scenarios/
#   /etc/logrotate.d/fleetsim       rotation of the stats file
#   PREFIX/share/doc/fleetsim/      README.md, scenarios.md (the units' Documentation=)
#   /var/log/fleetsim/              the log directory (see fleetsim.service: LogsDirectory=)
#
# UNITDIR: for PREFIX=/usr/local (the default, software the administrator installs),
# /usr/local/lib/systemd/system, which systemd reads (`systemd-analyze unit-paths`) and
# which keeps our files out of /lib/systemd/system, owned by dpkg (Debian policy: nothing
# outside /usr/local but packages). For PREFIX=/usr (building a package), the distribution's
# directory (pkg-config systemd's systemdsystemunitdir: /lib/systemd/system on Debian 12).
# For any other PREFIX, which systemd does not read, /etc/systemd/system. $UNITDIR overrides.
#
# Config files are never overwritten: an existing file that differs from the new one is
# kept, and the new one goes beside it as FILE.dist (for /etc/logrotate.d, FILE.dpkg-dist:
# logrotate would read a FILE.dist as a second config with the same log, and refuse it,
# while it skips *.dpkg-dist). Programs, units and docs are replaced (change units with
# drop-ins: `systemctl edit fleetsim`). Running it again changes nothing. Needs no root
# when DESTDIR is writable: it never changes owners.
set -euo pipefail

if [[ $# -ne 3 ]]; then
  echo "usage: $0 DESTDIR PREFIX BINDIR   (DESTDIR may be \"\")" >&2
  exit 2
fi
destdir=$1 prefix=$2 bindir=$3
src=$(cd "$(dirname "$0")/.." && pwd)
[[ $prefix == /* ]] || { echo "install: PREFIX must be absolute: $prefix" >&2; exit 2; }
prefix=${prefix%/}
[[ -x $bindir/fleetsim ]] || { echo "install: $bindir/fleetsim is not built (make)" >&2; exit 1; }

if [[ -n ${UNITDIR:-} ]]; then
  unitdir=$UNITDIR
elif [[ $prefix == /usr ]]; then
  unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || true)
  unitdir=${unitdir:-/lib/systemd/system}
elif [[ $prefix == /usr/local ]]; then
  unitdir=$prefix/lib/systemd/system
else
  unitdir=/etc/systemd/system
fi

# Replaces DEST with the contents of stdin, atomically (a temp file renamed over it), only if
# they differ; MODE is its mode.
put() {
  local dest=$1 mode=$2 tmp
  mkdir -p "$(dirname "$dest")"
  tmp=$(mktemp "$dest.XXXXXX")
  cat >"$tmp"
  chmod "$mode" "$tmp"
  if [[ -f $dest ]] && cmp -s "$tmp" "$dest"; then
    rm -f "$tmp"
  else
    mv -f "$tmp" "$dest"
    echo "install: $dest"
  fi
}

# A config file: installed if absent; kept if changed, with the new version as DEST$SUFFIX.
config() {
  local from=$1 dest=$2 suffix=${3:-.dist}
  if [[ ! -e $dest ]]; then
    put "$dest" 0644 <"$from"
  elif cmp -s "$from" "$dest"; then
    rm -f "$dest$suffix"  # an older version's leftover; the installed file is current
  else
    put "$dest$suffix" 0644 <"$from" >/dev/null
    echo "install: kept $dest (changed here); the new version is $dest$suffix"
  fi
}

installed=()
for prog in fleetsim fleetsim-agent fleetsim-target; do
  if [[ ! -x $bindir/$prog ]]; then
    echo "install: $bindir/$prog not built; skipping it and its unit"
    continue
  fi
  # A binary in use cannot be written (ETXTBSY), but a new file can be renamed over it;
  # the running processes keep the old one (and fleetsim's respawns use /proc/self/exe).
  put "$destdir$prefix/bin/$prog" 0755 <"$bindir/$prog"
  sed "s|@PREFIX@|$prefix|g" "$src/systemd/$prog.service" | put "$destdir$unitdir/$prog.service" 0644
  installed+=("$prog")
done

etc=$destdir/etc/fleetsim
for f in fleetsim.flags agent.flags target.flags; do
  config "$src/conf/$f" "$etc/$f"
done
for f in "$src"/conf/scenarios/*.yaml; do
  config "$f" "$etc/scenarios/$(basename "$f")"
done
config "$src/conf/logrotate.d/fleetsim" "$destdir/etc/logrotate.d/fleetsim" .dpkg-dist

doc=$destdir$prefix/share/doc/fleetsim
put "$doc/README.md" 0644 <"$src/README.md"
put "$doc/scenarios.md" 0644 <"$src/conf/scenarios/README.md"

# Created for a first look and for running fleetsim by hand with the flagfile; the service's
# LogsDirectory= takes it over (with DynamicUser, systemd moves it to /var/log/private and
# leaves a symlink, which is left alone here).
logdir=$destdir/var/log/fleetsim
if [[ ! -e $logdir && ! -L $logdir ]]; then
  mkdir -p "$logdir"
  chmod 0755 "$logdir"
  echo "install: $logdir/"
fi

echo "install: done (${installed[*]}; units in $destdir$unitdir)"
if [[ -z $destdir ]]; then
  echo "install: next: systemctl daemon-reload && systemctl enable --now fleetsim"
fi
