namespace GpuPool.Runtime.Devices.Nvidia;

/// <summary>Reads one telemetry sample of a device through NVML.</summary>
internal static class NvidiaTelemetrySampler
{
    /// <summary>
    /// Samples <paramref name="gpu"/>. Memory used by <paramref name="poolProcessId"/> counts as the pool's;
    /// everything else used on the device is external.
    /// </summary>
    /// <exception cref="NvmlException">NVML failed.</exception>
    public static NvidiaDeviceTelemetry Sample(INvml nvml, NvidiaGpu gpu, int poolProcessId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(nvml);
        ArgumentNullException.ThrowIfNull(gpu);
        var memory = nvml.GetMemory(gpu.Handle);
        var processes = nvml.GetComputeProcesses(gpu.Handle);
        long pool = 0;
        foreach (var process in processes)
        {
            if (process.ProcessId == poolProcessId)
            {
                pool += process.UsedMemoryBytes ?? 0;
            }
        }

        var utilization = nvml.GetUtilization(gpu.Handle);
        var milliwatts = nvml.GetPowerMilliwatts(gpu.Handle);
        return new NvidiaDeviceTelemetry
        {
            DeviceId = gpu.Id,
            SampledAt = now,
            UsedMemoryBytes = memory.Used,
            PoolMemoryBytes = Math.Min(pool, memory.Used),
            GpuUtilizationPercent = utilization?.Gpu,
            MemoryUtilizationPercent = utilization?.Memory,
            TemperatureCelsius = nvml.GetTemperatureCelsius(gpu.Handle),
            PowerWatts = milliwatts / 1000.0,
            Processes = processes,
        };
    }
}
