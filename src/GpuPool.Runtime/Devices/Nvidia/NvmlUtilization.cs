namespace GpuPool.Runtime.Devices.Nvidia;

/// <summary>Utilisation over NVML's last sample period, in percent.</summary>
/// <param name="Gpu">Time one or more kernels ran.</param>
/// <param name="Memory">Time device memory was read or written.</param>
internal readonly record struct NvmlUtilization(int Gpu, int Memory);
