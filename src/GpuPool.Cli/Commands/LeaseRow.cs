using GpuPool.Protocol.Conversion;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Cli.Commands;

/// <summary>One lease as <c>leases</c> shows it (and writes it in JSON).</summary>
internal sealed record LeaseRow(
    string Id,
    string Tenant,
    IReadOnlyList<string> Devices,
    long MemoryBytes,
    long MemoryUsedBytes,
    int ComputeMilli,
    string Priority,
    string Isolation,
    DateTimeOffset GrantedAt,
    DateTimeOffset ExpiresAt)
{
    public static LeaseRow From(V1.Lease wire)
    {
        var lease = WireFormat.FromWire(wire);
        return new LeaseRow(
            lease.Id,
            lease.Tenant,
            lease.Devices.Select(d => $"{d.Node}/{d.Id}").ToList(),
            lease.MemoryBytes,
            lease.MemoryUsedBytes,
            lease.ComputeMilli,
            lease.Priority.ToString(),
            lease.Isolation.ToString(),
            lease.GrantedAt,
            lease.ExpiresAt);
    }
}
