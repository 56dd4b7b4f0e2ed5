using GpuPool.Runtime.Leasing;

namespace GpuPool.Server.Tests.Support;

/// <summary>
/// A lease journal that writes nothing and, while held, stops every lease end inside the server's
/// lease table: the way to keep a release "on its way" for as long as a test needs.
/// </summary>
internal sealed class GatedJournal : ILeaseJournal, IDisposable
{
    private readonly ManualResetEventSlim _open = new(initialState: true);
    private readonly SemaphoreSlim _entered = new(0);

    public void Hold() => _open.Reset();

    public void Open() => _open.Set();

    /// <summary>Completes when a lease end has reached the journal (and, while held, waits there).</summary>
    public Task EndReachedAsync() => _entered.WaitAsync(Signals.Ceiling);

    public void Granted(LeaseEntry lease)
    {
    }

    public void Renewed(LeaseEntry lease)
    {
    }

    public void Ended(LeaseEntry lease)
    {
        _entered.Release();
        if (!_open.Wait(Signals.Ceiling))
        {
            throw new TimeoutException("The test never opened the journal.");
        }
    }

    public void Dispose()
    {
        _open.Dispose();
        _entered.Dispose();
    }
}
