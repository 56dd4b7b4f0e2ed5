using System.Diagnostics;
using System.Runtime.ExceptionServices;
using GpuPool.Runtime.Diagnostics;
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
    private readonly Lock _charging = new();
    private readonly long _loadedBytes;
    private readonly InputSignature _signature;
    private readonly RunRecorder _recorder;
    private long _workingBytes;
    private long _chargedElements = -1; // the largest run size whose working memory this lease is charged for
    private volatile bool _unloaded;

    internal LoadedModel(ModelHost host, string id, LeaseEntry lease, string name, ModelFormat format, SharedModel shared, long memoryBytes, Func<LoadedModel, ModelBatcher?> batcher)
    {
        _host = host;
        Id = id;
        Lease = lease;
        Name = name;
        Format = format;
        Shared = shared;
        _loadedBytes = memoryBytes;
        _signature = new InputSignature(shared.Instance.Inputs);
        _recorder = host.Metrics.RecorderFor(lease);
        _batcher = batcher(this);
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
    /// load), also when the instance is shared, so a lease's quota never depends on what its neighbours load or
    /// unload; plus, on the CPU device, the working memory measured at the largest input this lease has run.
    /// </summary>
    public long MemoryBytes
    {
        get
        {
            lock (_charging)
            {
                return _loadedBytes + _workingBytes;
            }
        }
    }

    /// <summary>True once unloaded.</summary>
    public bool IsUnloaded => _unloaded;

    /// <summary>True when requests to this model are combined into batches.</summary>
    public bool IsBatching => _batcher is not null;

    internal SharedModel Shared { get; }

    /// <summary>Validates the inputs and runs the model through the device scheduler.</summary>
    /// <remarks>
    /// A run the scheduler starts at once (<see cref="Scheduling.IDeviceScheduler.TryStartRun"/>: the device has a
    /// free slot and nobody waits) executes on the caller's thread without an asynchronous path; its errors still
    /// come in the returned task, as any run's.
    /// </remarks>
    /// <exception cref="LeaseLostException">The lease was lost before or while the run waited.</exception>
    public ValueTask<IReadOnlyDictionary<string, TensorValue>> RunAsync(IReadOnlyDictionary<string, TensorValue> inputs, CancellationToken cancellationToken = default)
    {
        long elements;
        try
        {
            Lease.EnsureActive();
            ObjectDisposedException.ThrowIf(IsUnloaded, this);
            elements = _signature.Validate(inputs);

            // A run holds a reference on the instance: unloading (or evicting) it meanwhile defers its disposal.
            if (!Shared.TryAcquire())
            {
                throw new ObjectDisposedException(nameof(LoadedModel), $"Model {Id} was unloaded.");
            }
        }
        catch (Exception ex)
        {
            return Failed(ex);
        }

        if (_batcher is not null || cancellationToken.IsCancellationRequested || !_host.Scheduler.TryStartRun(Lease, out var run))
        {
            return RunScheduledAsync(inputs, elements, cancellationToken);
        }

        try
        {
            return new ValueTask<IReadOnlyDictionary<string, TensorValue>>(RunStarted(inputs, elements, run, cancellationToken));
        }
        catch (Exception ex)
        {
            return Failed(WhenLost(ex, cancellationToken));
        }
        finally
        {
            Shared.Release();
        }
    }

    /// <summary>Runs the model in a slot the scheduler started at once, then ends it there; its measured time is the run's.</summary>
    private IReadOnlyDictionary<string, TensorValue> RunStarted(IReadOnlyDictionary<string, TensorValue> inputs, long elements, in Scheduling.StartedRun run, CancellationToken cancellationToken)
    {
        IReadOnlyDictionary<string, TensorValue> outputs;
        TimeSpan measured;
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            Lease.LostToken.ThrowIfCancellationRequested();
            outputs = RunSizedOnDevice(inputs, elements, run.Context);
        }
        finally
        {
            measured = _host.Scheduler.EndRun(run);
        }

        _host.Metrics.ModelRun(_recorder, measured);
        return outputs;
    }

    /// <summary>Runs the model through the scheduler's queue (or the batcher); releases the instance's reference at the end.</summary>
    private async ValueTask<IReadOnlyDictionary<string, TensorValue>> RunScheduledAsync(IReadOnlyDictionary<string, TensorValue> inputs, long elements, CancellationToken cancellationToken)
    {
        try
        {
            if (_batcher is not null)
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Lease.LostToken);
                return await _batcher.RunAsync(inputs, linked.Token).ConfigureAwait(false);
            }

            // The scheduler ends a waiting run when the lease is lost as well (no linked token per run).
            return await _host.Scheduler.RunAsync(
                Lease,
                context =>
                {
                    var started = Stopwatch.GetTimestamp();
                    var outputs = RunSizedOnDevice(inputs, elements, context);
                    _host.Metrics.ModelRun(_recorder, Stopwatch.GetElapsedTime(started));
                    return outputs;
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var thrown = WhenLost(ex, cancellationToken);
            if (ReferenceEquals(thrown, ex))
            {
                throw;
            }

            throw thrown;
        }
        finally
        {
            Shared.Release();
        }
    }

    /// <summary>A task that ends as an async method does that throws <paramref name="ex"/> (cancelled for an <see cref="OperationCanceledException"/>, with its stack).</summary>
#pragma warning disable CS1998 // no await: the builder makes the task
    private static async ValueTask<IReadOnlyDictionary<string, TensorValue>> Failed(Exception ex)
#pragma warning restore CS1998
    {
        ExceptionDispatchInfo.Throw(ex);
        return null;
    }

    /// <summary>A run cancelled because its lease was lost (not by its caller) ends with <see cref="LeaseLostException"/>; any other error as it is.</summary>
    private Exception WhenLost(Exception ex, CancellationToken cancellationToken) =>
        ex is OperationCanceledException && Lease.LostToken.IsCancellationRequested && !cancellationToken.IsCancellationRequested
            ? new LeaseLostException($"Lease {Lease.Id} was lost during the run: {Lease.LostReason}.", Lease.LostReason)
            : ex;

    /// <summary>Unloads the model and returns its memory to the lease. Idempotent.</summary>
    public void Unload()
    {
        lock (_charging)
        {
            if (_unloaded)
            {
                return;
            }

            // From here no run charges the lease: what OnUnloaded returns is final.
            _unloaded = true;
        }

        _host.OnUnloaded(this);
    }

    /// <summary>
    /// Runs the model on the device (inside a scheduled run). On the CPU device a run larger than any the model
    /// ran before (input elements over all inputs) is measured (<see cref="IModelMemoryMeter.MeasureRun{T}"/>) and the
    /// working memory it grew is booked on the device and charged to this lease; a run of a size measured before
    /// is charged what that size measured, before it runs.
    /// </summary>
    /// <exception cref="QuotaExceededException">The lease cannot hold the working memory of a run this large.</exception>
    internal IReadOnlyDictionary<string, TensorValue> RunOnDevice(IReadOnlyDictionary<string, TensorValue> inputs, RunContext context) =>
        RunSizedOnDevice(inputs, Shared.Working is null ? 0 : WorkingMemory.ElementsOf(inputs), context);

    /// <summary>Runs the model on the device, as <see cref="RunOnDevice"/>, for inputs of <paramref name="elements"/> elements (known from their validation).</summary>
    internal IReadOnlyDictionary<string, TensorValue> RunSizedOnDevice(IReadOnlyDictionary<string, TensorValue> inputs, long elements, RunContext context)
    {
        // A run no larger than one this lease was charged for needs no charge: a size's working memory never grows
        // once measured (only larger sizes are measured later), and the charge never shrinks.
        if (Shared.Working is not { } working || elements <= Volatile.Read(ref _chargedElements))
        {
            return Instance.Run(inputs, context);
        }

        if (working.TryGetExtra(elements, out var known))
        {
            ChargeWorking(known, elements);
            return Instance.Run(inputs, context);
        }

        var (outputs, growth) = _host.Meter.MeasureRun(() => Instance.Run(inputs, context));
        var (extra, added) = working.Record(elements, growth);
        _host.Catalog.Grow(Shared, added);
        RuntimeLog.ModelRunMeasured(_host.Logger, Id, elements, growth, extra);

        // The memory is resident (and booked on the device) whether or not this lease can pay for it; the
        // outputs of a run it cannot hold are not returned, and the next run of this size is refused before it runs.
        ChargeWorking(extra, elements);
        return outputs;
    }

    private void ChargeWorking(long extraBytes, long elements)
    {
        lock (_charging)
        {
            if (_unloaded)
            {
                return;
            }

            if (extraBytes <= _workingBytes)
            {
                Covered(elements);
                return;
            }

            if (!Lease.TryCharge(extraBytes - _workingBytes))
            {
                var left = Math.Max(0, Lease.MemoryQuotaBytes - Lease.MemoryUsedBytes);
                throw new QuotaExceededException(
                    $"Model '{Name}' needs {ByteSize.Format(_loadedBytes + extraBytes)} for a run of {elements} input elements (measured at the first such run), " +
                    $"{ByteSize.Format(extraBytes - _workingBytes)} more than it is charged, but lease {Lease.Id} has {ByteSize.Format(left)} of {ByteSize.Format(Lease.MemoryQuotaBytes)} left.");
            }

            _host.Metrics.ModelGrew(Lease.Tenant, extraBytes - _workingBytes);
            _workingBytes = extraBytes;
            Covered(elements);
        }
    }

    /// <summary>Notes (under the charging lock) that runs of up to <paramref name="elements"/> input elements are paid for.</summary>
    private void Covered(long elements)
    {
        if (elements > _chargedElements)
        {
            Volatile.Write(ref _chargedElements, elements);
        }
    }
}
