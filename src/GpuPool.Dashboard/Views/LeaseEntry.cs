using GpuPool.Dashboard.Pools;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Dashboard.Views;

/// <summary>One lease of a <see cref="LeaseCatalog"/>: where it is, and its row's text once a page has shown it.</summary>
internal sealed class LeaseEntry(string pool, V1.Lease lease, V1.LeaseUsage? usage)
{
    private LeaseRow? _row;

    public string Pool { get; } = pool;

    public V1.Lease Lease { get; } = lease;

    /// <summary>
    /// The row with every figure that does not move with the clock (age and expiry are left empty): built the first
    /// time a page shows the lease, then reused until the next read of the pool replaces the catalog.
    /// </summary>
    public LeaseRow FixedRow => Volatile.Read(ref _row) ?? Build();

    private LeaseRow Build()
    {
        // Two pages asking at once may both build it: the same text, one is kept.
        var row = new LeaseRow
        {
            Pool = Pool,
            Id = Lease.Id,
            Tenant = Lease.Tenant,
            Node = Nodes(Lease),
            Device = Lease.Devices.Count == 1 ? Lease.Devices[0].Id : string.Join(", ", Lease.Devices.Select(d => d.Id)),
            Memory = Units.Bytes(Lease.MemoryBytes),
            // The serving node's figure: in a pool, the node that lists a lease served elsewhere cannot know it.
            MemoryUsed = Units.Bytes(usage?.MemoryUsedBytes ?? Lease.MemoryUsedBytes),
            Share = Units.Devices(Lease.ComputeMilli),
            Priority = Lease.Priority.ToString().Replace("LeasePriority", "", StringComparison.Ordinal),
            Isolation = Lease.Isolation.ToString().Replace("LeaseIsolation", "", StringComparison.Ordinal),
            Age = "",
            ExpiresIn = "",
            Models = UsageText.Models(usage),
            Runs = UsageText.LeaseRuns(usage),
            ComputeSeconds = UsageText.ComputeSeconds(usage),
            RevokeUrl = ConfirmUrl.Lease(Pool, Lease.Id),
        };
        Volatile.Write(ref _row, row);
        return row;
    }

    private static string Nodes(V1.Lease lease) => lease.Devices.Count == 1
        ? lease.Devices[0].Node
        : string.Join(", ", lease.Devices.Select(d => d.Node).Distinct(StringComparer.Ordinal));
}
