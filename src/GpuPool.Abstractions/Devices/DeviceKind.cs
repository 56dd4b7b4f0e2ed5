namespace GpuPool;

/// <summary>The kind of a device.</summary>
public enum DeviceKind
{
    /// <summary>The host CPU, the fallback device.</summary>
    Cpu = 0,

    /// <summary>A whole GPU.</summary>
    Gpu = 1,

    /// <summary>A GPU partition (NVIDIA MIG instance).</summary>
    GpuPartition = 2,

    /// <summary>Another accelerator reached through an ONNX Runtime execution provider.</summary>
    Accelerator = 3,
}
