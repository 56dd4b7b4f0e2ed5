using GpuPool.Server.Errors;
using Microsoft.Extensions.Logging;

namespace GpuPool.Server.Diagnostics;

/// <summary>Every log message of GpuPool.Server; event ids 2000-2999. API keys are never logged.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(EventId = 2000, EventName = "ServerStarted", Level = LogLevel.Information, Message = "GpuPool server {Instance} started with {DeviceCount} device(s); {TenantCount} tenant(s) configured")]
    public static partial void ServerStarted(ILogger logger, string instance, int deviceCount, int tenantCount);

    [LoggerMessage(EventId = 2001, EventName = "OpenMode", Level = LogLevel.Warning, Message = "No tenants are configured: every caller is tenant '{Tenant}' without an API key. Configure GpuPoolServer:Tenants for anything but development")]
    public static partial void OpenMode(ILogger logger, string tenant);

    [LoggerMessage(EventId = 2002, EventName = "UnixSocket", Level = LogLevel.Information, Message = "Listening on Unix socket {Path}")]
    public static partial void UnixSocket(ILogger logger, string path);

    [LoggerMessage(EventId = 2010, EventName = "AuthenticationFailed", Level = LogLevel.Warning, Message = "Call {Method} rejected: {Reason} (peer {Peer})")]
    public static partial void AuthenticationFailed(ILogger logger, string method, string reason, string peer);

    [LoggerMessage(EventId = 2020, EventName = "CallRejected", Level = LogLevel.Debug, Message = "Call {Method} by tenant {Tenant} rejected with {Code} ({Kind})")]
    public static partial void CallRejected(ILogger logger, string method, string tenant, Grpc.Core.StatusCode code, string kind);

    [LoggerMessage(EventId = 2021, EventName = "CallFailed", Level = LogLevel.Error, Message = "Call {Method} by tenant {Tenant} failed")]
    public static partial void CallFailed(ILogger logger, string method, string tenant, Exception exception);

    [LoggerMessage(EventId = 2030, EventName = "SessionOpened", Level = LogLevel.Debug, Message = "Session of tenant {Tenant} opened (peer {Peer})")]
    public static partial void SessionOpened(ILogger logger, string tenant, string peer);

    [LoggerMessage(EventId = 2031, EventName = "SessionClosed", Level = LogLevel.Debug, Message = "Session of tenant {Tenant} closed; {LeaseCount} lease(s) now expire unless another session renews them")]
    public static partial void SessionClosed(ILogger logger, string tenant, int leaseCount);

    [LoggerMessage(EventId = 2040, EventName = "ModelUploaded", Level = LogLevel.Information, Message = "Tenant {Tenant} uploaded model {ContentHash} ({Bytes} bytes)")]
    public static partial void ModelUploaded(ILogger logger, string tenant, string contentHash, long bytes);

    [LoggerMessage(EventId = 2041, EventName = "ModelReused", Level = LogLevel.Debug, Message = "Tenant {Tenant} loaded model {ContentHash} from the store without an upload")]
    public static partial void ModelReused(ILogger logger, string tenant, string contentHash);

    // Admin audit (2050-2059): every admin call that passed the role check, whatever its outcome. Client
    // strings arrive scrubbed (Errors/ClientText).
    [LoggerMessage(EventId = 2050, EventName = "LeaseRevoked", Level = LogLevel.Information, Message = "Admin tenant {Admin} revoked lease {LeaseId}: {Outcome}")]
    public static partial void LeaseRevoked(ILogger logger, string admin, ClientValue leaseId, string outcome);

    [LoggerMessage(EventId = 2051, EventName = "DeviceDrainSet", Level = LogLevel.Information, Message = "Admin tenant {Admin} set draining={Draining} on {Node}/{DeviceId} (device found: {Found})")]
    public static partial void DeviceDrainSet(ILogger logger, string admin, ClientValue node, ClientValue deviceId, bool draining, bool found);

    [LoggerMessage(EventId = 2052, EventName = "AdminLeasesListed", Level = LogLevel.Information, Message = "Admin tenant {Admin} listed the leases of tenant {Tenant}: {Count} lease(s)")]
    public static partial void AdminLeasesListed(ILogger logger, string admin, ClientValue tenant, int count);

    [LoggerMessage(EventId = 2053, EventName = "AdminInventoryRead", Level = LogLevel.Information, Message = "Admin tenant {Admin} read the inventory")]
    public static partial void AdminInventoryRead(ILogger logger, string admin);

    [LoggerMessage(EventId = 2060, EventName = "ModelsRestored", Level = LogLevel.Information, Message = "Restored {Leases} lease(s) from the journal; reloaded {Reloaded} model(s), {Failed} could not be reloaded")]
    public static partial void ModelsRestored(ILogger logger, int leases, int reloaded, int failed);
}
