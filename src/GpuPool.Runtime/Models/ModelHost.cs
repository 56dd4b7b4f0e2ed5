using System.Collections.Concurrent;
using System.Security.Cryptography;
using GpuPool.Runtime.Diagnostics;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Scheduling;
using Microsoft.Extensions.Logging;

namespace GpuPool.Runtime.Models;

/// <summary>
/// Loads models into leases through the registered backends, charges their memory to the lease,
/// and unloads them when the lease ends.
/// </summary>
public sealed class ModelHost
{
    private readonly Dictionary<ModelFormat, IModelBackend> _backends = [];
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, LoadedModel>> _byLease = new(StringComparer.Ordinal);
    private readonly ILogger _logger;
    private long _nextId;

    /// <summary>Creates the host and subscribes it to the lease table's ends.</summary>
    public ModelHost(IEnumerable<IModelBackend> backends, IDeviceScheduler scheduler, LeaseTable leases, RuntimeMetrics metrics, ILogger<ModelHost> logger)
    {
        ArgumentNullException.ThrowIfNull(backends);
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(leases);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(logger);
        foreach (var backend in backends)
        {
            _backends.TryAdd(backend.Format, backend);
        }

        Scheduler = scheduler;
        Metrics = metrics;
        _logger = logger;
        leases.LeaseEnded += UnloadAll;
    }

    /// <summary>The scheduler every run goes through.</summary>
    public IDeviceScheduler Scheduler { get; }

    internal RuntimeMetrics Metrics { get; }

    /// <summary>The formats that can be loaded.</summary>
    public IReadOnlyCollection<ModelFormat> Formats => _backends.Keys;

    /// <summary>Loads a model into a lease, charging its memory to the lease's quota.</summary>
    /// <exception cref="InvalidPoolRequestException">The bytes are not a model of a registered format.</exception>
    /// <exception cref="QuotaExceededException">The model does not fit in what is left of the lease's memory.</exception>
    public LoadedModel Load(LeaseEntry lease, ReadOnlyMemory<byte> bytes, ModelOptions options, string name)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(options);
        lease.EnsureActive();
        if (bytes.IsEmpty)
        {
            throw new InvalidPoolRequestException("The model is empty (0 bytes).");
        }

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
            Device = device,
            MemoryLimitBytes = lease.MemoryQuotaBytes,
            IntraOpThreads = DirectDeviceScheduler.ThreadsFor(lease),
            Options = options,
        };
        var charge = backend.EstimateMemory(context);
        if (!lease.TryCharge(charge))
        {
            throw new QuotaExceededException(
                $"Model '{name}' needs {ByteSize.Format(charge)} but lease {lease.Id} has {ByteSize.Format(lease.MemoryQuotaBytes - lease.MemoryUsedBytes)} of {ByteSize.Format(lease.MemoryQuotaBytes)} left.");
        }

        IModelInstance instance;
        try
        {
            instance = backend.Load(context);
        }
        catch
        {
            lease.Uncharge(charge);
            throw;
        }

        var model = new LoadedModel(this, "md_" + Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture), lease, options.Name ?? name, Convert.ToHexStringLower(SHA256.HashData(bytes.Span)), format, instance, charge);
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

        model.Instance.Dispose();
        model.Lease.Uncharge(model.MemoryBytes);
        Metrics.ModelLoaded(model.Lease.Tenant, model.MemoryBytes, -1);
        RuntimeLog.ModelUnloaded(_logger, model.Id, model.Lease.Id);
    }

    private void UnloadAll(LeaseEntry lease)
    {
        if (_byLease.TryRemove(lease.Id, out var models))
        {
            foreach (var model in models.Values)
            {
                model.Unload();
            }
        }
    }
}
