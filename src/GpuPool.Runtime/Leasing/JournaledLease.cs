namespace GpuPool.Runtime.Leasing;

/// <summary>A live lease as the journal recorded it: enough to put it back on exactly the same devices after a restart.</summary>
internal sealed record JournaledLease
{
    /// <summary>The lease id.</summary>
    public required string Id { get; init; }

    /// <summary>The tenant that holds it.</summary>
    public required string Tenant { get; init; }

    /// <summary>The request it was granted for (its <see cref="SliceRequest.ClientRequestId"/> keeps retries idempotent).</summary>
    public required SliceRequest Request { get; init; }

    /// <summary>The fencing token of the grant.</summary>
    public required long FencingToken { get; init; }

    /// <summary>The node the slice is on.</summary>
    public required string Node { get; init; }

    /// <summary>The device ids of the slice, in allocation order.</summary>
    public required IReadOnlyList<string> DeviceIds { get; init; }

    /// <summary>Memory taken on each device, in bytes.</summary>
    public required long MemoryBytes { get; init; }

    /// <summary>Compute taken on each device, in milli-units.</summary>
    public required int Milli { get; init; }

    /// <summary>Node CPU taken, in milli-cores.</summary>
    public int CpuMilli { get; init; }

    /// <summary>Node host memory taken, in bytes.</summary>
    public long HostMemoryBytes { get; init; }

    /// <summary>When it was granted.</summary>
    public required DateTimeOffset GrantedAt { get; init; }

    /// <summary>The time-to-live a renewal extends by.</summary>
    public required TimeSpan TimeToLive { get; init; }

    /// <summary>When it expires unless renewed (wall clock, so time spent down counts).</summary>
    public required DateTimeOffset ExpiresAt { get; init; }
}
