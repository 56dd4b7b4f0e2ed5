using System.Diagnostics;
using GpuPool.Diagnostics;

namespace GpuPool.Runtime.Diagnostics;

/// <summary>The engine's one <see cref="ActivitySource"/> (<c>GpuPool.Runtime</c>): placement, journal, run queue wait and execution.</summary>
internal static class RuntimeActivity
{
    /// <summary>The source; spans cost nothing while no listener samples them.</summary>
    public static ActivitySource Source { get; } = new(GpuPoolInstruments.RuntimeMeter);
}
