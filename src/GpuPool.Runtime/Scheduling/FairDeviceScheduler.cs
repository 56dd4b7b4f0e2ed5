using System.Collections.Concurrent;
using GpuPool.Diagnostics;
using GpuPool.Runtime.Diagnostics;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GpuPool.Runtime.Scheduling;

/// <summary>
/// Weighted fair scheduling of model runs by compute share, on measured execution time, one queue per
/// device (see <see cref="DeviceQueue"/> for the rule). A lease with work gets at least its share; idle
/// capacity goes to busy leases unless they asked for a hard cap; High-priority runs go first and Low
/// (opportunistic) leases lose borrowed capacity first; queues are bounded.
/// </summary>
/// <remarks>
/// Execution model: each device has a fixed number of run slots (<see cref="FairSchedulerOptions"/>).
/// On the CPU device ONNX models share ONNX Runtime's global thread pool, so the runs in the slots divide the
/// cores among themselves and a lone run uses them all (work conservation in cores);
/// <see cref="RunContext.IntraOpThreads"/> (the cores divided among the slots) sizes backends that need a count.
/// A lease's share of the CPU is its share of slot time. On NVIDIA each run carries its lease's stream (<see cref="ILeaseStreamProvider"/>), so runs of
/// different leases overlap on the card. Decisions read the injected <see cref="TimeProvider"/>; execution
/// time is measured on the execution clock (by default the same provider, whose timestamps come from
/// <see cref="System.Diagnostics.Stopwatch"/> on the system clock).
/// </remarks>
internal sealed class FairDeviceScheduler : IDeviceScheduler, IDisposable
{
    private readonly ConcurrentDictionary<string, DeviceQueue> _devices = new(StringComparer.Ordinal);
    private readonly FairSchedulerOptions _options;
    private readonly TimeProvider _time;
    private readonly TimeProvider _executionClock;
    private readonly ILeaseStreamProvider? _streams;
    private readonly ILogger _logger;
    private volatile DeviceQueue? _lastQueue;

    /// <summary>Creates the scheduler.</summary>
    /// <param name="options">Slots, queue limits and windows.</param>
    /// <param name="timeProvider">The clock decisions (share buckets, hard caps, priority windows) read.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="streams">Per-lease streams on GPUs, where the vendor integration provides them.</param>
    /// <param name="executionClock">The clock that measures execution time; defaults to <paramref name="timeProvider"/>.</param>
    public FairDeviceScheduler(IOptions<FairSchedulerOptions> options, TimeProvider timeProvider, ILogger<FairDeviceScheduler>? logger = null, ILeaseStreamProvider? streams = null, TimeProvider? executionClock = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _options = options.Value;
        _time = timeProvider;
        _executionClock = executionClock ?? timeProvider;
        _streams = streams;
        _logger = logger ?? NullLogger<FairDeviceScheduler>.Instance;
    }

    /// <inheritdoc />
    /// <remarks>
    /// A run that finds a free slot and nobody waiting (<see cref="DeviceQueue.TryEnterNow"/>) runs at once on the
    /// caller's thread; otherwise it queues and ends early when <paramref name="cancellationToken"/> fires or the
    /// lease is lost (<see cref="LeaseEntry.LostToken"/>, an <see cref="OperationCanceledException"/> for that token).
    /// The method is async for a run admitted at once too, so that its errors land in the returned task like any run's.
    /// </remarks>
    public async ValueTask<T> RunAsync<T>(LeaseEntry lease, Func<RunContext, T> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(work);
        cancellationToken.ThrowIfCancellationRequested();
        var queue = QueueFor(lease.Devices[0]);
        if (queue.TryEnterNow(lease, out var admission, out _))
        {
            if (RuntimeActivity.Source.HasListeners())
            {
                // The span every run has, empty here: the run did not wait.
                RuntimeActivity.Source.StartActivity(GpuPoolInstruments.QueueWaitSpan)?.Dispose();
            }

            Metrics?.RunQueued(lease.Tenant, queue.Device.Id, TimeSpan.Zero);
            return Execute(queue, admission, lease, work, cancellationToken);
        }

        return await QueueAsync(queue, lease, work, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// The same admission as <see cref="RunAsync{T}"/>'s at once on a free slot (<see cref="DeviceQueue.TryEnterNow"/>).
    /// While anyone listens to the runtime's activities the run goes through <see cref="RunAsync{T}"/>, which makes
    /// its queue and execution spans. When decisions and execution read the same clock, the admission's timestamp
    /// is the run's start and the end's one timestamp serves both.
    /// </remarks>
    public bool TryStartRun(LeaseEntry lease, out StartedRun run)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var queue = QueueFor(lease.Devices[0]);
        if (RuntimeActivity.Source.HasListeners() || !queue.TryEnterNow(lease, out var admission, out var admitted))
        {
            run = default;
            return false;
        }

        Metrics?.RunQueued(lease.Tenant, queue.Device.Id, TimeSpan.Zero);
        run = new StartedRun(queue, admission, OneClock ? admitted : _executionClock.GetTimestamp());
        return true;
    }

    /// <inheritdoc />
    public TimeSpan EndRun(in StartedRun run)
    {
        var ended = _executionClock.GetTimestamp();
        var measured = _executionClock.GetElapsedTime(run.Started, ended);
        run.Queue.Exit(run.Admission, measured, OneClock ? ended : null);
        return measured;
    }

    /// <summary>Where queue waits and refused runs are counted (set by the engine's registration).</summary>
    internal RuntimeMetrics? Metrics { get; init; }

    /// <inheritdoc />
    public int IntraOpThreadsFor(LeaseEntry lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return QueueFor(lease.Devices[0]).ThreadsPerRun;
    }

    /// <summary>Run slots of a device.</summary>
    public int SlotsOf(DeviceDescriptor device) => QueueFor(device).Slots;

    /// <summary>What each lease on <paramref name="deviceId"/> has consumed so far.</summary>
    public IReadOnlyList<LeaseUsage> UsageOf(string deviceId) =>
        _devices.TryGetValue(deviceId, out var queue) ? queue.Usage() : [];

    /// <summary>What <paramref name="lease"/> has consumed on its device, or <see langword="null"/> before its first run.</summary>
    public LeaseUsage? UsageOf(LeaseEntry lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return _devices.TryGetValue(lease.Devices[0].Id, out var queue) ? queue.UsageOf(lease.Id) : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var queue in _devices.Values)
        {
            queue.Dispose();
        }
    }

    private async ValueTask<T> QueueAsync<T>(DeviceQueue queue, LeaseEntry lease, Func<RunContext, T> work, CancellationToken cancellationToken)
    {
        RunAdmission admission;
        var enqueued = _time.GetTimestamp();
        using (RuntimeActivity.Source.StartActivity(GpuPoolInstruments.QueueWaitSpan))
        {
            try
            {
                admission = await queue.EnterAsync(lease, cancellationToken).ConfigureAwait(false);
            }
            catch (CapacityExceededException ex)
            {
                Metrics?.RunRejected(lease.Tenant, queue.Device.Id, "queue_full");
                RuntimeLog.RunRejected(_logger, lease.Id, queue.Device.Id, ex.RetryAfter ?? TimeSpan.Zero);
                throw;
            }
        }

        Metrics?.RunQueued(lease.Tenant, queue.Device.Id, _time.GetElapsedTime(enqueued));
        return Execute(queue, admission, lease, work, cancellationToken);
    }

    /// <summary>Runs admitted work on the calling thread, measuring it for the lease's share.</summary>
    private T Execute<T>(DeviceQueue queue, RunAdmission admission, LeaseEntry lease, Func<RunContext, T> work, CancellationToken cancellationToken)
    {
        using var execution = RuntimeActivity.Source.StartActivity(GpuPoolInstruments.ExecuteSpan);
        var started = _executionClock.GetTimestamp();
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            lease.LostToken.ThrowIfCancellationRequested();
            return work(admission.Context);
        }
        finally
        {
            var ended = _executionClock.GetTimestamp();
            queue.Exit(admission, _executionClock.GetElapsedTime(started, ended), OneClock ? ended : null);
        }
    }

    /// <summary>True when decisions and execution read the same clock, so that one timestamp serves both.</summary>
    private bool OneClock => ReferenceEquals(_time, _executionClock);

    private DeviceQueue QueueFor(DeviceDescriptor device)
    {
        // The last queue used: a lease that runs again (or any lease of a one-device pool) finds it without a lookup.
        var last = _lastQueue;
        if (last is not null && (ReferenceEquals(last.Device, device) || string.Equals(last.Device.Id, device.Id, StringComparison.Ordinal)))
        {
            return last;
        }

        if (_devices.TryGetValue(device.Id, out var queue))
        {
            _lastQueue = queue;
            return queue;
        }

        var created = new DeviceQueue(device, _options, _time, _streams);
        queue = _devices.GetOrAdd(device.Id, created);
        if (!ReferenceEquals(queue, created))
        {
            created.Dispose();
        }
        else
        {
            RuntimeLog.DeviceQueueCreated(_logger, device.Id, created.Slots, created.ThreadsPerRun);
        }

        return queue;
    }
}
