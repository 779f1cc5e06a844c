#!/usr/bin/env bash
# install_deps.sh: installs the Debian packages fleetsim builds and tests with, only
# those that are missing. Does nothing (and needs no network) when all are present.
set -euo pipefail

PACKAGES=(
  g++ make pkg-config
  libev-dev libgflags-dev libgoogle-glog-dev libabsl-dev
  libgtest-dev libgmock-dev libyaml-cpp-dev libmicrohttpd-dev libsystemd-dev
  nlohmann-json3-dev
  python3 clang-format
  prometheus-node-exporter  # only for the agent's cross-check test
  prometheus                # only for promtool: the agent's /metrics format test
  systemd                   # systemd-analyze, for the unit-file test
)

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "deps: installing missing Debian packages: ${missing[*]}"
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "deps: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
  SUDO=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
# The package lists may be stale or absent on a fresh machine; refresh once.
"${SUDO[@]}" apt-get update -q || true
# prometheus-node-exporter's postinst tries to start a service; no systemd as PID 1 is fine.
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
