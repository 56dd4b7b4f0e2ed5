using System.Data.Common;
using GpuPool.Cluster.Nodes;

namespace GpuPool.Cluster.Store;

/// <summary>Reads a grant function's row (<c>outcome, fencing_token, granted_at, expires_at, memory_bytes, node_epoch</c>) into its outcome.</summary>
internal static class GrantRows
{
    /// <summary>The outcome in the row's columns from <paramref name="first"/> on, for the grant of <paramref name="plan"/>.</summary>
    public static GrantOutcome Read(DbDataReader reader, int first, NodeRegistration writer, GrantPlan plan, string? waiterId) => reader.GetInt32(first) switch
    {
        0 => new GrantOutcome(GrantOutcomeKind.Granted, Granted(plan, reader.GetInt64(first + 1), reader.GetFieldValue<DateTimeOffset>(first + 2), reader.GetFieldValue<DateTimeOffset>(first + 3), reader.GetInt64(first + 4), reader.GetInt64(first + 5))),
        1 => new GrantOutcome(GrantOutcomeKind.WriterFenced, Message: $"Node {writer.NodeId} epoch {writer.Epoch} is no longer current."),
        2 => new GrantOutcome(GrantOutcomeKind.Conflict, Message: $"Node {plan.NodeId} is not alive."),
        4 => new GrantOutcome(GrantOutcomeKind.Busy, Message: $"Another grant holds a device chosen on {plan.NodeId}."),
        5 => new GrantOutcome(GrantOutcomeKind.Yielded, Message: "A waiter of this priority or above is queued in the pool."),
        6 => new GrantOutcome(GrantOutcomeKind.WaiterGone, Message: $"Waiter {waiterId} has left the queue."),
        7 => new GrantOutcome(GrantOutcomeKind.Conflict, Message: $"Node {plan.NodeId} no longer has the CPU or host memory the request asks for."),
        _ => new GrantOutcome(GrantOutcomeKind.Conflict, Message: $"The devices chosen on {plan.NodeId} no longer hold the request."),
    };

    private static ClusterLease Granted(GrantPlan plan, long fencingToken, DateTimeOffset grantedAt, DateTimeOffset expiresAt, long memory, long nodeEpoch) => new()
    {
        LeaseId = plan.LeaseId,
        Tenant = plan.Tenant,
        NodeId = plan.NodeId,
        NodeEpoch = nodeEpoch,
        NodeAddress = "",
        DeviceIds = plan.DeviceIds,
        MemoryBytes = memory,
        Milli = plan.Milli,
        CpuMilli = plan.Request.CpuMilli,
        HostMemoryBytes = plan.Request.HostMemoryBytes,
        Priority = (int)plan.Request.Priority,
        TimeToLive = plan.TimeToLive,
        FencingToken = fencingToken,
        GrantedAt = grantedAt,
        ExpiresAt = expiresAt,
        ClientRequestId = plan.Request.ClientRequestId,
        WholeDevices = plan.WholeDevices,
        Isolation = plan.Request.Isolation,
        HardCap = plan.Request.HardCap,
        IsLive = true,
    };
}
