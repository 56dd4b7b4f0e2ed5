using GpuPool;

namespace InferenceService;

/// <summary>The sample's log messages.</summary>
internal static partial class EmbedderLog
{
    [LoggerMessage(EventId = 1, EventName = "LeaseLost", Level = LogLevel.Warning, Message = "The model's lease was lost ({Reason}); leasing again")]
    public static partial void LeaseLost(ILogger logger, LeaseLostReason reason, Exception exception);

    [LoggerMessage(EventId = 2, EventName = "ModelLoaded", Level = LogLevel.Information, Message = "Model {Model} loaded into {Lease}")]
    public static partial void ModelLoaded(ILogger logger, string model, GpuLease lease);
}
