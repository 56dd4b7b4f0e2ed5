namespace GpuPool;

/// <summary>A snapshot of a pool: its devices and how much of each is leased.</summary>
public sealed record PoolInventory
{
    /// <summary>Every device with its allocation.</summary>
    public required IReadOnlyList<DeviceStatus> Devices { get; init; }

    /// <summary>When the snapshot was taken.</summary>
    public DateTimeOffset TakenAt { get; init; }
}
