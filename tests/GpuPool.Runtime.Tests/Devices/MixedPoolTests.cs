using GpuPool.Runtime.Devices;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Tests.Devices.Fakes;
using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.Runtime.Tests.Devices;

public sealed class MixedPoolTests : IDisposable
{
    private readonly FakeRocmSmi _smi = new();
    private readonly FakeDcmi _dcmi = new();
    private readonly VendorPool _pool;

    public MixedPoolTests() => _pool = new VendorPool(_smi, _dcmi);

    public void Dispose()
    {
        _pool.Dispose();
        _dcmi.Dispose();
        _smi.Dispose();
    }

    [Fact]
    public void Inventory_MixedPool_ShowsTheVendorAndValidationOfEveryDevice()
    {
        var inventory = _pool.Services.GetRequiredService<DeviceInventory>();

        var view = _pool.Services.GetRequiredService<LeaseTable>().GetInventory().Devices
            .Select(d => (d.Device.Id, d.Device.Vendor, inventory.ValidationOf(d.Device.Id)))
            .ToList();

        Assert.Equal(
            [
                ("cpu0", DeviceVendor.Unknown, DeviceValidation.Hardware),
                ("nvidia0", DeviceVendor.Nvidia, DeviceValidation.Hardware),
                ("amd0", DeviceVendor.Amd, DeviceValidation.FakesOnly),
                ("ascend0", DeviceVendor.Huawei, DeviceValidation.FakesOnly),
                ("ascend1", DeviceVendor.Huawei, DeviceValidation.FakesOnly),
            ],
            view);
    }

    [Theory]
    [InlineData(DeviceVendor.Nvidia, null, "nvidia0")]
    [InlineData(DeviceVendor.Amd, null, "amd0")]
    [InlineData(DeviceVendor.Huawei, "Ascend910B4", "ascend1")]
    [InlineData(DeviceVendor.Huawei, "ascend910b3", "ascend0")]
    [InlineData(null, "AMD Instinct MI300X", "amd0")]
    [InlineData(DeviceVendor.Unknown, null, "cpu0")]
    public void TryGrant_VendorAndModelConstraints_PlacesOnTheMatchingDevice(DeviceVendor? vendor, string? model, string expected)
    {
        var table = _pool.Services.GetRequiredService<LeaseTable>();
        var request = SliceRequest.ForShare(ByteSize.GiB(1), 250) with
        {
            Constraints = new DeviceConstraints { Vendor = vendor, Models = model is null ? null : [model] },
        };

        var lease = table.TryGrant(request);

        Assert.NotNull(lease);
        Assert.Equal(expected, Assert.Single(lease.Devices).Id);
    }

    [Fact]
    public void TryGrant_VendorWithoutDevices_IsRejectedAsImpossible()
    {
        var table = _pool.Services.GetRequiredService<LeaseTable>();
        var request = SliceRequest.ForShare(ByteSize.GiB(1), 250) with { Constraints = new DeviceConstraints { Vendor = DeviceVendor.Intel } };

        Assert.Throws<InvalidPoolRequestException>(() => table.TryGrant(request));
    }

    [Fact]
    public void TryGrant_AscendKindTwoWholeDevices_TakesBothNpus()
    {
        var table = _pool.Services.GetRequiredService<LeaseTable>();
        var request = SliceRequest.ForDevices(2) with { Constraints = new DeviceConstraints { Kind = DeviceKind.Accelerator } };

        var lease = table.TryGrant(request);

        Assert.NotNull(lease);
        Assert.Equal(["ascend0", "ascend1"], lease.Devices.Select(d => d.Id).Order());
    }

    [Fact]
    public void TryGrant_MemoryBeyondTheAmdCard_IsRejectedAsImpossible()
    {
        var table = _pool.Services.GetRequiredService<LeaseTable>();
        var request = SliceRequest.ForShare(ByteSize.GiB(200), 250) with { Constraints = new DeviceConstraints { Vendor = DeviceVendor.Amd } };

        Assert.Throws<InvalidPoolRequestException>(() => table.TryGrant(request));
    }
}
