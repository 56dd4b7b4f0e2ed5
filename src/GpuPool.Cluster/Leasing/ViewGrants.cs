using GpuPool.Cluster.Nodes;
using GpuPool.Cluster.Store;
using GpuPool.Runtime.Placement;

namespace GpuPool.Cluster.Leasing;

/// <summary>
/// New grants placed on this server's <see cref="PoolView"/> (placement's first and next choice) and committed
/// with the other acquires of the moment in one call (<see cref="GroupCommit{TItem, TResult}"/> over
/// <see cref="GrantBatches"/>); the view is told what came of each.
/// </summary>
internal sealed class ViewGrants
{
    // Enough for every concurrent acquire of a busy server; keeps a batch's transaction (and its locks) short.
    private const int MaxBatch = 64;

    private readonly PoolView _view;
    private readonly LeaseGrants _grants;
    private readonly ClusterNode _node;
    private readonly GroupCommit<GrantPlan, GrantOutcome> _batches;

    public ViewGrants(PoolView view, GrantBatches batches, LeaseGrants grants, ClusterNode node)
    {
        ArgumentNullException.ThrowIfNull(batches);
        _view = view;
        _grants = grants;
        _node = node;
        _batches = new GroupCommit<GrantPlan, GrantOutcome>(plans => batches.GrantAsync(node.Registration, plans), MaxBatch);
    }

    /// <summary>How many calls carried this server's batched grants.</summary>
    public long Calls => _batches.Calls;

    /// <summary>The devices of the view's last full read (addresses and descriptors of other nodes' leases).</summary>
    public IReadOnlyList<PoolDevice> Devices => _view.Devices;

    /// <summary>
    /// The outcome of the grant, with the plan and when it was sent; null when nothing in the pool fits now;
    /// <see cref="ViewGrant.DependsOnTenant"/> when the request must be granted alone under its tenant's lock.
    /// </summary>
    public async Task<ViewGrant?> GrantAsync(SliceRequest request, PlacementRequest placement, string tenant, TimeSpan defaultTimeToLive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ClientRequestId is not null)
        {
            return ViewGrant.Tenant;
        }

        if (await _view.PlaceAsync(placement, cancellationToken).ConfigureAwait(false) is not { } reservation)
        {
            return null;
        }

        var plan = GrantPlan.For(request, placement, tenant, reservation.Decision, defaultTimeToLive) with { Alternative = reservation.Alternative };
        if (_grants.DependsOnTenant(plan))
        {
            _view.Cancel(reservation);
            return ViewGrant.Tenant;
        }

        var sent = _node.Time.GetUtcNow();
        GrantOutcome outcome;
        try
        {
            outcome = await _batches.SubmitAsync(plan).ConfigureAwait(false);
        }
        catch
        {
            _view.Cancel(reservation);
            throw;
        }

        if (outcome.Kind == GrantOutcomeKind.Granted)
        {
            _view.Confirm(reservation, outcome.Lease!);
        }
        else
        {
            _view.Cancel(reservation);
            if (outcome.Kind is GrantOutcomeKind.Conflict)
            {
                _view.Invalidate(); // the view missed what took the capacity: read it again before placing again
            }
        }

        return new ViewGrant(outcome, plan, sent);
    }

    /// <summary>A grant made alone (not announced): the view reads the pool again before its next placement.</summary>
    public void GrantedAlone() => _view.Invalidate();
}
