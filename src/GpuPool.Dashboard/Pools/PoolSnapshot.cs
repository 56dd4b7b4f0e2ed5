using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Dashboard.Pools;

/// <summary>One pool as last read: its devices, leases and tenants, or why it could not be read.</summary>
internal sealed record PoolSnapshot
{
    public required string Name { get; init; }

    public required IReadOnlyList<string> Addresses { get; init; }

    public required PoolStatus Status { get; init; }

    /// <summary>Why the pool is down, in words for an operator (null when up).</summary>
    public string? Problem { get; init; }

    public required DateTimeOffset TakenAt { get; init; }

    public IReadOnlyList<V1.DeviceStatus> Devices { get; init; } = [];

    public IReadOnlyList<V1.Lease> Leases { get; init; } = [];

    public IReadOnlyList<V1.TenantStatus> Tenants { get; init; } = [];

    public int WaitingAcquires { get; init; }

    /// <summary>What the pool's engines measured (busy time, telemetry, runs, refusals).</summary>
    public PoolUsage Usage { get; init; } = PoolUsage.None;

    /// <summary>Each device's measured utilisation (0–1) over the busy window, by <see cref="PoolUsage.DeviceKey"/>.</summary>
    public IReadOnlyDictionary<string, double> Busy { get; init; } = new Dictionary<string, double>();

    public bool IsUp => Status == PoolStatus.Up;
}
