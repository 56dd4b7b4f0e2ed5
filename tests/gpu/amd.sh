#!/usr/bin/env bash
# AMD / Hygon device check (issue #22), for the day a machine with an AMD Instinct GPU or a Hygon DCU is
# available: ROCm SMI inventory, telemetry and a lease on each device through the embedded pool.
#
#   tests/gpu/amd.sh publish   here: builds artifacts/vendorcheck (see tests/gpu/vendor.sh)
#   tests/gpu/amd.sh device    on the machine; then, from the repository root, through the device tool:
#     run(command="bash tests/gpu/amd.sh device", carry=["artifacts/vendorcheck"], timeout_s=300)
# Compare the inventory line with rocm-smi's output printed before it (name, VRAM, unique id).
set -euo pipefail
here="$(dirname "$0")"
case "${1:-}" in
  publish) exec bash "$here/vendor.sh" publish ;;
  device) shift; exec bash "$here/vendor.sh" device amd "$@" ;;
  *) echo "usage: tests/gpu/amd.sh publish | device [--library path/to/librocm_smi64.so]" >&2; exit 2 ;;
esac
