using GpuPool.Runtime.Diagnostics;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Placement;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace GpuPool.Runtime.Tests.Support;

/// <summary>Builds lease tables over simulated devices with a fake clock.</summary>
internal static class TestPool
{
    public static DeviceDescriptor Device(string id, long memoryGiB = 80, string model = "A100", string node = "node-a", DeviceVendor vendor = DeviceVendor.Nvidia) => new()
    {
        Id = id,
        Node = node,
        Kind = DeviceKind.Gpu,
        Vendor = vendor,
        Model = model,
        TotalMemoryBytes = ByteSize.GiB(memoryGiB),
        ComputeUnits = 4,
        IsSimulated = true,
    };

    /// <summary>A CPU device (not simulated: models loaded on it are measured).</summary>
    public static DeviceDescriptor Cpu(long memoryMiB, string id = "cpu0") => new()
    {
        Id = id,
        Node = "node-a",
        Kind = DeviceKind.Cpu,
        Vendor = DeviceVendor.Unknown,
        Model = "CPU",
        TotalMemoryBytes = ByteSize.MiB(memoryMiB),
        ComputeUnits = 2,
    };

    public static LeaseTable Table(FakeTimeProvider time, params DeviceDescriptor[] devices) =>
        Table(time, new LeaseTableSettings(), devices);

    public static LeaseTable Table(FakeTimeProvider time, LeaseTableSettings settings, params DeviceDescriptor[] devices) =>
        new(
            [new NodeCapacity("node-a", devices)],
            new BestFitPolicy(),
            settings,
            time,
            NullLogger<LeaseTable>.Instance,
            RuntimeMetrics.CreateDetached());
}
