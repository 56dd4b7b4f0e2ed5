namespace GpuPool.Runtime.Diagnostics;

/// <summary>Runs counted by the <see cref="UsageLedger"/> and their measured execution time.</summary>
/// <param name="Runs">Finished runs.</param>
/// <param name="Time">Their measured execution time (compute-seconds; for a device, its busy time).</param>
internal sealed record RunUsage(long Runs, TimeSpan Time)
{
    /// <summary>Nothing run yet.</summary>
    public static RunUsage None { get; } = new(0, TimeSpan.Zero);
}
