#!/usr/bin/env bash
# Makes TorchSharp's native library load on Linux distributions whose libstdc++ is older than GCC 13
# (Debian 12, Ubuntu 22.04): libLibTorchSharp.so (TorchSharp 0.107) requires GLIBCXX_3.4.32 for one
# function, std::ios_base_library_init(). This script
#   1. restores the projects that use TorchSharp, so the package is in the NuGet cache;
#   2. builds artifacts/native/linux-x64/libgpupool-glibcxx-shim.so, which defines that function;
#   3. patches the cached libLibTorchSharp.so: marks its GLIBCXX_3.4.32 requirement weak and adds the
#      shim as a needed library (patchelf --add-needed), so the loader resolves the function there.
# GpuPool.TorchSharp copies the shim next to the native libraries in every output directory.
# Idempotent; does nothing where the system libstdc++ already has GLIBCXX_3.4.32 or off linux-x64.
# Needs g++ (and gcc) and patchelf: apt-get install g++ patchelf.
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(uname -s)" = "Linux" ] && [ "$(uname -m)" = "x86_64" ] || exit 0

libstdcxx="$( (/sbin/ldconfig -p 2>/dev/null || true) | awk '/libstdc\+\+\.so\.6 .*x86-64/ { path = $NF } END { print path }')"
libstdcxx="${libstdcxx:-/usr/lib/x86_64-linux-gnu/libstdc++.so.6}"
if [ -e "$libstdcxx" ] && grep -aq 'GLIBCXX_3\.4\.32' "$libstdcxx"; then
  exit 0
fi

for tool in g++ gcc patchelf; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "eng/prepare-torchsharp.sh: '$tool' is missing; TorchSharp needs a patch on this distribution (libstdc++ lacks GLIBCXX_3.4.32). Install it: sudo apt-get install g++ patchelf" >&2
    exit 1
  fi
done

version="$(sed -n 's/.*PackageVersion Include="TorchSharp" Version="\([^"]*\)".*/\1/p' Directory.Packages.props)"
packages="${NUGET_PACKAGES:-}"
if [ -z "$packages" ]; then
  packages="$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: *//p')"
fi
packages="${packages%/}"
native="$packages/torchsharp/$version/runtimes/linux-x64/native/libLibTorchSharp.so"
shim_name="libgpupool-glibcxx-shim.so"
out="artifacts/native/linux-x64"
tools="artifacts/obj/prepare-torchsharp"

if [ ! -e "$native" ]; then
  for project in tests/GpuPool.TorchSharp.Tests samples/TorchSharpLocal; do
    [ -d "$project" ] && dotnet restore "$project" --verbosity quiet
  done
fi
if [ ! -e "$native" ]; then
  echo "eng/prepare-torchsharp.sh: $native not found after restore" >&2
  exit 1
fi

mkdir -p "$out" "$tools"
if [ ! -e "$out/$shim_name" ] || [ eng/torchsharp/glibcxx-shim.cpp -nt "$out/$shim_name" ] || [ eng/torchsharp/glibcxx-shim.map -nt "$out/$shim_name" ]; then
  g++ -shared -fPIC -O2 -o "$out/$shim_name" eng/torchsharp/glibcxx-shim.cpp -Wl,--version-script=eng/torchsharp/glibcxx-shim.map
fi

if readelf -d "$native" | grep -F "[$shim_name]" >/dev/null; then
  exit 0
fi

if [ ! -e "$tools/weaken-version" ] || [ eng/torchsharp/weaken-version.c -nt "$tools/weaken-version" ]; then
  gcc -O2 -o "$tools/weaken-version" eng/torchsharp/weaken-version.c
fi
# Patch a copy and move it into place, so that an interrupted run never leaves a half-patched library.
cp "$native" "$native.patching"
"$tools/weaken-version" "$native.patching" GLIBCXX_3.4.32
patchelf --add-needed "$shim_name" "$native.patching"
mv "$native.patching" "$native"
echo "eng/prepare-torchsharp.sh: patched $native (GLIBCXX_3.4.32 shim)"
