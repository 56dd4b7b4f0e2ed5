namespace GpuPool;

/// <summary>
/// A model loaded into a lease. Runs take and return named tensors; they go through the device's
/// scheduler, so they count against the lease's compute share.
/// </summary>
/// <remarks>The embedded and the remote pool each derive from this class; applications do not.</remarks>
public abstract class PooledModel : IAsyncDisposable
{
    /// <summary>The model's id within its lease.</summary>
    public abstract string Id { get; }

    /// <summary>The display name.</summary>
    public abstract string Name { get; }

    /// <summary>The SHA-256 of the model's bytes, lower-case hex.</summary>
    public abstract string ContentHash { get; }

    /// <summary>The model's format.</summary>
    public abstract ModelFormat Format { get; }

    /// <summary>The inputs the model takes.</summary>
    public abstract IReadOnlyList<TensorInfo> Inputs { get; }

    /// <summary>The outputs the model produces.</summary>
    public abstract IReadOnlyList<TensorInfo> Outputs { get; }

    /// <summary>Device memory charged to the lease for this model, in bytes.</summary>
    public abstract long MemoryBytes { get; }

    /// <summary>Runs the model on named inputs and returns every output by name.</summary>
    /// <exception cref="InvalidPoolRequestException">An input is missing, unknown, or has the wrong type or shape.</exception>
    /// <exception cref="LeaseLostException">The lease is no longer held.</exception>
    /// <exception cref="CapacityExceededException">The device queue is full; retry after the given delay.</exception>
    public abstract ValueTask<IReadOnlyDictionary<string, TensorValue>> RunAsync(
        IReadOnlyDictionary<string, TensorValue> inputs,
        CancellationToken cancellationToken = default);

    /// <summary>Unloads the model and returns its memory to the lease. Idempotent.</summary>
    public abstract ValueTask UnloadAsync(CancellationToken cancellationToken = default);

    /// <summary>Unloads the model.</summary>
    public async ValueTask DisposeAsync()
    {
        await UnloadAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }
}
