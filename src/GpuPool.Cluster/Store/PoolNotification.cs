namespace GpuPool.Cluster.Store;

/// <summary>
/// The payloads on the pool's channel, <c>kind:node</c>. Every one may mean capacity freed (waiting acquires try
/// again); only some call for the nodes to reconcile their leases with the database at once.
/// </summary>
internal static class PoolNotification
{
    /// <summary>A holder released a lease: only its owner has anything to reconcile.</summary>
    public const string Released = "released";

    /// <summary>A lease ended otherwise (revoked, expired), or a device resumed: its owner ends it, handles elsewhere too.</summary>
    public const string Ended = "ended";

    /// <summary>The pool's queue granted waiters (they take their leases; no node reconciles).</summary>
    public const string Queue = "queue";

    /// <summary>A node joined with a new epoch.</summary>
    public const string Joined = "joined";

    /// <summary>Nodes were declared dead.</summary>
    public const string Dead = "dead";

    public static string Payload(string kind, string node) => kind + ":" + node;

    /// <summary>Whether a node should reconcile its leases on this payload.</summary>
    public static bool CallsForReconciling(string payload, string node)
    {
        var separator = payload.IndexOf(':', StringComparison.Ordinal);
        return separator < 0
            || !(payload.AsSpan(0, separator).SequenceEqual(Released) || payload.AsSpan(0, separator).SequenceEqual(Queue))
            || payload.AsSpan(separator + 1).SequenceEqual(node);
    }
}
