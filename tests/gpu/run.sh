#!/usr/bin/env bash
# GPU device check (issue #8): NVIDIA inventory through NVML, compute-share isolation of three leases
# running cuBLAS work through the pool's scheduler, and memory-quota refusal, on a real card.
#
#   tests/gpu/run.sh publish   here (no GPU needed): builds a trimmed, compressed, self-contained linux-x64
#                              single-file publish of tools/GpuPool.GpuCheck into artifacts/gpucheck
#                              (git-ignored) and checks that it fits in the 64 MiB a device call carries.
#   tests/gpu/run.sh device [check options]
#                              on the GPU machine (no .NET there): finds the CUDA 13 runtime / cuBLAS
#                              libraries under Python's site-packages/nvidia/*/lib, runs the check, prints
#                              the JSON lines and copies them to $OUT/gpu-check.jsonl.
#
# The device-tool call, from the repository root, after `tests/gpu/run.sh publish` here:
#   run(command="bash tests/gpu/run.sh device", carry=["artifacts/gpucheck"], timeout_s=420)
# The whole check takes about 1-2 minutes of device time (mostly the machine's start).
set -euo pipefail
cd "$(dirname "$0")/../.."
publish_dir=artifacts/gpucheck
limit_bytes=$((64 * 1024 * 1024))

publish() {
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
  rm -rf "$publish_dir"
  dotnet publish tools/GpuPool.GpuCheck/GpuPool.GpuCheck.csproj -c Release -r linux-x64 --self-contained \
    -p:DebugType=none \
    -o "$publish_dir"
  rm -f "$publish_dir"/*.pdb "$publish_dir"/*.dbg
  local size
  size=$(du -sb "$publish_dir" | cut -f1)
  ls -l "$publish_dir"
  echo "publish size: $size bytes ($publish_dir; limit $limit_bytes with the working tree)"
  if [ "$size" -ge "$limit_bytes" ]; then
    echo "the publish does not fit in 64 MiB" >&2
    exit 1
  fi
}

nvidia_lib_dirs() {
  # site-packages of every Python on the machine, then a search of the usual roots.
  {
    for python in python3 python; do
      command -v "$python" >/dev/null 2>&1 && "$python" - <<'PY' 2>/dev/null || true
import site, sys
paths = list(getattr(site, "getsitepackages", lambda: [])()) + [site.getusersitepackages()] + sys.path
print("\n".join(p for p in paths if p))
PY
    done
    find / -xdev -type d -name site-packages -not -path '/proc/*' 2>/dev/null || true
  } | sort -u | while read -r packages; do
    [ -d "$packages/nvidia" ] && find "$packages/nvidia" -mindepth 2 -maxdepth 2 -type d -name lib
  done | sort -u
}

device() {
  local dirs cublas exe="$publish_dir/GpuPool.GpuCheck"
  if [ ! -f "$exe" ]; then
    echo "$exe is missing: run 'tests/gpu/run.sh publish' here and carry artifacts/gpucheck" >&2
    exit 3
  fi

  chmod +x "$exe" 2>/dev/null || { cp "$exe" /tmp/GpuPool.GpuCheck && chmod +x /tmp/GpuPool.GpuCheck && exe=/tmp/GpuPool.GpuCheck; }
  dirs=$(nvidia_lib_dirs | paste -sd: -)
  echo "nvidia library folders: ${dirs:-none}" >&2
  export LD_LIBRARY_PATH="${dirs}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  cublas=$(for d in ${dirs//:/ }; do ls "$d"/libcublas.so.* 2>/dev/null; done | grep -v 'Lt' | sort -V | tail -n 1 || true)
  echo "cuBLAS: ${cublas:-not found}" >&2
  command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi --query-gpu=name,memory.total,memory.used,utilization.gpu --format=csv >&2 || true
  export DOTNET_gcServer=0 DOTNET_TieredPGO=0
  local out="${OUT:-/tmp}/gpu-check.jsonl" status=0
  "$exe" ${cublas:+--cublas "$cublas"} "$@" | tee "$out" || status=$?
  echo "gpu check exit code: $status (0 all targets met, 1 a target missed, 2 no NVIDIA device)" >&2
  return "$status"
}

case "${1:-}" in
  publish) publish ;;
  device) shift; device "$@" ;;
  *) echo "usage: tests/gpu/run.sh publish | device [check options]" >&2; exit 2 ;;
esac
