using GpuPool.Dashboard.Pools;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Dashboard.Views;

/// <summary>The leases of the pools that answered, filtered by pool and tenant, newest first.</summary>
internal sealed record LeasesView(IReadOnlyList<LeaseRow> Leases, IReadOnlyList<PoolNotice> Notices, IReadOnlyList<string> PoolNames, IReadOnlyList<string> TenantNames)
{
    public static LeasesView From(IReadOnlyList<PoolSnapshot> snapshots, LeaseFilter filter, DateTimeOffset now)
    {
        var rows = snapshots
            .Where(s => s.IsUp)
            .SelectMany(s => s.Leases.Where(l => filter.Matches(s.Name, l.Tenant)).Select(l => (Pool: s.Name, Lease: l)))
            .OrderByDescending(x => x.Lease.GrantedAtUnixMs)
            .Select(x => Row(x.Pool, x.Lease, now))
            .ToList();
        var tenants = snapshots.SelectMany(s => s.Leases.Select(l => l.Tenant).Concat(s.Tenants.Select(t => t.Name))).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return new LeasesView(rows, PoolNotice.For(snapshots), [.. snapshots.Select(s => s.Name)], tenants);
    }

    private static LeaseRow Row(string pool, V1.Lease lease, DateTimeOffset now) => new()
    {
        Pool = pool,
        Id = lease.Id,
        Tenant = lease.Tenant,
        Node = string.Join(", ", lease.Devices.Select(d => d.Node).Distinct(StringComparer.Ordinal)),
        Device = string.Join(", ", lease.Devices.Select(d => d.Id)),
        Memory = Units.Bytes(lease.MemoryBytes),
        MemoryUsed = Units.Bytes(lease.MemoryUsedBytes),
        Share = Units.Devices(lease.ComputeMilli),
        Priority = lease.Priority.ToString().Replace("LeasePriority", "", StringComparison.Ordinal),
        Isolation = lease.Isolation.ToString().Replace("LeaseIsolation", "", StringComparison.Ordinal),
        Age = Units.Span(now - Units.FromUnixMs(lease.GrantedAtUnixMs)),
        ExpiresIn = Units.Span(Units.FromUnixMs(lease.ExpiresAtUnixMs) - now),
        RevokeUrl = ConfirmUrl.Lease(pool, lease.Id),
    };
}
