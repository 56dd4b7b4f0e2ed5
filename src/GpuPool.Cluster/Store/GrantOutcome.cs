namespace GpuPool.Cluster.Store;

/// <summary>How a grant's transaction ended.</summary>
internal enum GrantOutcomeKind
{
    /// <summary>Committed: the lease row exists.</summary>
    Granted,

    /// <summary>An earlier try of the same client request holds a live lease: that one is the answer.</summary>
    Existing,

    /// <summary>The capacity placement chose is gone (another server took it, the node died or drains): place again.</summary>
    Conflict,

    /// <summary>Another grant holds one of the chosen devices right now (asked not to wait for it): place again without it.</summary>
    Busy,

    /// <summary>A waiter of the request's priority or above is queued in the pool: a new request does not overtake it.</summary>
    Yielded,

    /// <summary>The queued waiter the grant was for has left the queue.</summary>
    WaiterGone,

    /// <summary>The tenant's pool-wide quota refuses it.</summary>
    QuotaRefused,

    /// <summary>The writing server's epoch is no longer current: it may not grant.</summary>
    WriterFenced,
}

/// <summary>The end of a grant's transaction, with the lease (granted or existing) or the refusal.</summary>
internal sealed record GrantOutcome(GrantOutcomeKind Kind, ClusterLease? Lease = null, string? Message = null);
