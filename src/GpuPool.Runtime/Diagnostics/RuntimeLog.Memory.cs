using Microsoft.Extensions.Logging;

namespace GpuPool.Runtime;

/// <summary>Log messages of model memory measurement; event ids 1800-1819.</summary>
internal static partial class RuntimeLog
{
    [LoggerMessage(EventId = 1800, EventName = "ModelMeasured", Level = LogLevel.Debug, Message = "Model on {DeviceId} measured at {MeasuredBytes} bytes resident after load and first run (estimate {EstimateBytes} bytes)")]
    public static partial void ModelMeasured(ILogger logger, string deviceId, long measuredBytes, long estimateBytes);

    [LoggerMessage(EventId = 1801, EventName = "ModelRunMeasured", Level = LogLevel.Debug, Message = "Model {ModelId}'s first run of {Elements} input elements grew {GrowthBytes} bytes; its working memory at that size is {WorkingBytes} bytes")]
    public static partial void ModelRunMeasured(ILogger logger, string modelId, long elements, long growthBytes, long workingBytes);
}
