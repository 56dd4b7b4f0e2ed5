using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Models;

namespace GpuPool.Runtime.Scheduling;

/// <summary>
/// The scheduler of one device: a bounded set of run slots shared by the leases on the device.
/// </summary>
/// <remarks>
/// Each lease has a share bucket that fills at <c>share × slots</c> seconds of device time per second
/// (so the buckets of all leases fill exactly as fast as the device can execute) and drains by the
/// measured execution time of its runs, bounded by ± the burst window. A free slot goes to
/// <list type="number">
/// <item>a lease with a positive bucket (it is owed its share), High priority first, then the one with the
/// least virtual time (execution time / share);</item>
/// <item>otherwise, if no hard cap forbids it, a lease that borrows idle capacity: High and Normal before
/// Low (opportunistic leases lose borrowed capacity first), then least virtual time.</item>
/// </list>
/// A hard-capped lease runs only while its bucket is positive, so it never exceeds its share; a timer on
/// the injected <see cref="TimeProvider"/> wakes the queue when its bucket refills.
/// </remarks>
internal sealed partial class DeviceQueue : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LeaseFlow> _flows = new(StringComparer.Ordinal);
    private readonly FairSchedulerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILeaseStreamProvider? _streams;
    private readonly ITimer _wakeTimer;
    private int _running;
    private int _runningOthers;
    private int _queued;
    private long _sequence;
    private long _lastHighActivity = long.MinValue;
    private bool _wakeArmed;
    private double _deviceEstimateSeconds = 0.001;
    private LeaseFlow? _lastFlow; // the flow of the last run's lease: a lease that runs again finds it without a lookup

    public DeviceQueue(DeviceDescriptor device, FairSchedulerOptions options, TimeProvider time, ILeaseStreamProvider? streams)
    {
        Device = device;
        _options = options;
        _time = time;
        _streams = streams;
        Slots = options.ConcurrentRunsFor(device);
        // CPU threads for each run: the CPU's cores divided among the slots; on a real GPU, where ComputeUnits
        // counts multiprocessors, the host's cores (for operators that fall back to the CPU).
        var cores = device.Kind == DeviceKind.Cpu || device.IsSimulated ? device.ComputeUnits : Environment.ProcessorCount;
        ThreadsPerRun = Math.Max(1, Math.Max(1, cores) / Slots);
        _wakeTimer = time.CreateTimer(static state => ((DeviceQueue)state!).OnWake(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public DeviceDescriptor Device { get; }

    /// <summary>Runs that may execute at once.</summary>
    public int Slots { get; }

    /// <summary>CPU threads each run gets: the device's cores divided among the slots.</summary>
    public int ThreadsPerRun { get; }

    /// <summary>
    /// Admits a run of <paramref name="lease"/> at once when the device has a free slot, nobody is waiting and the
    /// rules let this lease take it (the choice <see cref="Dispatch"/> would make with this run alone in the queue),
    /// so that it runs on the caller's thread without queueing anything. <paramref name="now"/> is the decision clock's
    /// time of the admission.
    /// </summary>
    public bool TryEnterNow(LeaseEntry lease, out RunAdmission admission, out long now)
    {
        lock (_lock)
        {
            admission = default;
            now = 0;
            if (_queued > 0 || _running >= Slots)
            {
                return false;
            }

            now = _time.GetTimestamp();
            var flow = Arrive(lease, now);
            RemoveEndedFlows();
            if (Eligibility(flow, IsHighReserved(now), now) < 0)
            {
                return false;
            }

            admission = Admit(flow, now);
            return true;
        }
    }

    /// <summary>Queues a run and completes when a slot is granted, or is cancelled by <paramref name="cancellationToken"/> or the loss of the lease.</summary>
    public ValueTask<RunAdmission> EnterAsync(LeaseEntry lease, CancellationToken cancellationToken)
    {
        PendingRun pending;
        List<(PendingRun Run, RunAdmission Admission)>? admitted;
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            var flow = Arrive(lease, now);
            if (flow.Queue.Count >= _options.MaxQueuedPerLease || _queued >= _options.MaxQueuedPerDevice)
            {
                throw Rejection(flow);
            }

            pending = new PendingRun(flow, ++_sequence);
            flow.Queue.AddLast(pending);
            _queued++;
            admitted = Dispatch();
        }

        Complete(admitted);
        if (!pending.Admitted.Task.IsCompleted)
        {
            // A run waiting for a slot ends when its caller gives up or when its lease is lost.
            pending.Registration = Watch(pending, cancellationToken);
            pending.LostRegistration = Watch(pending, lease.LostToken);

            // Admitted by another thread meanwhile: nothing left to cancel.
            if (pending.Admitted.Task.IsCompleted)
            {
                pending.Registration.Dispose();
                pending.LostRegistration.Dispose();
            }
        }

        return new ValueTask<RunAdmission>(pending.Admitted.Task);
    }

    /// <summary>
    /// Ends a run that executed for <paramref name="measured"/>, charging it to its lease; <paramref name="now"/> is
    /// the decision clock's time when the caller has read it already (<see langword="null"/>: read here).
    /// </summary>
    public void Exit(RunAdmission admission, TimeSpan measured, long? now)
    {
        List<(PendingRun Run, RunAdmission Admission)>? admitted;
        lock (_lock)
        {
            var flow = admission.Flow;
            var seconds = measured.TotalSeconds;
            _running--;
            if (flow.Priority != LeasePriority.High)
            {
                _runningOthers--;
            }

            flow.Running--;
            Charge(flow, seconds - admission.ChargedSeconds, now ?? _time.GetTimestamp());
            flow.Executed += measured;
            flow.Runs++;
            flow.EstimateSeconds = (flow.EstimateSeconds * 0.8) + (seconds * 0.2);
            _deviceEstimateSeconds = (_deviceEstimateSeconds * 0.9) + (seconds * 0.1);

            // Nobody waiting: nothing to choose (ended flows go at the next arrival).
            admitted = _queued > 0 ? Dispatch() : null;
        }

        Complete(admitted);
    }

    public IReadOnlyList<LeaseUsage> Usage()
    {
        lock (_lock)
        {
            return [.. _flows.Values.Select(f => f.ToUsage())];
        }
    }

    public LeaseUsage? UsageOf(string leaseId)
    {
        lock (_lock)
        {
            return _flows.TryGetValue(leaseId, out var flow) ? flow.ToUsage() : null;
        }
    }

    public void Dispose() => _wakeTimer.Dispose();

    private static void Complete(List<(PendingRun Run, RunAdmission Admission)>? admitted)
    {
        if (admitted is null)
        {
            return;
        }

        foreach (var (run, admission) in admitted)
        {
            run.Registration.Dispose();
            run.LostRegistration.Dispose();
            run.Admitted.TrySetResult(admission);
        }
    }

    private void Cancel(PendingRun pending, CancellationToken token)
    {
        List<(PendingRun Run, RunAdmission Admission)>? admitted = null;
        var removed = false;
        lock (_lock)
        {
            if (pending.Admitted.Task.IsCompleted)
            {
                return;
            }

            var node = pending.Flow.Queue.Find(pending);
            if (node is not null)
            {
                pending.Flow.Queue.Remove(node);
                _queued--;
                removed = true;

                // Removing a run can unblock others (for example a hard cap timer no longer needed).
                admitted = Dispatch();
            }
        }

        if (removed)
        {
            // The other token's registration goes too (the lease's may outlive many cancelled runs).
            pending.Registration.Unregister();
            pending.LostRegistration.Unregister();
            pending.Admitted.TrySetCanceled(token);
        }

        Complete(admitted);
    }

    private void OnWake()
    {
        List<(PendingRun Run, RunAdmission Admission)>? admitted;
        lock (_lock)
        {
            admitted = Dispatch();
        }

        Complete(admitted);
    }

    private CapacityExceededException Rejection(LeaseFlow flow)
    {
        var ahead = Math.Max(flow.Queue.Count, _queued / Math.Max(1, _flows.Count));
        var retry = TimeSpan.FromSeconds(Math.Max(0.001, _deviceEstimateSeconds * (ahead + 1) / Slots));
        return new CapacityExceededException(
            $"Device {Device.Id} has {_queued} run(s) waiting ({flow.Queue.Count} of lease {flow.Id}; limits {_options.MaxQueuedPerLease} per lease, {_options.MaxQueuedPerDevice} per device). Retry after {retry.TotalMilliseconds:0.#} ms.",
            retry);
    }

    private CancellationTokenRegistration Watch(PendingRun pending, CancellationToken token) =>
        token.CanBeCanceled
            ? token.Register(static (state, token) => ((DeviceQueue)((object[])state!)[0]).Cancel((PendingRun)((object[])state!)[1], token), new object[] { this, pending })
            : default;

    /// <summary>The lease's flow on this device, created at its first run; an idle flow re-enters at the current virtual time.</summary>
    private LeaseFlow Arrive(LeaseEntry lease, long now)
    {
        var flow = _lastFlow;
        if (flow is null || !ReferenceEquals(flow.Lease, lease))
        {
            if (!_flows.TryGetValue(lease.Id, out flow))
            {
                flow = new LeaseFlow(lease, now);
                _flows.Add(lease.Id, flow);
            }

            _lastFlow = flow;
        }

        if (!flow.IsBacklogged)
        {
            // A lease that was idle re-enters at the current virtual time, so it cannot claim the
            // time it did not use; its bucket still holds what it saved (up to the burst window).
            flow.VirtualTime = Math.Max(flow.VirtualTime, MinBackloggedVirtualTime());
        }

        if (flow.Priority == LeasePriority.High)
        {
            _lastHighActivity = now;
        }

        return flow;
    }

    private RunContext ContextFor(LeaseFlow flow) => new(ThreadsPerRun, _streams?.StreamFor(flow.Lease) ?? 0);
}
