using GpuPool.Dashboard.Pools;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Dashboard.Views;

/// <summary>Every tenant of every pool that answered: usage against quota.</summary>
internal sealed record TenantsView(IReadOnlyList<TenantRow> Tenants, IReadOnlyList<PoolNotice> Notices)
{
    public static TenantsView From(IReadOnlyList<PoolSnapshot> snapshots) => new(
        [.. snapshots.Where(s => s.IsUp).SelectMany(s => s.Tenants.Select(t => Row(s.Name, t, Totals(s.Usage, t.Name))))],
        PoolNotice.For(snapshots));

    private static TenantRow Row(string pool, V1.TenantStatus tenant, TenantTotals? usage) => new(
        pool,
        tenant.Name,
        tenant.Admin ? "Admin" : "Tenant",
        Of($"{tenant.Leases}", tenant.HasMaxLeases ? $"{tenant.MaxLeases}" : null),
        Of(Units.Bytes(tenant.MemoryBytes), tenant.HasMaxMemoryBytes ? Units.Bytes(tenant.MaxMemoryBytes) : null),
        Of(Units.Devices(tenant.ComputeMilli), tenant.HasMaxComputeMilli ? Units.Devices(tenant.MaxComputeMilli) : null),
        UsageText.TenantRuns(usage),
        UsageText.Refusals(usage));

    /// <summary>A tenant's measured figures; null where the pool does not report any (an older server).</summary>
    private static TenantTotals? Totals(PoolUsage usage, string tenant) =>
        ReferenceEquals(usage, PoolUsage.None) ? null : usage.Tenants.GetValueOrDefault(tenant, TenantTotals.Zero);

    private static string Of(string used, string? quota) => quota is null ? $"{used} (no quota)" : $"{used} of {quota}";
}
