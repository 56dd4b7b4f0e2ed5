#!/usr/bin/env bash
# The one entry point: ./build.sh [build|test|pack|bench <subcommand> ...]
#   build  builds the solution (samples and benchmarks included) in Release
#   test   builds and runs every test project
#   pack   packs every package into nuget/packages/
#   bench  runs a benchmark subcommand, e.g. ./build.sh bench embedded-lease
set -euo pipefail
cd "$(dirname "$0")"
command="${1:-build}"
shift || true
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

case "$command" in
  build)
    # Needs nothing but the SDK: where TorchSharp's natives need the GLIBCXX shim and g++/patchelf are missing,
    # the TorchSharp projects build anyway and say what to install (eng/torchsharp/patch-output.sh).
    dotnet build GpuPool.sln -c Release "$@"
    ;;
  test)
    # The suite runs TorchSharp: install (as root) or name what its native library's patch needs.
    bash eng/prerequisites.sh
    dotnet build GpuPool.sln -c Release
    dotnet test GpuPool.sln -c Release --no-build --logger "console;verbosity=normal" "$@"
    ;;
  pack)
    rm -rf nuget/packages
    dotnet pack GpuPool.sln -c Release -p:ContinuousIntegrationBuild=true -o nuget/packages "$@"
    ls -1 nuget/packages
    ;;
  bench)
    dotnet run -c Release --project bench/GpuPool.Benchmarks -- "$@"
    ;;
  *)
    echo "usage: ./build.sh [build|test|pack|bench <subcommand>]" >&2
    exit 2
    ;;
esac
