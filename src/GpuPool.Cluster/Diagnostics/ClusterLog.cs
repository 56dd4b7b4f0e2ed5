using Microsoft.Extensions.Logging;

namespace GpuPool.Cluster.Diagnostics;

/// <summary>The cluster's log messages; EventIds 6000–6099.</summary>
internal static partial class ClusterLog
{
    [LoggerMessage(EventId = 6000, EventName = "SchemaMigrated", Level = LogLevel.Information, Message = "Cluster schema migrated from version {From} to {To}")]
    public static partial void SchemaMigrated(ILogger logger, int from, int to);

    [LoggerMessage(EventId = 6001, EventName = "NodeRegistered", Level = LogLevel.Information, Message = "Node {NodeId} joined the pool at {Address} with epoch {Epoch} and {DeviceCount} device(s); {Ended} lease(s) of its earlier epochs ended")]
    public static partial void NodeRegistered(ILogger logger, string nodeId, string address, long epoch, int deviceCount, int ended);

    [LoggerMessage(EventId = 6002, EventName = "NodeFenced", Level = LogLevel.Warning, Message = "Node {NodeId} epoch {Epoch} is no longer current (declared dead or replaced): its {LeaseCount} local lease(s) end; it joins again with a new epoch")]
    public static partial void NodeFenced(ILogger logger, string nodeId, long epoch, int leaseCount);

    [LoggerMessage(EventId = 6003, EventName = "NodesDeclaredDead", Level = LogLevel.Warning, Message = "Node(s) {NodeIds} silent past the grace of {Grace}: declared dead, {LeaseCount} lease(s) ended as lost")]
    public static partial void NodesDeclaredDead(ILogger logger, string nodeIds, TimeSpan grace, int leaseCount);

    [LoggerMessage(EventId = 6004, EventName = "HeartbeatFailed", Level = LogLevel.Warning, Message = "Node {NodeId} could not reach the cluster database; its leases stay served until {ServeUntil:O}")]
    public static partial void HeartbeatFailed(ILogger logger, string nodeId, DateTimeOffset serveUntil, Exception exception);

    [LoggerMessage(EventId = 6005, EventName = "LeaseAdopted", Level = LogLevel.Debug, Message = "Node {NodeId} adopted lease {LeaseId} (fencing token {FencingToken})")]
    public static partial void LeaseAdopted(ILogger logger, string nodeId, string leaseId, long fencingToken);

    [LoggerMessage(EventId = 6006, EventName = "LeaseNotAdopted", Level = LogLevel.Warning, Message = "Node {NodeId} could not place lease {LeaseId} on its devices {DeviceIds}")]
    public static partial void LeaseNotAdopted(ILogger logger, string nodeId, string leaseId, string deviceIds);

    [LoggerMessage(EventId = 6007, EventName = "NotificationsFailed", Level = LogLevel.Debug, Message = "Listening for cluster notifications failed; heartbeats keep the node in step meanwhile")]
    public static partial void NotificationsFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6008, EventName = "GrantConflict", Level = LogLevel.Debug, Message = "Another server took the capacity chosen on {NodeId}; placing again (try {Attempt})")]
    public static partial void GrantConflict(ILogger logger, string nodeId, int attempt);

    [LoggerMessage(EventId = 6010, EventName = "GrantUnavailable", Level = LogLevel.Warning, Message = "A grant could not reach the cluster database; the caller is told to retry")]
    public static partial void GrantUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6009, EventName = "DatabaseBack", Level = LogLevel.Information, Message = "Node {NodeId} reaches the cluster database again")]
    public static partial void DatabaseBack(ILogger logger, string nodeId);

    [LoggerMessage(EventId = 6011, EventName = "QueueServed", Level = LogLevel.Debug, Message = "The pool's queue granted {Granted} of {Waiting} waiters")]
    public static partial void QueueServed(ILogger logger, int granted, int waiting);

    [LoggerMessage(EventId = 6012, EventName = "QueueDispatchFailed", Level = LogLevel.Debug, Message = "Serving the pool's queue failed; its waiters try again")]
    public static partial void QueueDispatchFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6013, EventName = "EndedLeasesPurged", Level = LogLevel.Debug, Message = "Deleted {Count} leases that ended more than {Retention} ago")]
    public static partial void EndedLeasesPurged(ILogger logger, int count, TimeSpan retention);
}
