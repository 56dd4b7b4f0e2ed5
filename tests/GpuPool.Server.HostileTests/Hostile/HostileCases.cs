using GpuPool.Server.HostileTests.Infrastructure;
using Grpc.Core;

namespace GpuPool.Server.HostileTests.Hostile;

/// <summary>The catalogue of hostile requests, grouped by concern in the partial files.</summary>
internal static partial class HostileCases
{
    public static IReadOnlyList<HostileCase> All { get; } =
        [.. Auth(), .. Acquire(), .. LeaseIds(), .. Wire(), .. Uploads(), .. Tensors(), .. Limits()];

    public static HostileCase Find(string name) => All.Single(c => c.Name == name);

    private static HostileCase Case(string name, StatusCode expected, Func<HostileContext, Task<StatusCode>> send) => new(name, expected, send);
}
