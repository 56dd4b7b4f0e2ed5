namespace GpuPool.Runtime.Devices.Nvidia;

/// <summary>A device's memory as NVML reports it (<c>nvmlMemory_v2_t</c>), in bytes.</summary>
/// <param name="Total">Installed memory.</param>
/// <param name="Reserved">Memory the driver and firmware set aside.</param>
/// <param name="Free">Memory free for allocations.</param>
/// <param name="Used">Memory allocated by processes (reserved memory excluded).</param>
internal readonly record struct NvmlMemory(long Total, long Reserved, long Free, long Used);
