using System.Collections.Concurrent;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GpuPool.Runtime.Isolation;

/// <summary>
/// Starts and supervises one worker process per process-isolated lease (<see cref="LeaseIsolation.Process"/>).
/// The worker hosts the lease's models; its crash fails only that lease's calls in flight
/// (<see cref="PoolUnavailableException"/>), other leases keep running, and the lease's next call gets a
/// fresh worker with its models loaded again. The worker ends with the lease.
/// </summary>
internal sealed class WorkerSupervisor : IDisposable
{
    private readonly ConcurrentDictionary<string, LeaseWorker> _workers = new(StringComparer.Ordinal);
    private readonly WorkerOptions _options;
    private readonly ILogger _logger;
    private long _nextModel;

    /// <summary>Creates the supervisor.</summary>
    public WorkerSupervisor(IOptions<WorkerOptions> options, ILogger<WorkerSupervisor> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>Workers alive or startable, one per isolated lease.</summary>
    public int LeaseCount => _workers.Count;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var worker in _workers.Values)
        {
            worker.Dispose();
        }

        _workers.Clear();
    }

    /// <summary>Whether <paramref name="lease"/>'s models run in a worker: it asked for it, or its tenant is configured so.</summary>
    public bool IsIsolated(LeaseEntry lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return lease.Request.Isolation == LeaseIsolation.Process || _options.ProcessIsolatedTenants.Contains(lease.Tenant, StringComparer.Ordinal);
    }

    internal IsolatedModelInstance Load(LeaseEntry lease, in ModelLoadContext context, ModelFormat format)
    {
        var worker = _workers.GetOrAdd(lease.Id, _ => new LeaseWorker(lease, _options, _logger));
        var model = new WorkerModel(
            "wm_" + Interlocked.Increment(ref _nextModel).ToString(System.Globalization.CultureInfo.InvariantCulture),
            format,
            WorkerEnvironment.DeviceInWorker(context.Device),
            context.MemoryLimitBytes,
            context.IntraOpThreads,
            context.Bytes.ToArray());
        return new IsolatedModelInstance(worker, model);
    }

    internal LeaseWorker? WorkerOf(string leaseId) => _workers.GetValueOrDefault(leaseId);

    internal void EndLease(LeaseEntry lease)
    {
        if (_workers.TryRemove(lease.Id, out var worker))
        {
            worker.Dispose();
        }
    }
}
