using GpuPool.Cluster.Leasing;
using GpuPool.Cluster.Store;
using GpuPool.Protocol.Conversion;
using GpuPool.Runtime.Devices;
using GpuPool.Runtime.Devices.Nvidia;
using GpuPool.Runtime.Diagnostics;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Models;
using GpuPool.Runtime.Scheduling;
using GpuPool.Server.Leasing;
using Microsoft.Extensions.DependencyInjection;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.Services;

/// <summary>
/// What this server's engine has measured (Admin.GetUsage): busy time and vendor telemetry of its devices, runs,
/// compute-seconds and models of the leases it serves, runs and refusals per tenant; in a pool, where every
/// node is reached, so that an operator's tool can ask each node for its own figures.
/// </summary>
internal static class UsageReport
{
    public static async Task<V1.GetUsageResponse> BuildAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var inventory = services.GetRequiredService<DeviceInventory>();
        var ledger = services.GetRequiredService<RuntimeMetrics>().Usage;
        var table = services.GetRequiredService<LeaseTable>();
        var response = new V1.GetUsageResponse
        {
            Node = inventory.Node,
            TakenAtUnixMs = WireFormat.ToUnixMs(table.TimeProvider.GetUtcNow()),
        };
        var operations = services.GetRequiredService<LeaseOperations>();
        response.WaitingAcquires = operations.Tenants.Sum(t => operations.Waiting(t.Key));
        AddDevices(response, inventory, ledger, services.GetService<FairDeviceScheduler>(), services.GetService<NvidiaTelemetryService>());
        var host = services.GetRequiredService<ModelHost>();
        foreach (var lease in table.List())
        {
            var runs = ledger.Lease(lease.Id);
            var usage = new V1.LeaseUsage { LeaseId = lease.Id, Runs = runs.Runs, ComputeSeconds = runs.Time.TotalSeconds, MemoryUsedBytes = lease.MemoryUsedBytes };
            usage.Models.AddRange(host.ModelsOf(lease.Id).Where(m => !m.IsUnloaded).Select(m => m.Name));
            response.Leases.Add(usage);
        }

        foreach (var (name, tenant) in ledger.Tenants().OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            var usage = new V1.TenantUsage { Name = name, Runs = tenant.Runs.Runs, ComputeSeconds = tenant.Runs.Time.TotalSeconds };
            foreach (var (reason, count) in tenant.Rejections)
            {
                usage.Rejections[reason] = count;
            }

            response.Tenants.Add(usage);
        }

        if (services.GetService<ClusterLeases>() is not null)
        {
            await AddNodesAsync(response, services.GetRequiredService<ClusterLeaseStore>(), cancellationToken).ConfigureAwait(false);
        }

        return response;
    }

    private static void AddDevices(V1.GetUsageResponse response, DeviceInventory inventory, UsageLedger ledger, FairDeviceScheduler? scheduler, NvidiaTelemetryService? nvidia)
    {
        foreach (var device in inventory.Devices)
        {
            var runs = ledger.Device(device.Id);
            var usage = new V1.DeviceUsage
            {
                Node = inventory.Node,
                DeviceId = device.Id,
                BusySeconds = runs.Time.TotalSeconds,
                Runs = runs.Runs,
                RunSlots = scheduler?.SlotsOf(device) ?? 1,
            };
            if (nvidia?.Latest.GetValueOrDefault(device.Id) is { } sample)
            {
                if (sample.GpuUtilizationPercent is { } percent)
                {
                    usage.VendorUtilizationPercent = percent;
                }

                if (sample.TemperatureCelsius is { } celsius)
                {
                    usage.TemperatureCelsius = celsius;
                }

                if (sample.PowerWatts is { } watts)
                {
                    usage.PowerWatts = watts;
                }
            }

            response.Devices.Add(usage);
        }
    }

    private static async Task AddNodesAsync(V1.GetUsageResponse response, ClusterLeaseStore store, CancellationToken cancellationToken)
    {
        try
        {
            var devices = await store.ReadPoolAsync(cancellationToken).ConfigureAwait(false);
            response.Nodes.AddRange(devices
                .GroupBy(d => d.NodeId, StringComparer.Ordinal)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new V1.PoolNode { Node = g.Key, Address = g.First().NodeAddress }));
        }
        catch (Exception ex) when (DatabaseFailures.IsUnreachable(ex))
        {
            // The database is out of reach: this node's own figures are still true; the other nodes go unlisted.
        }
    }
}
