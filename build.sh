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

prepare() {
  # Native prerequisites that a clean machine lacks (see eng/).
  for script in eng/prepare-*.sh; do
    [ -e "$script" ] && bash "$script"
  done
  return 0
}

case "$command" in
  build)
    prepare
    dotnet build GpuPool.sln -c Release "$@"
    ;;
  test)
    prepare
    dotnet build GpuPool.sln -c Release
    dotnet test GpuPool.sln -c Release --no-build --logger "console;verbosity=normal" "$@"
    ;;
  pack)
    rm -rf nuget/packages
    dotnet pack GpuPool.sln -c Release -p:ContinuousIntegrationBuild=true -o nuget/packages "$@"
    ls -1 nuget/packages
    ;;
  bench)
    prepare
    dotnet run -c Release --project bench/GpuPool.Benchmarks -- "$@"
    ;;
  *)
    echo "usage: ./build.sh [build|test|pack|bench <subcommand>]" >&2
    exit 2
    ;;
esac
