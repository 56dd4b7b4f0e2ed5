#!/usr/bin/env bash
# Shared by tests/gpu/amd.sh and tests/gpu/ascend.sh: publishes and runs the vendor device check
# (tests/gpu/vendor-check) for AMD / Hygon (ROCm SMI) or Huawei Ascend (DCMI) machines.
#
#   tests/gpu/vendor.sh publish              here (no accelerator needed): a trimmed, compressed,
#                                            self-contained linux-x64 single file in artifacts/vendorcheck
#                                            (git-ignored), checked to fit in the 64 MiB a device call carries.
#   tests/gpu/vendor.sh device VENDOR [opts] on the machine (no .NET there): prints the vendor tool's own view
#                                            for comparison, runs the check, and copies its JSON lines to
#                                            $OUT/vendor-check-VENDOR.jsonl. Exit code 0: every device found and
#                                            leased; 1: a step failed; 2: no device of that vendor.
set -euo pipefail
cd "$(dirname "$0")/../.."
publish_dir=artifacts/vendorcheck
limit_bytes=$((64 * 1024 * 1024))

publish() {
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
  rm -rf "$publish_dir"
  dotnet publish tests/gpu/vendor-check/GpuPool.VendorCheck.csproj -c Release -r linux-x64 --self-contained \
    -p:DebugType=none -o "$publish_dir"
  rm -f "$publish_dir"/*.pdb "$publish_dir"/*.dbg
  local size
  size=$(du -sb "$publish_dir" | cut -f1)
  ls -l "$publish_dir"
  echo "publish size: $size bytes ($publish_dir; limit $limit_bytes with the working tree)"
  [ "$size" -lt "$limit_bytes" ] || { echo "the publish does not fit in 64 MiB" >&2; exit 1; }
}

device() {
  local vendor="$1" exe="$publish_dir/GpuPool.VendorCheck"
  shift
  if [ ! -f "$exe" ]; then
    echo "$exe is missing: run 'tests/gpu/$vendor.sh publish' here and carry artifacts/vendorcheck" >&2
    exit 3
  fi

  chmod +x "$exe" 2>/dev/null || { cp "$exe" /tmp/GpuPool.VendorCheck && chmod +x /tmp/GpuPool.VendorCheck && exe=/tmp/GpuPool.VendorCheck; }
  case "$vendor" in
    amd)
      # ROCm and Hygon's DTK put librocm_smi64.so here; the check also tries these folders itself.
      export LD_LIBRARY_PATH="/opt/rocm/lib:/opt/dtk/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
      for tool in rocm-smi hy-smi; do
        command -v "$tool" >/dev/null 2>&1 && "$tool" --showproductname --showmeminfo vram --showuniqueid --showuse >&2 || true
      done ;;
    ascend)
      export LD_LIBRARY_PATH="/usr/local/Ascend/driver/lib64/driver:/usr/local/Ascend/driver/lib64/common${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
      command -v npu-smi >/dev/null 2>&1 && npu-smi info >&2 || true ;;
  esac
  export DOTNET_gcServer=0
  local out="${OUT:-/tmp}/vendor-check-$vendor.jsonl" status=0
  "$exe" --vendor "$vendor" "$@" | tee "$out" || status=$?
  echo "vendor check exit code: $status (0 all devices found and leased, 1 a step failed, 2 no $vendor device)" >&2
  return "$status"
}

case "${1:-}" in
  publish) publish ;;
  device) shift; device "$@" ;;
  *) echo "usage: tests/gpu/vendor.sh publish | device amd|ascend [--library path]" >&2; exit 2 ;;
esac
