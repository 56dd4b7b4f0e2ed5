namespace GpuPool.Cluster.Store;

/// <summary>
/// A payload on the pool's channel, <c>kind:node[:lease]</c>; a batch of ends names its leases together,
/// <c>kind::lease lease …</c> (for a grant, <c>granted::{json}</c>). Every one but a
/// grant may mean capacity freed (waiting acquires try again); only some call for the nodes to reconcile their
/// leases with the database at once.
/// </summary>
/// <param name="Kind">One of the kinds below.</param>
/// <param name="Node">The node concerned (empty when none).</param>
/// <param name="LeaseId">The lease(s) concerned, for ends (space-separated); for a grant, its <see cref="LiveLeaseUsage"/> as JSON.</param>
internal readonly record struct PoolNotification(string Kind, string Node, string? LeaseId)
{
    /// <summary>A holder released a lease: whoever holds it here ends it, nothing to read back.</summary>
    public const string Released = "released";

    /// <summary>A grant committed by a batch (its lease, node, devices and usage): servers count it in their view of the pool.</summary>
    public const string Granted = "granted";

    /// <summary>A lease ended otherwise (revoked, expired), or a device resumed: every node reconciles.</summary>
    public const string Ended = "ended";

    /// <summary>The pool's queue granted waiters (they take their leases; no node reconciles).</summary>
    public const string Queue = "queue";

    /// <summary>A node joined with a new epoch.</summary>
    public const string Joined = "joined";

    /// <summary>Nodes were declared dead.</summary>
    public const string Dead = "dead";

    /// <summary>A server's barrier token (<see cref="Leasing.AnnouncementBarrier"/>): says nothing about the pool.</summary>
    public const string Sync = "sync";

    /// <summary>Whether the nodes should reconcile their leases with the database on this notification.</summary>
    public bool CallsForReconciling => Kind is not (Released or Queue or Granted or Sync);

    /// <summary>Whether capacity may have freed (waiting acquires try again).</summary>
    public bool MayFreeCapacity => Kind is not (Granted or Sync);

    /// <summary>The leases an end names (none for other kinds).</summary>
    public string[] EndedLeases => Kind is Released or Ended && !string.IsNullOrEmpty(LeaseId) ? LeaseId.Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];

    public static string Payload(string kind, string node) => kind + ":" + node;

    public static PoolNotification Parse(string payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var parts = payload.Split(':', 3);
        return new PoolNotification(parts[0], parts.Length > 1 ? parts[1] : "", parts.Length > 2 ? parts[2] : null);
    }
}
