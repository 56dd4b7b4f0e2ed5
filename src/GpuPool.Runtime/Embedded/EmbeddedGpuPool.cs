using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Models;

namespace GpuPool.Runtime.Embedded;

/// <summary>The in-process pool: the runtime's lease table and model host behind <see cref="IGpuPool"/>. Needs no server and no GPU.</summary>
public sealed class EmbeddedGpuPool : IGpuPool
{
    private readonly LeaseTable _leases;
    private readonly ModelHost _models;
    private readonly string _tenant;

    /// <summary>Creates the pool over a lease table and model host.</summary>
    public EmbeddedGpuPool(LeaseTable leases, ModelHost models, string tenant = "")
    {
        ArgumentNullException.ThrowIfNull(leases);
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(tenant);
        _leases = leases;
        _models = models;
        _tenant = tenant;
    }

    /// <inheritdoc />
    public async ValueTask<GpuLease> LeaseAsync(SliceRequest request, CancellationToken cancellationToken = default)
    {
        var entry = await _leases.GrantAsync(request, _tenant, cancellationToken).ConfigureAwait(false);
        return new EmbeddedLease(entry, _leases, _models);
    }

    /// <inheritdoc />
    public GpuLease? TryLease(SliceRequest request) =>
        _leases.TryGrant(request, _tenant) is { } entry ? new EmbeddedLease(entry, _leases, _models) : null;

    /// <inheritdoc />
    public ValueTask<PoolInventory> GetInventoryAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_leases.GetInventory());
}
