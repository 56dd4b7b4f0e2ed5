using GpuPool.Dashboard.Pools;
using Microsoft.Extensions.Logging;

namespace GpuPool.Dashboard.Diagnostics;

/// <summary>The dashboard's log events: EventIds 9000–9099 belong to GpuPool.Dashboard.</summary>
internal static partial class DashboardLog
{
    [LoggerMessage(EventId = 9000, EventName = "DashboardStarted", Level = LogLevel.Information, Message = "GpuPool dashboard started over {PoolCount} pool(s)")]
    public static partial void Started(ILogger logger, int poolCount);

    [LoggerMessage(EventId = 9001, EventName = "PoolStatusChanged", Level = LogLevel.Warning, Message = "Pool {Pool} is now {Status} {Problem}")]
    public static partial void PoolStatusChanged(ILogger logger, string pool, PoolStatus status, string problem);

    [LoggerMessage(EventId = 9010, EventName = "SignedIn", Level = LogLevel.Information, Message = "Operator signed in from {RemoteAddress}, admin on {PoolCount} pool(s)")]
    public static partial void SignedIn(ILogger logger, string remoteAddress, int poolCount);

    [LoggerMessage(EventId = 9011, EventName = "SignInRefused", Level = LogLevel.Warning, Message = "Sign-in refused from {RemoteAddress}: {Reason}")]
    public static partial void SignInRefused(ILogger logger, string remoteAddress, string reason);

    [LoggerMessage(EventId = 9012, EventName = "SignedOut", Level = LogLevel.Information, Message = "Operator {Operator} signed out")]
    public static partial void SignedOut(ILogger logger, string @operator);

    [LoggerMessage(EventId = 9020, EventName = "ActionDone", Level = LogLevel.Information, Message = "Audit: operator {Operator} did {Action} {Target} on pool {Pool}: {Outcome}")]
    public static partial void ActionDone(ILogger logger, string @operator, string action, string target, string pool, string outcome);
}
