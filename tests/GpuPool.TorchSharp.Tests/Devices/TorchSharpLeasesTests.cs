using GpuPool.TorchSharp.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using TorchSharp;

namespace GpuPool.TorchSharp.Tests.Devices;

public sealed class TorchSharpLeasesTests
{
    [Fact]
    public async Task Configure_CpuLease_GivesCpuDeviceAndSetsTheSharesThreads()
    {
        await using var provider = TorchPool.Provider();
        var leases = provider.GetRequiredService<TorchSharpLeases>();
        var pool = provider.GetRequiredService<IGpuPool>();
        await using var lease = await pool.LeaseAsync(new SliceRequest
        {
            MemoryBytes = ByteSize.MiB(64),
            ComputeMilli = 500,
            Constraints = new DeviceConstraints { Kind = DeviceKind.Cpu },
        });

        var settings = leases.Configure(lease);

        var expected = Math.Max(1, (int)Math.Round(Environment.ProcessorCount * 0.5));
        Assert.Equal(DeviceType.CPU, settings.Device.type);
        Assert.Equal(expected, settings.Threads);
        Assert.Equal(expected, torch.get_num_threads());
    }

    [Fact]
    public async Task DeviceFor_LeaseOnAnotherNode_ThrowsNamingBothNodes()
    {
        await using var provider = TorchPool.Provider();
        var leases = provider.GetRequiredService<TorchSharpLeases>();
        var remote = new FakeLease(TorchDevicesTests.Gpu(0) with { Node = "gpu-server-7" }, ByteSize.GiB(4), 250);

        var ex = Assert.Throws<InvalidOperationException>(() => leases.DeviceFor(remote));

        Assert.Contains("gpu-server-7", ex.Message, StringComparison.Ordinal);
        Assert.Contains(TorchPool.Node, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DeviceFor_LocalGpuLease_IsCudaOrdinal()
    {
        var leases = new TorchSharpLeases(Microsoft.Extensions.Options.Options.Create(new Runtime.GpuPoolRuntimeOptions { NodeName = "n" }));

        var device = leases.DeviceFor(new FakeLease(TorchDevicesTests.Gpu(5), ByteSize.GiB(4), 250));

        Assert.Equal("cuda:5", device.ToString());
    }
}
