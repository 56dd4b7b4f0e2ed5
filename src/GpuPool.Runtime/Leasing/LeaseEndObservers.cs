using Microsoft.Extensions.Logging;

namespace GpuPool.Runtime.Leasing;

/// <summary>
/// The lease-end observers, kept in <see cref="LeaseEndStage"/> order (registration order within a
/// stage). Registering an observer twice keeps one; one that throws is logged and the rest still run.
/// </summary>
internal sealed class LeaseEndObservers(ILogger logger)
{
    private readonly Lock _lock = new();
    private ILeaseEndObserver[] _observers = [];

    public void Add(ILeaseEndObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        lock (_lock)
        {
            if (_observers.Contains(observer))
            {
                return;
            }

            var at = 0;
            while (at < _observers.Length && _observers[at].Stage <= observer.Stage)
            {
                at++;
            }

            _observers = [.. _observers[..at], observer, .. _observers[at..]];
        }
    }

    public void Remove(ILeaseEndObserver observer)
    {
        lock (_lock)
        {
            _observers = [.. _observers.Where(o => !ReferenceEquals(o, observer))];
        }
    }

    public void Notify(LeaseEntry lease)
    {
        foreach (var observer in Volatile.Read(ref _observers))
        {
            try
            {
                observer.OnLeaseEnded(lease);
            }
            catch (Exception ex)
            {
                LeaseLog.EndObserverFailed(logger, observer.GetType().Name, observer.Stage, lease.Id, ex);
            }
        }
    }
}
