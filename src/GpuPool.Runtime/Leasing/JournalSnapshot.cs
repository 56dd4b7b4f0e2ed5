namespace GpuPool.Runtime.Leasing;

/// <summary>What a journal holds at start-up: the live leases and the highest fencing token ever issued.</summary>
/// <param name="Leases">The leases recorded as live.</param>
/// <param name="HighestFencingToken">The highest fencing token ever granted (including leases that have ended).</param>
public sealed record JournalSnapshot(IReadOnlyList<JournaledLease> Leases, long HighestFencingToken)
{
    /// <summary>An empty journal.</summary>
    public static JournalSnapshot Empty { get; } = new([], 0);
}
