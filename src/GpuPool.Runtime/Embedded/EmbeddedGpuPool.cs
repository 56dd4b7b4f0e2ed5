using System.Collections.Concurrent;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Models;

namespace GpuPool.Runtime.Embedded;

/// <summary>
/// The in-process pool: the runtime's lease table and model host behind <see cref="IGpuPool"/>. Needs
/// no server and no GPU. While the application lives, the pool renews the leases it handed out (the
/// embedded counterpart of the remote keep-alive), so a lease ends when it is released, revoked, or
/// — with keep-alive off — when its time-to-live lapses.
/// </summary>
internal sealed class EmbeddedGpuPool : IGpuPool, IDisposable, ILeaseEndObserver
{
    private readonly LeaseTable _leases;
    private readonly ModelHost _models;
    private readonly string _tenant;
    private readonly ConcurrentDictionary<string, LeaseEntry> _held = new(StringComparer.Ordinal);
    private readonly ITimer? _keepAlive;

    /// <summary>Creates the pool over a lease table and model host.</summary>
    /// <param name="leases">The lease table.</param>
    /// <param name="models">The model host.</param>
    /// <param name="keepAliveInterval">How often held leases are renewed; <see langword="null"/> never renews them.</param>
    /// <param name="tenant">The tenant the pool's leases are recorded under.</param>
    public EmbeddedGpuPool(LeaseTable leases, ModelHost models, TimeSpan? keepAliveInterval = null, string tenant = "")
    {
        ArgumentNullException.ThrowIfNull(leases);
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(tenant);
        _leases = leases;
        _models = models;
        _tenant = tenant;
        _leases.AddEndObserver(this);
        if (keepAliveInterval is { } interval)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
            _keepAlive = leases.TimeProvider.CreateTimer(static state => ((EmbeddedGpuPool)state!).RenewHeld(), this, interval, interval);
        }
    }

    /// <inheritdoc />
    public async ValueTask<GpuLease> LeaseAsync(SliceRequest request, CancellationToken cancellationToken = default)
    {
        var entry = await _leases.GrantAsync(request, _tenant, cancellationToken).ConfigureAwait(false);
        return Hold(entry);
    }

    /// <inheritdoc />
    public GpuLease? TryLease(SliceRequest request) =>
        _leases.TryGrant(request, _tenant) is { } entry ? Hold(entry) : null;

    /// <inheritdoc />
    public ValueTask<PoolInventory> GetInventoryAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_leases.GetInventory());

    /// <inheritdoc />
    public void Dispose()
    {
        _leases.RemoveEndObserver(this);
        _keepAlive?.Dispose();
    }

    /// <inheritdoc />
    LeaseEndStage ILeaseEndObserver.Stage => LeaseEndStage.KeepAlive;

    /// <inheritdoc />
    void ILeaseEndObserver.OnLeaseEnded(LeaseEntry lease) => _held.TryRemove(lease.Id, out _);

    private EmbeddedLease Hold(LeaseEntry entry)
    {
        if (_keepAlive is not null)
        {
            _held[entry.Id] = entry;
            if (!entry.IsActive)
            {
                _held.TryRemove(entry.Id, out _);
            }
        }

        return new EmbeddedLease(entry, _leases, _models);
    }

    private void RenewHeld()
    {
        var now = _leases.TimeProvider.GetUtcNow();
        foreach (var lease in _held.Values)
        {
            // Renew once half the time-to-live is gone: fewer journal writes, same safety margin.
            if (lease.ExpiresAt - now > lease.TimeToLive / 2)
            {
                continue;
            }

            try
            {
                _leases.Renew(lease);
            }
            catch (GpuPoolRejectedException)
            {
                // Lost meanwhile (its token has fired), or the journal refused: the next tick retries.
            }
        }
    }
}
