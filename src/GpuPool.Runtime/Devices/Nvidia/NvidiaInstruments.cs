namespace GpuPool.Runtime.Devices.Nvidia;

/// <summary>Names of the NVIDIA telemetry instruments (on the <c>GpuPool.Runtime</c> meter, tagged <c>gpupool.device</c>).</summary>
internal static class NvidiaInstruments
{
    /// <summary>GPU utilisation over NVML's last sample period ({percent}).</summary>
    public const string DeviceUtilization = "gpupool.device.utilization";

    /// <summary>Device memory used as NVML reports it, pool and others together (By).</summary>
    public const string DeviceMemoryPhysicalUsed = "gpupool.device.memory.physical_used";

    /// <summary>Device memory used outside the pool, withheld from admission (By).</summary>
    public const string DeviceMemoryExternal = "gpupool.device.memory.external";
}
