using GpuPool.Runtime.Devices.Nvidia;

namespace GpuPool.Runtime.Tests.Nvidia;

/// <summary>A fact that runs only where NVML finds an NVIDIA GPU; elsewhere it is skipped with the reason.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class GpuFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Missing = new(Probe);

    /// <summary>Skips the test unless a GPU is present.</summary>
    public GpuFactAttribute()
    {
        if (Missing.Value is { } reason)
        {
            Skip = reason;
        }
    }

    private static string? Probe()
    {
        var nvml = new NvmlLibrary("libnvidia-ml.so.1");
        if (!nvml.TryInitialize(out var error))
        {
            return $"No NVIDIA GPU: {error}.";
        }

        return nvml.GetDeviceCount() > 0 ? null : "No NVIDIA GPU: NVML lists none.";
    }
}
