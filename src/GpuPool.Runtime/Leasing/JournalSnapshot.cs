namespace GpuPool.Runtime.Leasing;

/// <summary>What a journal holds at start-up: the live leases, the highest fencing token ever issued, and the devices set draining.</summary>
/// <param name="Leases">The leases recorded as live.</param>
/// <param name="HighestFencingToken">The highest fencing token ever granted (including leases that have ended).</param>
internal sealed record JournalSnapshot(IReadOnlyList<JournaledLease> Leases, long HighestFencingToken)
{
    /// <summary>An empty journal.</summary>
    public static JournalSnapshot Empty { get; } = new([], 0);

    /// <summary>Devices set draining (no new leases) when the pool stopped.</summary>
    public IReadOnlyList<DrainedDevice> DrainedDevices { get; init; } = [];
}
