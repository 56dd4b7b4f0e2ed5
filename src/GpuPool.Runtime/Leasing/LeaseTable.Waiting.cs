using GpuPool.Runtime.Placement;

namespace GpuPool.Runtime.Leasing;

public sealed partial class LeaseTable
{
    private readonly SortedSet<Waiter> _waiters = new(WaiterOrder.Instance);
    private readonly int[] _waitingByPriority = new int[3];
    private long _arrivals;

    /// <summary>
    /// Grants a slice, waiting in the queue (priority, then arrival) while none is free. Ends with
    /// <see cref="LeaseTimeoutException"/> after the request's wait timeout, or
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires.
    /// </summary>
    public ValueTask<LeaseEntry> GrantAsync(SliceRequest request, string tenant = "", CancellationToken cancellationToken = default)
    {
        var placement = Prepare(request, tenant);
        cancellationToken.ThrowIfCancellationRequested();
        Waiter waiter;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (FindRetry(request, tenant) is { } existing)
            {
                return ValueTask.FromResult(existing);
            }

            CheckQuota(tenant, request, placement);
            if (!HasWaitersAtOrAbove(request.Priority) && GrantLocked(request, placement, tenant, TimeSpan.Zero) is { } granted)
            {
                return ValueTask.FromResult(granted);
            }

            if (request.WaitTimeout == TimeSpan.Zero)
            {
                _metrics.Rejected(tenant, "timeout");
                throw new LeaseTimeoutException("No slice is free and the request does not wait (WaitTimeout is zero).");
            }

            if (_waiters.Count >= _settings.MaxWaiters)
            {
                _metrics.Rejected(tenant, "queue_full");
                throw new CapacityExceededException($"{_waiters.Count} requests are already waiting for capacity.", TimeSpan.FromSeconds(1));
            }

            waiter = new Waiter(this, request, placement, tenant, ++_arrivals, _time.GetTimestamp());
            _waiters.Add(waiter);
            _waitingByPriority[(int)request.Priority]++;
        }

        waiter.Arm(request.WaitTimeout, cancellationToken);
        return new ValueTask<LeaseEntry>(waiter.Task);
    }

    /// <summary>Number of requests waiting for capacity.</summary>
    public int WaitingCount
    {
        get
        {
            lock (_lock)
            {
                return _waiters.Count;
            }
        }
    }

    private bool HasWaitersAtOrAbove(LeasePriority priority)
    {
        for (var p = (int)priority; p < _waitingByPriority.Length; p++)
        {
            if (_waitingByPriority[p] > 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Grants queued requests in order; a request that does not fit yet does not block smaller ones behind it.</summary>
    private void GrantWaitersLocked()
    {
        if (_waiters.Count == 0)
        {
            return;
        }

        List<Waiter>? granted = null;
        foreach (var waiter in _waiters)
        {
            if (_quotas is not null
                && _quotas.Check(waiter.Tenant, waiter.Request, waiter.Placement.MemoryBytes * waiter.Placement.DeviceCount, (long)waiter.Placement.Milli * waiter.Placement.DeviceCount, _usage.GetValueOrDefault(waiter.Tenant)) is not null)
            {
                continue;
            }

            LeaseEntry? entry;
            try
            {
                entry = GrantLocked(waiter.Request, waiter.Placement, waiter.Tenant, _time.GetElapsedTime(waiter.Enqueued));
            }
            catch (PoolUnavailableException ex)
            {
                (granted ??= []).Add(waiter);
                waiter.Fail(ex);
                continue;
            }

            if (entry is not null)
            {
                (granted ??= []).Add(waiter);
                waiter.Complete(entry);
            }
        }

        if (granted is not null)
        {
            foreach (var waiter in granted)
            {
                RemoveWaiterLocked(waiter);
            }
        }
    }

    private bool RemoveWaiterLocked(Waiter waiter)
    {
        if (!_waiters.Remove(waiter))
        {
            return false;
        }

        _waitingByPriority[(int)waiter.Request.Priority]--;
        return true;
    }

    private void AbandonWaiter(Waiter waiter, Exception error)
    {
        lock (_lock)
        {
            if (!RemoveWaiterLocked(waiter))
            {
                return;
            }

            // A high-priority waiter that gives up may unblock lower-priority ones.
            GrantWaitersLocked();
        }

        _metrics.Rejected(waiter.Tenant, error is OperationCanceledException ? "cancelled" : "timeout");
        waiter.Fail(error);
    }

    private sealed class Waiter(LeaseTable table, SliceRequest request, PlacementRequest placement, string tenant, long sequence, long enqueued)
    {
        private readonly LeaseTable _table = table;
        private readonly TaskCompletionSource<LeaseEntry> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private CancellationTokenRegistration _cancellation;
        private ITimer? _timeout;

        public SliceRequest Request { get; } = request;

        public PlacementRequest Placement { get; } = placement;

        public string Tenant { get; } = tenant;

        public long Sequence { get; } = sequence;

        public long Enqueued { get; } = enqueued;

        public Task<LeaseEntry> Task => _completion.Task;

        public void Arm(TimeSpan? timeout, CancellationToken cancellationToken)
        {
            if (timeout is { } delay)
            {
                _timeout = _table._time.CreateTimer(
                    static state =>
                    {
                        var self = (Waiter)state!;
                        self._table.AbandonWaiter(self, new LeaseTimeoutException($"No slice became free within {self.Request.WaitTimeout}.", TimeSpan.FromSeconds(1)));
                    },
                    this,
                    delay,
                    Timeout.InfiniteTimeSpan);
            }

            if (cancellationToken.CanBeCanceled)
            {
                _cancellation = cancellationToken.Register(
                    static (state, token) =>
                    {
                        var self = (Waiter)state!;
                        self._table.AbandonWaiter(self, new OperationCanceledException(token));
                    },
                    this);
            }

            // A grant may have completed the waiter before the timer and registration existed.
            if (_completion.Task.IsCompleted)
            {
                Disarm();
            }
        }

        public void Complete(LeaseEntry entry)
        {
            _completion.TrySetResult(entry);
            Disarm();
        }

        public void Fail(Exception error)
        {
            if (error is OperationCanceledException cancelled)
            {
                _completion.TrySetCanceled(cancelled.CancellationToken);
            }
            else
            {
                _completion.TrySetException(error);
            }

            Disarm();
        }

        private void Disarm()
        {
            _timeout?.Dispose();
            _cancellation.Unregister();
        }
    }

    private sealed class WaiterOrder : IComparer<Waiter>
    {
        public static readonly WaiterOrder Instance = new();

        public int Compare(Waiter? x, Waiter? y)
        {
            if (ReferenceEquals(x, y))
            {
                return 0;
            }

            var byPriority = y!.Request.Priority.CompareTo(x!.Request.Priority);
            return byPriority != 0 ? byPriority : x.Sequence.CompareTo(y.Sequence);
        }
    }
}
