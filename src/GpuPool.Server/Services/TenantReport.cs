using GpuPool.Server.Leasing;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.Services;

/// <summary>Every configured tenant's quotas beside what its live leases hold now (Admin.ListTenants).</summary>
internal static class TenantReport
{
    public static V1.ListTenantsResponse Build(LeaseOperations operations)
    {
        var held = new Dictionary<string, V1.TenantStatus>(StringComparer.Ordinal);
        foreach (var (name, settings) in operations.Tenants)
        {
            var status = new V1.TenantStatus { Name = name, Admin = settings.Admin };
            if (settings.MaxMemoryBytes is { } memory)
            {
                status.MaxMemoryBytes = memory;
            }

            if (settings.MaxComputeMilli is { } compute)
            {
                status.MaxComputeMilli = compute;
            }

            if (settings.MaxLeases is { } leases)
            {
                status.MaxLeases = leases;
            }

            held[name] = status;
        }

        foreach (var lease in operations.List(null))
        {
            // An open server (no tenants configured) reports the tenants its leases name.
            if (!held.TryGetValue(lease.Tenant, out var status))
            {
                status = held[lease.Tenant] = new V1.TenantStatus { Name = lease.Tenant };
            }

            status.Leases++;
            // Summed as the quota checks sum them: per device of the allocation.
            var allocation = lease.Allocation;
            status.MemoryBytes += allocation.MemoryBytes * allocation.Devices.Count;
            status.ComputeMilli += (long)allocation.Milli * allocation.Devices.Count;
        }

        var response = new V1.ListTenantsResponse();
        foreach (var status in held.Values.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            response.Tenants.Add(status);
            response.WaitingAcquires += operations.Waiting(status.Name);
        }

        return response;
    }
}
