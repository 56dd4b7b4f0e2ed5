using Microsoft.Extensions.Logging;

namespace GpuPool.Server.Inference;

/// <summary>Log messages of the Open Inference Protocol endpoints and the model repository; event ids 2400-2449.</summary>
internal static partial class InferenceLog
{
    [LoggerMessage(EventId = 2400, EventName = "RepositoryModelLoaded", Level = LogLevel.Information, Message = "Repository model {Model} loaded, version(s) {Versions}, tenant {Tenant}")]
    public static partial void ModelLoaded(ILogger logger, string model, string versions, string tenant);

    [LoggerMessage(EventId = 2401, EventName = "RepositoryModelLoadFailed", Level = LogLevel.Warning, Message = "Repository model {Model} could not be loaded: {Reason}")]
    public static partial void LoadFailed(ILogger logger, string model, string reason);

    [LoggerMessage(EventId = 2402, EventName = "RepositoryModelUnloaded", Level = LogLevel.Information, Message = "Repository model {Model} unloaded")]
    public static partial void ModelUnloaded(ILogger logger, string model);

    [LoggerMessage(EventId = 2403, EventName = "RepositoryLeaseLost", Level = LogLevel.Warning, Message = "Repository model {Model} version {Version} lost its lease {LeaseId} ({Reason}); load it again to serve it")]
    public static partial void LeaseLost(ILogger logger, string model, string version, string leaseId, LeaseLostReason reason);

    [LoggerMessage(EventId = 2404, EventName = "RepositoryOpened", Level = LogLevel.Information, Message = "Model repository {Path}: {Ready} of {Count} model(s) ready")]
    public static partial void RepositoryOpened(ILogger logger, string path, int ready, int count);

    [LoggerMessage(EventId = 2405, EventName = "RepositoryStaleLeaseReleased", Level = LogLevel.Information, Message = "Repository lease {LeaseId} of tenant {Tenant}, restored from before a restart, released: its model is loaded again in a new lease")]
    public static partial void StaleLeaseReleased(ILogger logger, string leaseId, string tenant);

    [LoggerMessage(EventId = 2410, EventName = "InferenceHttpFailed", Level = LogLevel.Error, Message = "HTTP {Method} {Path} failed")]
    public static partial void HttpFailed(ILogger logger, string method, string path, Exception exception);
}
