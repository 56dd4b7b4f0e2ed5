using GpuPool.Runtime.Devices;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Tests.Devices.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace GpuPool.Runtime.Tests.Devices;

public sealed class DeviceHealthMonitorTests : IDisposable
{
    private static readonly SliceRequest OnAmd = SliceRequest.ForShare(ByteSize.GiB(1), 250) with { Constraints = new DeviceConstraints { Vendor = DeviceVendor.Amd } };
    private static readonly SliceRequest OnAscend = SliceRequest.ForShare(ByteSize.GiB(1), 250) with { Constraints = new DeviceConstraints { DeviceId = "ascend1" } };
    private readonly FakeRocmSmi _smi = new();
    private readonly FakeDcmi _dcmi = new();
    private readonly VendorPool _pool;
    private readonly LeaseTable _table;
    private readonly DeviceHealthMonitor _monitor;

    public DeviceHealthMonitorTests()
    {
        _pool = new VendorPool(_smi, _dcmi);
        _table = _pool.Services.GetRequiredService<LeaseTable>();
        _monitor = _pool.Services.GetRequiredService<DeviceHealthMonitor>();
    }

    public void Dispose()
    {
        _pool.Dispose();
        _dcmi.Dispose();
        _smi.Dispose();
    }

    [Fact]
    public void Start_HealthyDevices_SamplesTelemetryOfEveryProviderThatHasIt()
    {
        _monitor.Start();

        Assert.Equal(["amd0", "ascend0", "ascend1", "nvidia0"], _monitor.Latest.Keys.Order());
        Assert.Equal(ByteSize.GiB(1), _monitor.Latest["amd0"].UsedMemoryBytes);
        Assert.Equal(37, _monitor.Latest["amd0"].BusyPercent);
        Assert.Equal(55, _monitor.Latest["ascend0"].BusyPercent);
    }

    [Fact]
    public void Tick_RocmSmiFailsMidRun_RevokesLeasesOnTheAmdDeviceAndClosesIt()
    {
        _monitor.Start();
        var onAmd = _table.TryGrant(OnAmd)!;
        var onCpu = _table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 250) with { Constraints = new DeviceConstraints { Kind = DeviceKind.Cpu } })!;

        _smi.FailStatus = 6;
        _pool.Time.Advance(TimeSpan.FromSeconds(5));

        Assert.False(_monitor.IsHealthy("amd0"));
        Assert.True(onAmd.LostToken.IsCancellationRequested);
        Assert.Equal(LeaseLostReason.Revoked, onAmd.LostReason);
        Assert.True(onCpu.IsActive);
        Assert.Null(_table.TryGrant(OnAmd));
        Assert.True(_table.GetInventory().Devices.Single(d => d.Device.Id == "amd0").Draining);
    }

    [Fact]
    public void Tick_RocmSmiRecovers_OpensTheDeviceAgain()
    {
        _monitor.Start();
        _smi.FailStatus = 6;
        _pool.Time.Advance(TimeSpan.FromSeconds(5));

        _smi.FailStatus = null;
        _pool.Time.Advance(TimeSpan.FromSeconds(5));

        Assert.True(_monitor.IsHealthy("amd0"));
        Assert.False(_table.GetInventory().Devices.Single(d => d.Device.Id == "amd0").Draining);
        Assert.NotNull(_table.TryGrant(OnAmd));
    }

    [Fact]
    public void Tick_OperatorDrainedDeviceRecovers_StaysDrained()
    {
        _monitor.Start();
        _table.SetDraining("node-a", "amd0", draining: true);
        _smi.FailStatus = 6;
        _pool.Time.Advance(TimeSpan.FromSeconds(5));

        _smi.FailStatus = null;
        _pool.Time.Advance(TimeSpan.FromSeconds(5));

        Assert.True(_table.GetInventory().Devices.Single(d => d.Device.Id == "amd0").Draining);
    }

    [Fact]
    public void Tick_AscendChipRaisesAMajorAlarm_RevokesOnlyThatChipsLeases()
    {
        _monitor.Start();
        var onAscend1 = _table.TryGrant(OnAscend)!;
        var onAscend0 = _table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 250) with { Constraints = new DeviceConstraints { DeviceId = "ascend0" } })!;

        _dcmi.Chips[1].Health = 2;
        _pool.Time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(LeaseLostReason.Revoked, onAscend1.LostReason);
        Assert.True(onAscend0.IsActive);
        Assert.False(_monitor.IsHealthy("ascend1"));
        Assert.True(_monitor.IsHealthy("ascend0"));
    }

    [Fact]
    public void Tick_DcmiFailsMidRun_RevokesEveryAscendLease()
    {
        _monitor.Start();
        var lease = _table.TryGrant(OnAscend)!;

        _dcmi.FailCode = -8009;
        _pool.Time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(LeaseLostReason.Revoked, lease.LostReason);
        Assert.False(_monitor.IsHealthy("ascend0"));
        Assert.False(_monitor.IsHealthy("ascend1"));
    }

    [Fact]
    public void AddGpuPoolRuntime_RegistersTheMonitorAsOneHostedService()
    {
        Assert.Single(_pool.Services.GetServices<IHostedService>().OfType<DeviceHealthMonitor>());
    }
}
