namespace GpuPool.Runtime.Devices.Nvidia;

/// <summary>One NVML sample of one device.</summary>
internal sealed record NvidiaDeviceTelemetry
{
    /// <summary>The pool's device id.</summary>
    public required string DeviceId { get; init; }

    /// <summary>When it was sampled.</summary>
    public required DateTimeOffset SampledAt { get; init; }

    /// <summary>Memory NVML reports as used on the device, in bytes.</summary>
    public required long UsedMemoryBytes { get; init; }

    /// <summary>Of that, memory used by this process (the pool itself), in bytes.</summary>
    public required long PoolMemoryBytes { get; init; }

    /// <summary>Memory used outside the pool (other processes), in bytes: fed to admission so it is not handed out.</summary>
    public long ExternalMemoryBytes => Math.Max(0, UsedMemoryBytes - PoolMemoryBytes);

    /// <summary>GPU utilisation in percent, where the device reports it (not on MIG instances).</summary>
    public int? GpuUtilizationPercent { get; init; }

    /// <summary>Memory-bandwidth utilisation in percent, where the device reports it.</summary>
    public int? MemoryUtilizationPercent { get; init; }

    /// <summary>The die temperature in °C, where the device reports it.</summary>
    public int? TemperatureCelsius { get; init; }

    /// <summary>The power draw in watts, where the device reports it.</summary>
    public double? PowerWatts { get; init; }

    /// <summary>The compute processes on the device.</summary>
    public IReadOnlyList<NvmlProcess> Processes { get; init; } = [];
}
