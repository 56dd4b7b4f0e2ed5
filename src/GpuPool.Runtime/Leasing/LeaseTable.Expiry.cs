namespace GpuPool.Runtime.Leasing;

public sealed partial class LeaseTable
{
    private readonly PriorityQueue<LeaseEntry, DateTimeOffset> _expiries = new();
    private readonly ITimer _expiryTimer;
    private DateTimeOffset _timerDue = DateTimeOffset.MaxValue;

    /// <summary>Reclaims every lease whose time-to-live has passed. The table's timer calls this; tests and tools may too.</summary>
    public int ReclaimExpired()
    {
        List<LeaseEntry>? expired = null;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            while (_expiries.TryPeek(out var lease, out var due) && due <= now)
            {
                _expiries.Dequeue();
                if (!lease.IsActive)
                {
                    continue;
                }

                if (lease.ExpiresAt > now)
                {
                    // Renewed since: its current expiry has an entry of its own.
                    continue;
                }

                if (EndLocked(lease, LeaseLostReason.Expired))
                {
                    (expired ??= []).Add(lease);
                }
            }

            if (expired is not null)
            {
                GrantWaitersLocked();
            }

            _timerDue = DateTimeOffset.MaxValue;
            RearmLocked(now);
        }

        if (expired is null)
        {
            return 0;
        }

        foreach (var lease in expired)
        {
            AfterEnded(lease);
        }

        return expired.Count;
    }

    private void ScheduleExpiryLocked(LeaseEntry lease)
    {
        // Every grant and renewal queues the lease at its new expiry; stale entries are skipped when
        // they come due, and the queue is rebuilt when they pile up.
        if (_expiries.Count > (2 * _leases.Count) + 64)
        {
            CompactExpiriesLocked();
            return;
        }

        _expiries.Enqueue(lease, lease.ExpiresAt);
        RearmLocked(_time.GetUtcNow());
    }

    private void CompactExpiriesLocked()
    {
        _expiries.Clear();
        foreach (var lease in _leases.Values)
        {
            _expiries.Enqueue(lease, lease.ExpiresAt);
        }

        RearmLocked(_time.GetUtcNow());
    }

    private void RearmLocked(DateTimeOffset now)
    {
        if (!_expiries.TryPeek(out _, out var due) || due >= _timerDue || _disposed)
        {
            return;
        }

        _timerDue = due;
        var delay = due - now;
        _expiryTimer.Change(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private void OnExpiryTimer() => ReclaimExpired();
}
