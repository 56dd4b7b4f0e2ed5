namespace GpuPool.Runtime.Devices.Nvidia;

/// <summary>A compute process on a device.</summary>
/// <param name="ProcessId">The process id (in the host's PID namespace).</param>
/// <param name="UsedMemoryBytes">Device memory it uses, or <see langword="null"/> where the driver does not say (no permission).</param>
internal readonly record struct NvmlProcess(int ProcessId, long? UsedMemoryBytes);
