using GpuPool.Runtime.Diagnostics;
using GpuPool.Runtime.Placement;

namespace GpuPool.Runtime.Leasing;

/// <summary>
/// Requests waiting for capacity, ordered by priority then arrival. A request never overtakes a waiter
/// of its priority or above; when capacity frees, waiters are granted in order, and one that does not
/// fit yet does not block smaller ones behind it. Not thread-safe: <see cref="LeaseTable"/> calls it
/// under its lock.
/// </summary>
internal sealed class LeaseWaitQueue(int maxWaiters, TimeProvider time, RuntimeMetrics metrics)
{
    private readonly SortedSet<LeaseWaiter> _waiters = new(LeaseWaiterOrder.Instance);
    private readonly int[] _waitingByPriority = new int[3];
    private long _arrivals;

    public int Count => _waiters.Count;

    public bool HasWaitersAtOrAbove(LeasePriority priority)
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

    /// <summary>Queues a request; <paramref name="abandon"/> runs when it times out or is cancelled.</summary>
    /// <exception cref="CapacityExceededException">The queue is full.</exception>
    public LeaseWaiter Enqueue(SliceRequest request, in PlacementRequest placement, string tenant, Action<LeaseWaiter, Exception> abandon)
    {
        if (_waiters.Count >= maxWaiters)
        {
            metrics.Rejected(tenant, "queue_full");
            throw new CapacityExceededException($"{_waiters.Count} requests are already waiting for capacity.", TimeSpan.FromSeconds(1));
        }

        var waiter = new LeaseWaiter(request, placement, tenant, ++_arrivals, time, abandon);
        _waiters.Add(waiter);
        _waitingByPriority[(int)request.Priority]++;
        return waiter;
    }

    /// <summary>
    /// Offers every waiter, in order, to <paramref name="grant"/> (which returns <see langword="null"/> when
    /// it cannot be granted yet); granted waiters complete and leave the queue, and so do those whose grant
    /// the journal refused.
    /// </summary>
    public void GrantInOrder(Func<LeaseWaiter, LeaseEntry?> grant)
    {
        if (_waiters.Count == 0)
        {
            return;
        }

        List<LeaseWaiter>? done = null;
        foreach (var waiter in _waiters)
        {
            LeaseEntry? entry;
            try
            {
                entry = grant(waiter);
            }
            catch (PoolUnavailableException ex)
            {
                (done ??= []).Add(waiter);
                waiter.Fail(ex);
                continue;
            }

            if (entry is not null)
            {
                (done ??= []).Add(waiter);
                waiter.Complete(entry);
            }
        }

        if (done is not null)
        {
            foreach (var waiter in done)
            {
                Remove(waiter);
            }
        }
    }

    /// <summary>Takes a waiter out; <see langword="false"/> when it had already left.</summary>
    public bool Remove(LeaseWaiter waiter)
    {
        if (!_waiters.Remove(waiter))
        {
            return false;
        }

        _waitingByPriority[(int)waiter.Request.Priority]--;
        return true;
    }

    /// <summary>Empties the queue and returns who was waiting.</summary>
    public List<LeaseWaiter> TakeAll()
    {
        List<LeaseWaiter> waiters = [.. _waiters];
        _waiters.Clear();
        Array.Clear(_waitingByPriority);
        return waiters;
    }
}
