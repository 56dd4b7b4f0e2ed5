using System.Diagnostics;
using GpuPool.Diagnostics;

namespace GpuPool.Server.Diagnostics;

/// <summary>The server's one <see cref="ActivitySource"/> (<c>GpuPool.Server</c>): a span per gRPC call, child of the caller's W3C context.</summary>
internal static class ServerActivity
{
    /// <summary>The source; spans cost nothing while no listener samples them.</summary>
    public static ActivitySource Source { get; } = new(GpuPoolInstruments.ServerMeter);
}
