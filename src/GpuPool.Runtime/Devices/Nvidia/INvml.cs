namespace GpuPool.Runtime.Devices.Nvidia;

/// <summary>
/// The NVML calls the pool uses (the seam between the pool and <c>libnvidia-ml.so.1</c>; tests use a fake).
/// Device handles are opaque. Every call except <see cref="TryInitialize"/> throws <see cref="NvmlException"/>
/// with NVML's return code when NVML reports an error.
/// </summary>
internal interface INvml
{
    /// <summary>Loads the library and initialises NVML once; <see langword="false"/> with the reason when it is absent or fails.</summary>
    bool TryInitialize(out string? error);

    /// <summary>Number of GPUs (<c>nvmlDeviceGetCount_v2</c>).</summary>
    int GetDeviceCount();

    /// <summary>The handle of the GPU at <paramref name="index"/> (<c>nvmlDeviceGetHandleByIndex_v2</c>).</summary>
    nint GetDeviceHandle(int index);

    /// <summary>The device's UUID (<c>GPU-…</c> or <c>MIG-…</c>).</summary>
    string GetUuid(nint device);

    /// <summary>The product name.</summary>
    string GetName(nint device);

    /// <summary>Memory totals (<c>nvmlDeviceGetMemoryInfo_v2</c>).</summary>
    NvmlMemory GetMemory(nint device);

    /// <summary>CUDA compute capability; <see langword="null"/> where not supported (MIG handles on some drivers).</summary>
    (int Major, int Minor)? GetComputeCapability(nint device);

    /// <summary>Whether MIG mode is on now (<c>nvmlDeviceGetMigMode</c>); <see langword="false"/> on GPUs without MIG.</summary>
    bool IsMigEnabled(nint device);

    /// <summary>How many MIG devices the GPU can hold (<c>nvmlDeviceGetMaxMigDeviceCount</c>).</summary>
    int GetMaxMigDeviceCount(nint device);

    /// <summary>The MIG device at <paramref name="index"/>, or <see langword="null"/> where that slot is empty.</summary>
    nint? GetMigDevice(nint device, int index);

    /// <summary>Streaming multiprocessors of a MIG device (<c>nvmlDeviceGetAttributes_v2</c>); <see langword="null"/> where not supported.</summary>
    int? GetMultiprocessorCount(nint device);

    /// <summary>GPU and memory utilisation in percent over the last sample period; <see langword="null"/> where not supported.</summary>
    NvmlUtilization? GetUtilization(nint device);

    /// <summary>The compute processes on the device and their memory (<c>nvmlDeviceGetComputeRunningProcesses_v3</c>).</summary>
    IReadOnlyList<NvmlProcess> GetComputeProcesses(nint device);

    /// <summary>The GPU die temperature in °C (<c>nvmlDeviceGetTemperature</c>); <see langword="null"/> where not reported.</summary>
    int? GetTemperatureCelsius(nint device) => null;

    /// <summary>The board's power draw in milliwatts (<c>nvmlDeviceGetPowerUsage</c>); <see langword="null"/> where not reported.</summary>
    int? GetPowerMilliwatts(nint device) => null;
}
