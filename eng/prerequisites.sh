#!/usr/bin/env bash
# eng/prerequisites.sh: what ./build.sh test needs besides the .NET SDK, installed when it can be.
# The whole test suite runs TorchSharp (tests/GpuPool.TorchSharp.Tests, tests/GpuPool.Server.TorchScript.Tests);
# where this machine's libstdc++ lacks GLIBCXX_3.4.32 (Debian 12, Ubuntu 22.04), their builds patch the output's
# copy of TorchSharp's native library (eng/torchsharp/patch-output.sh), which needs g++, gcc and patchelf.
# Missing tools are installed with apt-get when this runs as root (apt-get update once, then apt-get install -y
# of only what is missing); otherwise the script names the command to run and exits 1.
# The cluster tests (tests/GpuPool.Cluster.Tests) start a real PostgreSQL 15 from Debian's postgresql package;
# as root it is installed here (apt-get install -y postgresql), otherwise those tests skip and say why.
# tests/GpuPool.Server.Tests (Kserve/NodeClientTests) runs a Node.js gRPC client: node and npm from Debian's
# nodejs and npm packages, installed here as root (otherwise that test skips and says why).
# Every apt-get waits up to 10 minutes for the dpkg lock (a freshly booted VM runs its own apt jobs first) and
# retries downloads; a failed install as root stops this script with the reason instead of leaving tests to fail.
set -euo pipefail

apt_get() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 "$@"; }
can_install() { [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; }
apt_updated=
# apt_install WHY PACKAGE...: apt-get update (once per run), then apt-get install -y of the packages; exits 1 when it fails.
apt_install() {
  local why="$1"
  shift
  echo "eng/prerequisites.sh: installing $*: $why" >&2
  if [ -z "$apt_updated" ]; then
    apt_get update -qq || { echo "eng/prerequisites.sh: apt-get update failed; $* not installed ($why)" >&2; exit 1; }
    apt_updated=1
  fi
  apt_get install -y -qq "$@" >/dev/null || { echo "eng/prerequisites.sh: apt-get install $* failed ($why)" >&2; exit 1; }
}

# tests/GpuPool.Dashboard.Tests drive Debian's chromium through Playwright (no browser download).
if [ ! -x /usr/lib/chromium/chromium ]; then
  if can_install; then
    apt_install "the dashboard's browser tests (tests/GpuPool.Dashboard.Tests) drive it" chromium
    [ -x /usr/lib/chromium/chromium ] || { echo "eng/prerequisites.sh: /usr/lib/chromium/chromium is still missing after apt-get install chromium" >&2; exit 1; }
  else
    echo "eng/prerequisites.sh: the dashboard's browser tests need chromium: sudo apt-get install -y chromium" >&2
  fi
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  if can_install; then
    apt_install "the Node.js client test (tests/GpuPool.Server.Tests, Kserve) runs them" --no-install-recommends nodejs npm
  else
    echo "eng/prerequisites.sh: node and npm are not installed; the Node.js client test will skip (sudo apt-get install -y nodejs npm)" >&2
  fi
fi

[ "$(uname -s)" = "Linux" ] && [ "$(uname -m)" = "x86_64" ] || exit 0

if [ ! -x /usr/lib/postgresql/15/bin/postgres ]; then
  if can_install; then
    apt_install "the cluster tests (tests/GpuPool.Cluster.Tests) start it" --no-install-recommends postgresql
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
if can_install; then
  # shellcheck disable=SC2086 # one word per package
  apt_install "$why" --no-install-recommends $needed
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
