namespace GpuPool;

/// <summary>
/// A granted slice of a device. Dispose it (<c>await using</c>) to give the slice back; disposal is
/// idempotent. <see cref="LeaseLost"/> fires when the pool takes the slice back (expiry, revocation,
/// a lost connection), after which every call on the lease fails with <see cref="LeaseLostException"/>.
/// </summary>
/// <remarks>The embedded and the remote pool each derive from this class; applications do not.</remarks>
public abstract class GpuLease : IAsyncDisposable
{
    /// <summary>The lease id, unique and unguessable.</summary>
    public abstract string Id { get; }

    /// <summary>The device the slice is on (the first one for whole-device leases).</summary>
    public DeviceDescriptor Device => Devices[0];

    /// <summary>All devices of the slice: one for a share, several for whole devices.</summary>
    public abstract IReadOnlyList<DeviceDescriptor> Devices { get; }

    /// <summary>Granted device memory in bytes (per device).</summary>
    public abstract long MemoryBytes { get; }

    /// <summary>Granted compute share in milli-units of one device (1000 for whole devices).</summary>
    public abstract int ComputeMilli { get; }

    /// <summary>Device memory the lease's models are charged for now, in bytes.</summary>
    public abstract long MemoryUsedBytes { get; }

    /// <summary>When the lease expires unless renewed.</summary>
    public abstract DateTimeOffset ExpiresAt { get; }

    /// <summary>The fencing token of this grant: it grows every time the pool grants a slice.</summary>
    public abstract long FencingToken { get; }

    /// <summary>Fires when the pool takes the lease back; never fires on an explicit release.</summary>
    public abstract CancellationToken LeaseLost { get; }

    /// <summary>Why the lease was lost, or <see cref="LeaseLostReason.None"/> while it is alive.</summary>
    public abstract LeaseLostReason LostReason { get; }

    /// <summary>Extends the lease by its time-to-live (or <paramref name="timeToLive"/>) from now.</summary>
    /// <exception cref="LeaseLostException">The lease is no longer held.</exception>
    public abstract ValueTask RenewAsync(TimeSpan? timeToLive = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Loads a model into the lease. Its memory is charged to the lease's quota; a model that does not
    /// fit fails with <see cref="QuotaExceededException"/> and leaves the lease usable.
    /// </summary>
    public abstract ValueTask<PooledModel> LoadModelAsync(ModelSource source, ModelOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gives the slice back and unloads the lease's models; returns once the pool has freed the slice
    /// (for a remote lease: once the server has confirmed). Idempotent.
    /// </summary>
    public abstract ValueTask ReleaseAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Releases the lease. The embedded pool frees the slice before this returns. A remote lease sends the
    /// release and returns without waiting for the server's answer: the server applies it before any later
    /// acquire or inventory request of the same pool (which therefore sees the slice free), and the pool
    /// finishes it before it is disposed itself. Call <see cref="ReleaseAsync"/> (also after disposal) to
    /// wait until the server has freed the slice.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await ReleaseOnDisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>The release that <see cref="DisposeAsync"/> performs; <see cref="ReleaseAsync"/> unless a pool can release more cheaply.</summary>
    protected virtual ValueTask ReleaseOnDisposeAsync() => ReleaseAsync();

    /// <inheritdoc />
    public override string ToString() =>
        $"lease {Id} on {Device.Id} ({Device.Model}, node {Device.Node}): {ByteSize.Format(MemoryBytes)}, {ComputeMilli} milli, expires {ExpiresAt:O}";
}
