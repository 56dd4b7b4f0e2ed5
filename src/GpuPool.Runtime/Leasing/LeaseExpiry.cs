namespace GpuPool.Runtime.Leasing;

/// <summary>
/// When each lease expires, and one timer on the injected <see cref="TimeProvider"/> armed for the
/// earliest. Every grant and renewal queues the lease at its new expiry; stale entries are skipped when
/// they come due, and the queue is rebuilt when they pile up. Not thread-safe: <see cref="LeaseTable"/>
/// calls it under its lock (the timer's callback takes that lock itself).
/// </summary>
internal sealed class LeaseExpiry : IDisposable
{
    private readonly PriorityQueue<LeaseEntry, DateTimeOffset> _expiries = new();
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private DateTimeOffset _timerDue = DateTimeOffset.MaxValue;
    private bool _stopped;

    /// <param name="time">The clock.</param>
    /// <param name="onDue">What the timer calls when the earliest expiry comes due.</param>
    public LeaseExpiry(TimeProvider time, Action onDue)
    {
        _time = time;
        _timer = time.CreateTimer(static state => ((Action)state!)(), onDue, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Queues <paramref name="lease"/> at its current expiry; <paramref name="live"/> are every live lease.</summary>
    public void Schedule(LeaseEntry lease, IReadOnlyCollection<LeaseEntry> live)
    {
        if (_expiries.Count > (2 * live.Count) + 64)
        {
            _expiries.Clear();
            foreach (var each in live)
            {
                _expiries.Enqueue(each, each.ExpiresAt);
            }
        }
        else
        {
            _expiries.Enqueue(lease, lease.ExpiresAt);
        }

        Rearm(_time.GetUtcNow());
    }

    /// <summary>Takes out every live lease whose expiry has passed at <paramref name="now"/>.</summary>
    public List<LeaseEntry>? TakeDue(DateTimeOffset now)
    {
        List<LeaseEntry>? due = null;
        while (_expiries.TryPeek(out var lease, out var at) && at <= now)
        {
            _expiries.Dequeue();

            // Ended meanwhile, or renewed since (its current expiry has an entry of its own).
            if (lease.IsActive && lease.ExpiresAt <= now)
            {
                (due ??= []).Add(lease);
            }
        }

        return due;
    }

    /// <summary>Arms the timer for the earliest expiry still queued (after the timer fired).</summary>
    public void Reset(DateTimeOffset now)
    {
        _timerDue = DateTimeOffset.MaxValue;
        Rearm(now);
    }

    /// <summary>Stops the timer for good.</summary>
    public void Dispose()
    {
        _stopped = true;
        _timer.Dispose();
    }

    private void Rearm(DateTimeOffset now)
    {
        if (!_expiries.TryPeek(out _, out var due) || due >= _timerDue || _stopped)
        {
            return;
        }

        _timerDue = due;
        var delay = due - now;
        _timer.Change(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }
}
