#!/usr/bin/env bash
# patch-output.sh DIR: makes the copies of TorchSharp's native library under DIR (a build or publish
# output folder) load on Linux distributions whose libstdc++ predates GCC 13 (Debian 12, Ubuntu 22.04).
# libLibTorchSharp.so (TorchSharp 0.107) requires GLIBCXX_3.4.32 for one function,
# std::ios_base_library_init(). For each copy that is not patched yet, this script
#   1. builds artifacts/native/linux-x64/libgpupool-glibcxx-shim.so (once), which defines that function;
#   2. marks the copy's GLIBCXX_3.4.32 requirement weak (weaken-version) and adds the shim as a needed
#      library (patchelf --add-needed), then puts the shim next to it, where the loader finds it ($ORIGIN).
# Only files under DIR change; the NuGet cache is never written. Run by eng/torchsharp/TorchSharpNatives.targets
# after every build and publish of a project that imports it. Idempotent; does nothing where the system
# libstdc++ already has GLIBCXX_3.4.32 or off linux-x64.
# Exit 0 when every copy loads (patched or not needed); 2 when g++, gcc or patchelf is missing (the build goes
# on; the program then says what to install when it starts); 1 on any other error.
set -euo pipefail
dir="${1:?usage: patch-output.sh DIR}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
shim_name="libgpupool-glibcxx-shim.so"

[ "$(uname -s)" = "Linux" ] && [ "$(uname -m)" = "x86_64" ] || exit 0
[ -d "$dir" ] || exit 0

libstdcxx="$( (/sbin/ldconfig -p 2>/dev/null || true) | awk '/libstdc\+\+\.so\.6 .*x86-64/ { path = $NF } END { print path }')"
libstdcxx="${libstdcxx:-/usr/lib/x86_64-linux-gnu/libstdc++.so.6}"
if [ -e "$libstdcxx" ] && grep -aq 'GLIBCXX_3\.4\.32' "$libstdcxx"; then
  exit 0
fi

mapfile -t natives < <(find "$dir" -name libLibTorchSharp.so -type f 2>/dev/null)
pending=()
for native in "${natives[@]}"; do
  # A copy of an already patched file (or one patched by an earlier build) needs the shim already.
  if ! LC_ALL=C readelf -d "$native" 2>/dev/null | grep -qF "[$shim_name]"; then
    pending+=("$native")
  elif [ ! -e "$(dirname "$native")/$shim_name" ]; then
    pending+=("$native")
  fi
done
[ ${#pending[@]} -gt 0 ] || exit 0

missing=()
for tool in g++ gcc patchelf readelf; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "GpuPool: TorchSharp's native library in $dir is not patched for this libstdc++ (it lacks GLIBCXX_3.4.32): ${missing[*]} missing. Install g++ and patchelf (sudo apt-get install -y g++ patchelf) and build again; see docs/torchsharp.md." >&2
  exit 2
fi

out="$root/artifacts/native/linux-x64"
tools="$root/artifacts/obj/torchsharp-natives"
mkdir -p "$out" "$tools"
# Projects build in parallel: one of them builds the tools at a time.
exec 9>"$tools/.lock"
flock 9
src="$root/eng/torchsharp"
if [ ! -e "$out/$shim_name" ] || [ "$src/glibcxx-shim.cpp" -nt "$out/$shim_name" ] || [ "$src/glibcxx-shim.map" -nt "$out/$shim_name" ]; then
  g++ -shared -fPIC -O2 -o "$out/$shim_name.tmp" "$src/glibcxx-shim.cpp" -Wl,--version-script="$src/glibcxx-shim.map"
  mv "$out/$shim_name.tmp" "$out/$shim_name"
fi
if [ ! -e "$tools/weaken-version" ] || [ "$src/weaken-version.c" -nt "$tools/weaken-version" ]; then
  gcc -O2 -o "$tools/weaken-version.tmp" "$src/weaken-version.c"
  mv "$tools/weaken-version.tmp" "$tools/weaken-version"
fi
flock -u 9

for native in "${pending[@]}"; do
  # Patch a private copy and move it into place: the output file may be a hard link into the NuGet cache,
  # and an interrupted build must never leave a half-patched library.
  target_dir="$(dirname "$native")"
  if ! LC_ALL=C readelf -d "$native" | grep -qF "[$shim_name]"; then
    cp "$native" "$native.patching"
    set +e
    "$tools/weaken-version" "$native.patching" GLIBCXX_3.4.32
    status=$?
    set -e
    if [ $status -ne 0 ] && [ $status -ne 3 ]; then
      rm -f "$native.patching"
      exit 1
    fi
    patchelf --add-needed "$shim_name" "$native.patching"
    mv -f "$native.patching" "$native"
  fi
  cp "$out/$shim_name" "$target_dir/$shim_name.tmp"
  mv -f "$target_dir/$shim_name.tmp" "$target_dir/$shim_name"
done
echo "GpuPool: patched TorchSharp's native library in $dir for this libstdc++ (GLIBCXX_3.4.32 shim)"
