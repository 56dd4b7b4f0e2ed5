using System.Diagnostics;
using GpuPool.Runtime.Leasing;

namespace GpuPool.Runtime.Models;

/// <summary>
/// A model loaded into one lease: its (possibly shared) instance, its memory charge, and runs through the
/// device scheduler, batched when the model was loaded with <see cref="ModelOptions.Batching"/>.
/// </summary>
internal sealed class LoadedModel
{
    private readonly ModelHost _host;
    private readonly ModelBatcher? _batcher;
    private int _unloaded;

    internal LoadedModel(ModelHost host, string id, LeaseEntry lease, string name, ModelFormat format, SharedModel shared, long memoryBytes, ModelBatcher? batcher)
    {
        _host = host;
        _batcher = batcher;
        Id = id;
        Lease = lease;
        Name = name;
        Format = format;
        Shared = shared;
        MemoryBytes = memoryBytes;
    }

    /// <summary>The model id (unique in the host).</summary>
    public string Id { get; }

    /// <summary>The lease it belongs to.</summary>
    public LeaseEntry Lease { get; }

    /// <summary>The display name.</summary>
    public string Name { get; }

    /// <summary>SHA-256 of the model bytes, lower-case hex.</summary>
    public string ContentHash => Shared.Key.ContentHash;

    /// <summary>The model's format.</summary>
    public ModelFormat Format { get; }

    /// <summary>The loaded instance (shared with other leases that loaded the same model on the device).</summary>
    public IModelInstance Instance => Shared.Instance;

    /// <summary>
    /// Memory charged to the lease, in bytes: the model's full size (on the CPU device as measured at its first
    /// load), also when the instance is shared, so a lease's quota never depends on what its neighbours load or unload.
    /// </summary>
    public long MemoryBytes { get; }

    /// <summary>True once unloaded.</summary>
    public bool IsUnloaded => Volatile.Read(ref _unloaded) != 0;

    /// <summary>True when requests to this model are combined into batches.</summary>
    public bool IsBatching => _batcher is not null;

    internal SharedModel Shared { get; }

    /// <summary>Validates the inputs and runs the model through the device scheduler.</summary>
    public async ValueTask<IReadOnlyDictionary<string, TensorValue>> RunAsync(IReadOnlyDictionary<string, TensorValue> inputs, CancellationToken cancellationToken = default)
    {
        Lease.EnsureActive();
        ObjectDisposedException.ThrowIf(IsUnloaded, this);
        ModelInputValidator.Validate(Instance.Inputs, inputs);

        // A run holds a reference on the instance: unloading (or evicting) it meanwhile defers its disposal.
        if (!Shared.TryAcquire())
        {
            throw new ObjectDisposedException(nameof(LoadedModel), $"Model {Id} was unloaded.");
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Lease.LostToken);
        try
        {
            if (_batcher is not null)
            {
                return await _batcher.RunAsync(inputs, linked.Token).ConfigureAwait(false);
            }

            return await _host.Scheduler.RunAsync(
                Lease,
                context =>
                {
                    var started = Stopwatch.GetTimestamp();
                    var outputs = Instance.Run(inputs, context);
                    _host.Metrics.ModelRun(Lease.Tenant, Lease.Devices[0].Id, Stopwatch.GetElapsedTime(started), Lease.Id);
                    return outputs;
                },
                linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (Lease.LostToken.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new LeaseLostException($"Lease {Lease.Id} was lost during the run: {Lease.LostReason}.", Lease.LostReason);
        }
        finally
        {
            Shared.Release();
        }
    }

    /// <summary>Unloads the model and returns its memory to the lease. Idempotent.</summary>
    public void Unload()
    {
        if (Interlocked.Exchange(ref _unloaded, 1) == 0)
        {
            _host.OnUnloaded(this);
        }
    }
}
