using GpuPool.Runtime.Leasing;
using Microsoft.Extensions.Options;

namespace GpuPool.Server.Leasing;

/// <summary>Per-tenant quotas from <see cref="TenantOptions"/>: total memory, total compute share and number of leases.</summary>
internal sealed class ConfiguredTenantQuotaPolicy(IOptions<GpuPoolServerOptions> options) : ITenantQuotaPolicy
{
    private readonly IDictionary<string, TenantOptions> _tenants = options.Value.Tenants;

    public string? Check(string tenant, SliceRequest request, long memoryBytes, long computeMilli, TenantUsage usage)
    {
        if (!_tenants.TryGetValue(tenant, out var quota))
        {
            return null;
        }

        if (quota.MaxLeases is { } maxLeases && usage.Leases + 1 > maxLeases)
        {
            return $"Tenant '{tenant}' holds {usage.Leases} lease(s); its quota is {maxLeases}.";
        }

        if (quota.MaxMemoryBytes is { } maxMemory && usage.MemoryBytes + memoryBytes > maxMemory)
        {
            return $"Tenant '{tenant}' holds {ByteSize.Format(usage.MemoryBytes)}; {ByteSize.Format(memoryBytes)} more would pass its memory quota of {ByteSize.Format(maxMemory)}.";
        }

        if (quota.MaxComputeMilli is { } maxMilli && usage.ComputeMilli + computeMilli > maxMilli)
        {
            return $"Tenant '{tenant}' holds {usage.ComputeMilli} milli; {computeMilli} more would pass its compute quota of {maxMilli} milli.";
        }

        return null;
    }
}
