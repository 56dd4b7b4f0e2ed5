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
