using System.Collections.Concurrent;
using System.Security.Cryptography;
using GpuPool.Runtime.Diagnostics;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Scheduling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GpuPool.Runtime.Models;

/// <summary>
/// Loads models into leases through the registered backends, charges their memory to the lease,
/// shares identical models between leases, and unloads them when the lease ends.
/// </summary>
/// <remarks>
/// <para>Sharing: leases of the shared tier that load the same bytes (same content hash and format) on the
/// same device use one instance, reference-counted; it is disposed when its last user releases it and its
/// last run ends (or kept within <see cref="ModelHostOptions.UnusedModelCacheBytes"/>, evicted least
/// recently used first under memory pressure).</para>
/// <para>Charging: on the CPU device a model's size is what its load and warm-up runs measurably made
/// resident (<see cref="IModelMemoryMeter"/>, docs/memory.md), plus the working memory of the largest input
/// the lease has run (<see cref="LoadedModel.RunOnDevice"/>); elsewhere the backend's estimate. Every lease
/// is charged the model's full size, shared or not. A lease's quota therefore
/// never depends on a neighbour: it can always load what fits its quota, and another lease unloading the
/// same model never makes it over quota. The device holds one copy, so the memory it really uses is at
/// most the sum of the charges.</para>
/// <para>Process isolation: a lease that asked for <see cref="LeaseIsolation.Process"/> (or whose tenant is
/// listed in <see cref="Isolation.WorkerOptions.ProcessIsolatedTenants"/>) gets its models in
/// its own supervised worker process (<see cref="Isolation.WorkerSupervisor"/>); they are never shared.</para>
/// </remarks>
internal sealed class ModelHost : ILeaseEndObserver, IDeviceMemoryBook
{
    private readonly Dictionary<ModelFormat, IModelBackend> _backends = [];
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, LoadedModel>> _byLease = new(StringComparer.Ordinal);
    private readonly ILogger _logger;
    private readonly ModelCatalog _catalog;
    private readonly Isolation.WorkerSupervisor? _workers;
    private readonly TimeProvider _time;
    private readonly IModelMemoryMeter _meter;
    private long _nextId;

    /// <summary>Creates the host (no unused-model cache, no process isolation) and subscribes it to the lease table's ends.</summary>
    public ModelHost(IEnumerable<IModelBackend> backends, IDeviceScheduler scheduler, LeaseTable leases, RuntimeMetrics metrics, ILogger<ModelHost> logger)
        : this(backends, scheduler, leases, metrics, logger, Microsoft.Extensions.Options.Options.Create(new ModelHostOptions()), null)
    {
    }

    /// <summary>Creates the host and subscribes it to the lease table's ends.</summary>
    /// <param name="backends">The model formats it can load.</param>
    /// <param name="scheduler">The scheduler every run goes through.</param>
    /// <param name="leases">The lease table (its clock times batching and eviction).</param>
    /// <param name="metrics">The runtime's instruments.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="options">Sharing and cache settings.</param>
    /// <param name="workers">Worker processes for leases that ask for process isolation; without it they are refused.</param>
    public ModelHost(IEnumerable<IModelBackend> backends, IDeviceScheduler scheduler, LeaseTable leases, RuntimeMetrics metrics, ILogger<ModelHost> logger, IOptions<ModelHostOptions> options, Isolation.WorkerSupervisor? workers)
        : this(backends, scheduler, leases, metrics, logger, options, workers, new ResidentMemoryMeter())
    {
    }

    /// <summary>Creates the host with the meter that measures what a model occupies on the CPU device (tests pass a fake).</summary>
    internal ModelHost(IEnumerable<IModelBackend> backends, IDeviceScheduler scheduler, LeaseTable leases, RuntimeMetrics metrics, ILogger<ModelHost> logger, IOptions<ModelHostOptions> options, Isolation.WorkerSupervisor? workers, IModelMemoryMeter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        ArgumentNullException.ThrowIfNull(backends);
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(leases);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(options);
        foreach (var backend in backends)
        {
            _backends.TryAdd(backend.Format, backend);
        }

        Scheduler = scheduler;
        Metrics = metrics;
        _logger = logger;
        _time = leases.TimeProvider;
        _workers = workers;
        _meter = meter;
        _catalog = new ModelCatalog(options.Value, _time, logger);
        leases.AddEndObserver(this);
        leases.SetMemoryBook(this);
    }

    /// <summary>The scheduler every run goes through.</summary>
    public IDeviceScheduler Scheduler { get; }

    internal RuntimeMetrics Metrics { get; }

    internal ModelCatalog Catalog => _catalog;

    /// <summary>The meter of CPU-device models (runs larger than any before are measured with it).</summary>
    internal IModelMemoryMeter Meter => _meter;

    internal ILogger Logger => _logger;

    /// <summary>The formats that can be loaded.</summary>
    public IReadOnlyCollection<ModelFormat> Formats => _backends.Keys;

    /// <summary>Loads a model into a lease, charging its memory to the lease's quota.</summary>
    /// <exception cref="InvalidPoolRequestException">The bytes are not a model of a registered format.</exception>
    /// <exception cref="QuotaExceededException">The model does not fit in what is left of the lease's memory.</exception>
    public LoadedModel Load(LeaseEntry lease, ReadOnlyMemory<byte> bytes, ModelOptions options, string name) =>
        Load(lease, bytes, null, null, options, name);

    /// <summary>Loads a model file into a lease: the file is mapped for the load (its bytes are never copied onto the managed heap).</summary>
    /// <exception cref="InvalidPoolRequestException">The file does not exist, is empty, or is not a model of a registered format.</exception>
    /// <exception cref="QuotaExceededException">The model does not fit in what is left of the lease's memory.</exception>
    public LoadedModel LoadFile(LeaseEntry lease, string path, ModelOptions options, string name)
    {
        ArgumentNullException.ThrowIfNull(lease);
        lease.EnsureActive();
        using var file = MappedModelFile.Open(path);
        return Load(lease, file.Memory, path, file, options, name);
    }

    /// <summary>Loads a model; a file's <c>mapping</c> is released as soon as the backend has loaded it, before its memory is measured.</summary>
    private LoadedModel Load(LeaseEntry lease, ReadOnlyMemory<byte> bytes, string? path, IDisposable? mapping, ModelOptions options, string name)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(options);
        lease.EnsureActive();
        // Code first paged in by hashing and detecting the model counts as the model's; the file's own pages, touched
        // now and released by the end of the load, cancel out.
        var loadStarted = ResidentMemory.Sample();
        if (bytes.IsEmpty)
        {
            throw new InvalidPoolRequestException("The model is empty (0 bytes).");
        }

        ValidateBatching(options.Batching);
        var format = options.Format == ModelFormat.Auto ? ModelFormatDetector.Detect(bytes.Span) : options.Format;
        if (format == ModelFormat.Auto)
        {
            throw new InvalidPoolRequestException($"'{name}' is not a model this pool can read: it is neither ONNX (protobuf) nor TorchScript (zip).");
        }

        if (!_backends.TryGetValue(format, out var backend))
        {
            throw new InvalidPoolRequestException($"No backend for {format} models is registered. Add its package (for ONNX: GpuPool.OnnxRuntime, builder.AddOnnxRuntime()).");
        }

        var device = lease.Devices[0];
        if (!backend.Supports(device))
        {
            throw new InvalidPoolRequestException($"{format} models cannot run on device {device.Id} ({device.Model}).");
        }

        var context = new ModelLoadContext
        {
            Bytes = bytes,
            FilePath = path,
            Device = device,
            MemoryLimitBytes = lease.MemoryQuotaBytes,
            IntraOpThreads = Scheduler.IntraOpThreadsFor(lease),
            Options = options,
        };
        // The estimate (the backend's floor, for ONNX the file's size) is checked before anything is allocated;
        // the charge is what the load measured.
        var estimate = backend.EstimateMemory(context);
        if (estimate > lease.MemoryQuotaBytes - lease.MemoryUsedBytes)
        {
            throw NotFitting(lease, name, estimate, string.Empty);
        }

        var key = new SharedModelKey(device.Id, format, Convert.ToHexStringLower(path is null ? SHA256.HashData(bytes.Span) : HashFile(path)));
        var shared = LoadInstance(lease, backend, context, key, estimate, format, mapping, loadStarted);
        var charge = shared.LoadedBytes;
        if (!lease.TryCharge(charge))
        {
            Release(shared, device);
            throw NotFitting(lease, name, charge, " (measured once loaded)");
        }

        var id = "md_" + Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var modelName = options.Name ?? name;
        var model = new LoadedModel(this, id, lease, modelName, format, shared, charge, m => CreateBatcher(shared.Instance, m.RunOnDevice, lease, options.Batching, modelName));
        _byLease.GetOrAdd(lease.Id, static _ => new(StringComparer.Ordinal))[model.Id] = model;
        Metrics.ModelLoaded(lease.Tenant, charge, 1);
        RuntimeLog.ModelLoaded(_logger, model.Name, model.ContentHash, lease.Id, charge);

        // The lease may have ended while the model loaded; its models must not outlive it.
        if (!lease.IsActive)
        {
            model.Unload();
            lease.EnsureActive();
        }

        return model;
    }

    /// <inheritdoc />
    public (long ChargedBytes, long ModelBytes) MemoryOf(string deviceId)
    {
        long charged = 0;
        long isolated = 0;
        foreach (var models in _byLease.Values)
        {
            foreach (var model in models.Values)
            {
                if (model.Lease.Devices[0].Id == deviceId)
                {
                    charged += model.MemoryBytes;
                    isolated += model.Shared.IsPrivate ? model.Shared.MemoryBytes : 0;
                }
            }
        }

        return (charged, _catalog.ResidentBytes(deviceId) + isolated);
    }

    /// <summary>The models loaded into a lease.</summary>
    public IReadOnlyList<LoadedModel> ModelsOf(string leaseId) =>
        _byLease.TryGetValue(leaseId, out var models) ? [.. models.Values] : [];

    /// <summary>Finds a model of a lease by id.</summary>
    public LoadedModel? Find(string leaseId, string modelId) =>
        _byLease.TryGetValue(leaseId, out var models) ? models.GetValueOrDefault(modelId) : null;

    internal void OnUnloaded(LoadedModel model)
    {
        if (_byLease.TryGetValue(model.Lease.Id, out var models))
        {
            models.TryRemove(model.Id, out _);
        }

        Release(model.Shared, model.Lease.Devices[0]);
        model.Lease.Uncharge(model.MemoryBytes);
        Metrics.ModelLoaded(model.Lease.Tenant, model.MemoryBytes, -1);
        RuntimeLog.ModelUnloaded(_logger, model.Id, model.Lease.Id);
    }

    /// <summary>Hashes a file by reading it, not through its mapping: mapped pages once read stay resident in this process.</summary>
    private static byte[] HashFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        return SHA256.HashData(stream);
    }

    /// <summary>The refusal of a model that does not fit, naming what it needs and what the lease has left.</summary>
    private static QuotaExceededException NotFitting(LeaseEntry lease, string name, long bytes, string how) =>
        new($"Model '{name}' needs {ByteSize.Format(bytes)}{how} but lease {lease.Id} has {ByteSize.Format(Math.Max(0, lease.MemoryQuotaBytes - lease.MemoryUsedBytes))} of {ByteSize.Format(lease.MemoryQuotaBytes)} left.");

    private void Release(SharedModel shared, DeviceDescriptor device)
    {
        if (shared.IsPrivate)
        {
            shared.Release();
        }
        else
        {
            _catalog.ReleaseUser(shared, device);
        }
    }

    private static void ValidateBatching(BatchingOptions? batching)
    {
        if (batching is null)
        {
            return;
        }

        if (batching.MaxBatchSize < 1)
        {
            throw new InvalidPoolRequestException($"Batching.MaxBatchSize must be at least 1; got {batching.MaxBatchSize}.");
        }

        if (batching.MaxQueueDelay < TimeSpan.Zero || batching.MaxQueueDelay > TimeSpan.FromSeconds(10))
        {
            throw new InvalidPoolRequestException($"Batching.MaxQueueDelay must be between 0 and 10 s; got {batching.MaxQueueDelay}.");
        }
    }

    private SharedModel LoadInstance(LeaseEntry lease, IModelBackend backend, ModelLoadContext context, SharedModelKey key, long estimate, ModelFormat format, IDisposable? mapping, ResidentSample loadStarted)
    {
        if (_workers?.IsIsolated(lease) ?? lease.Request.Isolation == LeaseIsolation.Process)
        {
            if (_workers is null)
            {
                throw new InvalidPoolRequestException($"Lease {lease.Id} asks for process isolation, but this pool has no worker supervisor configured.");
            }

            // Not in the catalog: an isolated lease's models are its own. The worker measures its own growth;
            // the bytes the pool keeps to reload the model into a new worker are charged too.
            var isolated = _workers.Load(lease, context, format);
            var charge = IsMeasured(context, format) ? Math.Max(estimate, isolated.MeasuredBytes + context.Bytes.Length) : estimate;
            return new SharedModel(key, isolated, charge, null) { IsPrivate = true };
        }

        return _catalog.Acquire(key, context.Device, estimate, () => Measure(backend, context, estimate, mapping, loadStarted), lease.Id);
    }

    /// <summary>
    /// Only ONNX Runtime loads on the CPU device are measured: libtorch starts lazily on its first load
    /// (~113 MiB, in-process or in a worker) and would charge its own start to the first TorchScript lease,
    /// so TorchScript keeps its exact tensor-storage sum; on other devices host memory is not device memory.
    /// </summary>
    private static bool IsMeasured(ModelLoadContext context, ModelFormat format) =>
        context.Device.Kind == DeviceKind.Cpu && format == ModelFormat.Onnx;

    /// <summary>
    /// On the CPU device the model's memory is the host memory its load and first run made resident
    /// (<see cref="IModelMemoryMeter"/>); elsewhere the host's memory is not the device's, and the backend's
    /// estimate is the charge.
    /// </summary>
    private ModelFootprint Measure(IModelBackend backend, ModelLoadContext context, long estimate, IDisposable? mapping, ResidentSample loadStarted)
    {
        if (!IsMeasured(context, backend.Format))
        {
            return new ModelFootprint(backend.Load(context), estimate);
        }

        var footprint = _meter.Measure(
            () =>
            {
                var instance = backend.Load(context);
                mapping?.Dispose();
                return instance;
            },
            context.IntraOpThreads,
            loadStarted);
        RuntimeLog.ModelMeasured(_logger, context.Device.Id, footprint.MeasuredBytes, estimate);
        return footprint with { MeasuredBytes = Math.Max(estimate, footprint.MeasuredBytes) };
    }

    private ModelBatcher? CreateBatcher(IModelInstance instance, Func<IReadOnlyDictionary<string, TensorValue>, RunContext, IReadOnlyDictionary<string, TensorValue>> run, LeaseEntry lease, BatchingOptions? batching, string name)
    {
        if (batching is null || batching.MaxBatchSize < 2)
        {
            return null;
        }

        if (!BatchTensors.IsBatchable(instance))
        {
            RuntimeLog.BatchingUnavailable(_logger, name);
            return null;
        }

        return new ModelBatcher(run, lease, Scheduler, batching, _time) { Metrics = Metrics };
    }

    /// <inheritdoc />
    LeaseEndStage ILeaseEndObserver.Stage => LeaseEndStage.Models;

    /// <inheritdoc />
    void ILeaseEndObserver.OnLeaseEnded(LeaseEntry lease)
    {
        if (_byLease.TryRemove(lease.Id, out var models))
        {
            foreach (var model in models.Values)
            {
                model.Unload();
            }
        }

        _workers?.EndLease(lease);
    }
}
