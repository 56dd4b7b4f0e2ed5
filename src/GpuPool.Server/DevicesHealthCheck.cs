using GpuPool.Server.Leasing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GpuPool.Server;

/// <summary>Ready when the lease table is up and has at least one device to lease.</summary>
internal sealed class DevicesHealthCheck(LeaseOperations leases) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var devices = leases.GetInventory().Devices;
        return Task.FromResult(devices.Count == 0
            ? HealthCheckResult.Unhealthy("No devices to lease: enable the CPU or configure devices under GpuPool:Runtime.")
            : HealthCheckResult.Healthy($"{devices.Count} device(s), {devices.Count(d => !d.Draining)} taking leases."));
    }
}
