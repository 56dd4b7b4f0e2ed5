#!/usr/bin/env bash
# Huawei Ascend device check (issue #22), for the day a machine with Ascend NPUs is available: DCMI
# inventory, telemetry and health, and a lease on each NPU through the embedded pool.
#
#   tests/gpu/ascend.sh publish   here: builds artifacts/vendorcheck (see tests/gpu/vendor.sh)
#   tests/gpu/ascend.sh device    on the machine; then, from the repository root, through the device tool:
#     run(command="bash tests/gpu/ascend.sh device", carry=["artifacts/vendorcheck"], timeout_s=300)
# Compare the inventory line with npu-smi's output printed before it (chip name, HBM, logical ids).
set -euo pipefail
here="$(dirname "$0")"
case "${1:-}" in
  publish) exec bash "$here/vendor.sh" publish ;;
  device) shift; exec bash "$here/vendor.sh" device ascend "$@" ;;
  *) echo "usage: tests/gpu/ascend.sh publish | device [--library path/to/libdcmi.so]" >&2; exit 2 ;;
esac
