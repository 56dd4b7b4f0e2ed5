using System.Diagnostics;
using GpuPool.Runtime.Leasing;

namespace GpuPool.Runtime.Models;

/// <summary>A model loaded into one lease: its instance, its memory charge, and runs through the device scheduler.</summary>
public sealed class LoadedModel
{
    private readonly ModelHost _host;
    private int _unloaded;

    internal LoadedModel(ModelHost host, string id, LeaseEntry lease, string name, string contentHash, ModelFormat format, IModelInstance instance, long memoryBytes)
    {
        _host = host;
        Id = id;
        Lease = lease;
        Name = name;
        ContentHash = contentHash;
        Format = format;
        Instance = instance;
        MemoryBytes = memoryBytes;
    }

    /// <summary>The model id (unique in the host).</summary>
    public string Id { get; }

    /// <summary>The lease it belongs to.</summary>
    public LeaseEntry Lease { get; }

    /// <summary>The display name.</summary>
    public string Name { get; }

    /// <summary>SHA-256 of the model bytes, lower-case hex.</summary>
    public string ContentHash { get; }

    /// <summary>The model's format.</summary>
    public ModelFormat Format { get; }

    /// <summary>The loaded instance.</summary>
    public IModelInstance Instance { get; }

    /// <summary>Memory charged to the lease, in bytes.</summary>
    public long MemoryBytes { get; }

    /// <summary>True once unloaded.</summary>
    public bool IsUnloaded => Volatile.Read(ref _unloaded) != 0;

    /// <summary>Validates the inputs and runs the model through the device scheduler.</summary>
    public async ValueTask<IReadOnlyDictionary<string, TensorValue>> RunAsync(IReadOnlyDictionary<string, TensorValue> inputs, CancellationToken cancellationToken = default)
    {
        Lease.EnsureActive();
        ObjectDisposedException.ThrowIf(IsUnloaded, this);
        ModelInputValidator.Validate(Instance.Inputs, inputs);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Lease.LostToken);
        try
        {
            return await _host.Scheduler.RunAsync(
                Lease,
                context =>
                {
                    var started = Stopwatch.GetTimestamp();
                    var outputs = Instance.Run(inputs, context);
                    _host.Metrics.ModelRun(Lease.Tenant, Lease.Devices[0].Id, Stopwatch.GetElapsedTime(started));
                    return outputs;
                },
                linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (Lease.LostToken.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new LeaseLostException($"Lease {Lease.Id} was lost during the run: {Lease.LostReason}.", Lease.LostReason);
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
