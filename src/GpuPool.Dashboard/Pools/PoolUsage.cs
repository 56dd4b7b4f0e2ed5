using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Dashboard.Pools;

/// <summary>
/// What a pool's engines have measured (Admin.GetUsage), merged over its nodes: every node reports only its own
/// devices, the leases it serves and its own count of each tenant's runs and refusals.
/// </summary>
internal sealed record PoolUsage
{
    /// <summary>Nothing measured (a server without GetUsage, or a pool not read yet).</summary>
    public static PoolUsage None { get; } = new();

    /// <summary>Devices by <see cref="DeviceKey"/>.</summary>
    public IReadOnlyDictionary<string, V1.DeviceUsage> Devices { get; init; } = new Dictionary<string, V1.DeviceUsage>();

    /// <summary>Leases by id, from the node that serves each.</summary>
    public IReadOnlyDictionary<string, V1.LeaseUsage> Leases { get; init; } = new Dictionary<string, V1.LeaseUsage>();

    /// <summary>Tenants by name, summed over the nodes.</summary>
    public IReadOnlyDictionary<string, TenantTotals> Tenants { get; init; } = new Dictionary<string, TenantTotals>();

    /// <summary>Acquires waiting on the nodes that answered, summed; null where the pool does not report usage.</summary>
    public int? WaitingAcquires { get; init; }

    /// <summary>Nodes of the pool whose figures could not be read this time.</summary>
    public IReadOnlyList<string> MissingNodes { get; init; } = [];

    public static string DeviceKey(string node, string deviceId) => node + "/" + deviceId;

    /// <summary>One pool's figures from each node that answered.</summary>
    public static PoolUsage Merge(IReadOnlyList<V1.GetUsageResponse> reports, IReadOnlyList<string> missingNodes)
    {
        var devices = new Dictionary<string, V1.DeviceUsage>(StringComparer.Ordinal);
        var leases = new Dictionary<string, V1.LeaseUsage>(StringComparer.Ordinal);
        var tenants = new Dictionary<string, TenantTotals>(StringComparer.Ordinal);
        foreach (var report in reports)
        {
            foreach (var device in report.Devices)
            {
                devices[DeviceKey(device.Node, device.DeviceId)] = device;
            }

            foreach (var lease in report.Leases)
            {
                leases[lease.LeaseId] = lease;
            }

            foreach (var tenant in report.Tenants)
            {
                tenants[tenant.Name] = tenants.GetValueOrDefault(tenant.Name, TenantTotals.Zero).Add(tenant);
            }
        }

        return new PoolUsage { Devices = devices, Leases = leases, Tenants = tenants, MissingNodes = missingNodes, WaitingAcquires = reports.Sum(r => r.WaitingAcquires) };
    }
}
