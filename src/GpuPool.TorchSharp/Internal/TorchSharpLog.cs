using Microsoft.Extensions.Logging;

namespace GpuPool.TorchSharp.Internal;

/// <summary>Every log message of GpuPool.TorchSharp; event ids 1500-1599.</summary>
internal static partial class TorchSharpLog
{
    [LoggerMessage(EventId = 1500, EventName = "TorchScriptLoaded", Level = LogLevel.Debug, Message = "TorchScript module {RootClass} loaded on {TorchDevice}: {InputCount} input(s), {OutputCount} output(s), {StorageBytes} bytes of tensors")]
    public static partial void TorchScriptLoaded(ILogger logger, string rootClass, global::TorchSharp.torch.Device torchDevice, int inputCount, int outputCount, long storageBytes);

    [LoggerMessage(EventId = 1501, EventName = "NativeLoadFailed", Level = LogLevel.Error, Message = "TorchSharp's native library could not be loaded; TorchScript models cannot run")]
    public static partial void NativeLoadFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1502, EventName = "TorchScriptRejected", Level = LogLevel.Information, Message = "torch.jit.load rejected TorchScript module {RootClass}")]
    public static partial void TorchScriptRejected(ILogger logger, string rootClass, Exception exception);
}
