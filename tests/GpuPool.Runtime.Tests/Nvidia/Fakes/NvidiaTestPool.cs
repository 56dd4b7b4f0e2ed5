using GpuPool.Runtime.Cuda;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GpuPool.Runtime.Tests.Nvidia.Fakes;

/// <summary>Real (not simulated) NVIDIA device descriptors, lease tables over them and CUDA over a fake driver.</summary>
internal static class NvidiaTestPool
{
    public static readonly byte[] Uuid0 = Convert.FromHexString("0123456789abcdef0123456789abcdef");
    public static readonly byte[] Uuid1 = Convert.FromHexString("fedcba9876543210fedcba9876543210");

    public static DeviceDescriptor Gpu(string id = "nvidia0", long memoryGiB = 80, byte[]? uuid = null, int ordinal = 0) => new()
    {
        Id = id,
        Node = "node-a",
        Kind = DeviceKind.Gpu,
        Vendor = DeviceVendor.Nvidia,
        Model = "NVIDIA H200",
        TotalMemoryBytes = ByteSize.GiB(memoryGiB),
        Ordinal = ordinal,
        Uuid = "GPU-" + CudaDevices.FormatUuid(uuid ?? Uuid0),
        ComputeCapability = "9.0",
        ComputeUnits = 132,
    };

    public static FakeCudaDriver Driver(params byte[][] uuids)
    {
        var driver = new FakeCudaDriver();
        driver.DeviceUuids.AddRange(uuids.Length == 0 ? [Uuid0] : uuids);
        return driver;
    }

    public static CudaDevices Cuda(ICudaDriver driver, LeaseTable leases, bool reserve = false) =>
        new(driver, Options.Create(new GpuPoolRuntimeOptions { Nvidia = { ReserveMemoryOnGrant = reserve } }), leases, NullLogger<CudaDevices>.Instance);

    public static LeaseTable Table(FakeTimeProvider time, params DeviceDescriptor[] devices) => TestPool.Table(time, devices.Length == 0 ? [Gpu()] : devices);

    public static LeaseEntry Grant(LeaseTable table, long memoryGiB = 4, int milli = 250, string deviceId = "nvidia0") =>
        table.TryGrant(new SliceRequest { MemoryBytes = ByteSize.GiB(memoryGiB), ComputeMilli = milli, Constraints = new DeviceConstraints { DeviceId = deviceId } })
        ?? throw new InvalidOperationException("no slice");
}
