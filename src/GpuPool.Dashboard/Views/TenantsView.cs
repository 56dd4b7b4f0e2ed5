using GpuPool.Dashboard.Pools;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Dashboard.Views;

/// <summary>Every tenant of every pool that answered: usage against quota.</summary>
internal sealed record TenantsView(IReadOnlyList<TenantRow> Tenants, IReadOnlyList<PoolNotice> Notices)
{
    public static TenantsView From(IReadOnlyList<PoolSnapshot> snapshots) => new(
        [.. snapshots.Where(s => s.IsUp).SelectMany(s => s.Tenants.Select(t => Row(s.Name, t)))],
        PoolNotice.For(snapshots));

    private static TenantRow Row(string pool, V1.TenantStatus tenant) => new(
        pool,
        tenant.Name,
        tenant.Admin ? "Admin" : "Tenant",
        Of($"{tenant.Leases}", tenant.HasMaxLeases ? $"{tenant.MaxLeases}" : null),
        Of(Units.Bytes(tenant.MemoryBytes), tenant.HasMaxMemoryBytes ? Units.Bytes(tenant.MaxMemoryBytes) : null),
        Of(Units.Devices(tenant.ComputeMilli), tenant.HasMaxComputeMilli ? Units.Devices(tenant.MaxComputeMilli) : null));

    private static string Of(string used, string? quota) => quota is null ? $"{used} (no quota)" : $"{used} of {quota}";
}
