using GpuPool.Runtime.Placement;

namespace GpuPool.Runtime.Tests.Placing;

/// <summary>Small clusters and requests for the placement tests (GPU memory in MiB, 1 MiB per milli).</summary>
internal static class PlacementCluster
{
    public const long MiB = 1024 * 1024;

    public static NodeCapacity Node(string name, int gpus, long cpuMilli = 0, long hostMemoryBytes = 0, string model = "A100") =>
        new(
            name,
            Enumerable.Range(0, gpus).Select(d => new DeviceDescriptor
            {
                Id = $"gpu{d}",
                Node = name,
                Kind = DeviceKind.Gpu,
                Vendor = DeviceVendor.Nvidia,
                Model = model,
                TotalMemoryBytes = 1000 * MiB,
                Ordinal = d,
                IsSimulated = true,
            }).ToArray(),
            cpuMilli,
            hostMemoryBytes);

    public static PlacementRequest Share(int milli, int cpuMilli = 0, long hostMemoryBytes = 0, params string[] models) => new()
    {
        Milli = milli,
        MemoryBytes = milli * MiB,
        DeviceCount = 1,
        CpuMilli = cpuMilli,
        HostMemoryBytes = hostMemoryBytes,
        Constraints = models.Length == 0 ? null : new DeviceConstraints { Models = models },
    };

    public static PlacementRequest Whole(int count, int cpuMilli = 0, long hostMemoryBytes = 0, params string[] models) => new()
    {
        Milli = SliceRequest.FullDeviceMilli,
        DeviceCount = count,
        WholeDevices = true,
        CpuMilli = cpuMilli,
        HostMemoryBytes = hostMemoryBytes,
        Constraints = models.Length == 0 ? null : new DeviceConstraints { Models = models },
    };

    public static PlacementRequest HostOnly(int cpuMilli, long hostMemoryBytes = 0) => new()
    {
        DeviceCount = 0,
        CpuMilli = cpuMilli,
        HostMemoryBytes = hostMemoryBytes,
    };
}
