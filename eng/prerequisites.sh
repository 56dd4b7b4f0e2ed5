#!/usr/bin/env bash
# eng/prerequisites.sh: what ./build.sh test needs besides the .NET SDK, installed when it can be.
# The whole test suite runs TorchSharp (tests/GpuPool.TorchSharp.Tests, tests/GpuPool.Server.TorchScript.Tests);
# where this machine's libstdc++ lacks GLIBCXX_3.4.32 (Debian 12, Ubuntu 22.04), their builds patch the output's
# copy of TorchSharp's native library (eng/torchsharp/patch-output.sh), which needs g++, gcc and patchelf.
# Missing tools are installed with apt-get when this runs as root (apt-get update once, then apt-get install -y
# of only what is missing); otherwise the script names the command to run and exits 1.
# The cluster tests (tests/GpuPool.Cluster.Tests) start a real PostgreSQL 15 from Debian's postgresql package;
# as root it is installed here (apt-get install -y postgresql), otherwise those tests skip and say why.
set -euo pipefail

# tests/GpuPool.Dashboard.Tests drive Debian's chromium through Playwright (no browser download).
[ -x /usr/lib/chromium/chromium ] || { [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || echo "eng/prerequisites.sh: the dashboard's browser tests need chromium: apt-get install -y chromium" >&2

[ "$(uname -s)" = "Linux" ] && [ "$(uname -m)" = "x86_64" ] || exit 0

if [ ! -x /usr/lib/postgresql/15/bin/postgres ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "eng/prerequisites.sh: installing postgresql for the cluster tests (tests/GpuPool.Cluster.Tests)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  else
    echo "eng/prerequisites.sh: PostgreSQL 15 is not installed; the cluster tests will skip (sudo apt-get install -y postgresql)" >&2
  fi
fi

libstdcxx="$( (/sbin/ldconfig -p 2>/dev/null || true) | awk '/libstdc\+\+\.so\.6 .*x86-64/ { path = $NF } END { print path }')"
libstdcxx="${libstdcxx:-/usr/lib/x86_64-linux-gnu/libstdc++.so.6}"
if [ -e "$libstdcxx" ] && grep -aq 'GLIBCXX_3\.4\.32' "$libstdcxx"; then
  exit 0
fi

# command -> Debian package
declare -A package=([g++]=g++ [gcc]=gcc [patchelf]=patchelf [readelf]=binutils)
missing() {
  local tool
  for tool in g++ gcc patchelf readelf; do
    command -v "$tool" >/dev/null 2>&1 || echo "${package[$tool]}"
  done | sort -u | tr '\n' ' ' | sed 's/ $//'
}

needed="$(missing)"
[ -n "$needed" ] || exit 0
why="TorchSharp's native library needs a patch here (this libstdc++ lacks GLIBCXX_3.4.32; see docs/torchsharp.md)"
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "eng/prerequisites.sh: installing $needed: $why" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # shellcheck disable=SC2086 # one word per package
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $needed >/dev/null
  needed="$(missing)"
  [ -n "$needed" ] || exit 0
  echo "eng/prerequisites.sh: still missing after apt-get install: $needed (not on PATH: $PATH)" >&2
  exit 1
fi

if command -v apt-get >/dev/null 2>&1; then
  echo "./build.sh test needs $needed: $why. Install them, then run ./build.sh test again:" >&2
  echo "  sudo apt-get install -y $needed" >&2
else
  echo "./build.sh test needs g++, gcc, patchelf and readelf (binutils): $why. Missing packages: $needed" >&2
fi
exit 1
