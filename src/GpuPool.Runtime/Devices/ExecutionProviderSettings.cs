namespace GpuPool.Runtime.Devices;

/// <summary>
/// An ONNX Runtime execution provider and its options for a lease on a device (for example <c>ROCM</c>
/// with <c>device_id</c> and <c>gpu_mem_limit</c>).
/// </summary>
public sealed record ExecutionProviderSettings
{
    /// <summary>The provider's short name as ONNX Runtime registers it: <c>CUDA</c>, <c>ROCM</c>, <c>MIGraphX</c>, <c>CANN</c>, …</summary>
    public required string Name { get; init; }

    /// <summary>The provider's options (keys as ONNX Runtime documents them).</summary>
    public required IReadOnlyDictionary<string, string> Options { get; init; }

    /// <summary>The name ONNX Runtime lists among its available providers (<c>ROCMExecutionProvider</c>).</summary>
    public string ProviderName => Name + "ExecutionProvider";
}
