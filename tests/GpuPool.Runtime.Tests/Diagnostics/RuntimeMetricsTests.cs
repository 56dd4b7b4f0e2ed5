using System.Diagnostics.Metrics;
using GpuPool.Diagnostics;
using GpuPool.Runtime.Diagnostics;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Placement;
using GpuPool.Runtime.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace GpuPool.Runtime.Tests.Diagnostics;

/// <summary>The per-tenant and per-device instruments: what a grant, an end and a run record (never a lease id).</summary>
public sealed class RuntimeMetricsTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void GrantAndRelease_TwoDevices_TenantAndDeviceAllocationRiseAndFallBack()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        using var tenantMemory = new MetricCollector<long>(factory, GpuPoolInstruments.RuntimeMeter, GpuPoolInstruments.TenantMemoryAllocated);
        using var deviceCompute = new MetricCollector<long>(factory, GpuPoolInstruments.RuntimeMeter, GpuPoolInstruments.DeviceComputeAllocated);
        var table = new LeaseTable([new NodeCapacity("node-a", [TestPool.Device("g0"), TestPool.Device("g1")])], new BestFitPolicy(), new LeaseTableSettings(), _time, NullLogger<LeaseTable>.Instance, new RuntimeMetrics(factory));

        var lease = table.TryGrant(SliceRequest.ForDevices(2), "team-a")!;
        var granted = tenantMemory.GetMeasurementSnapshot();
        table.Release(lease);

        var grant = Assert.Single(granted);
        Assert.Equal(ByteSize.GiB(160), grant.Value);
        Assert.Equal("team-a", grant.Tags[GpuPoolInstruments.TenantTag]);
        Assert.Equal(0, tenantMemory.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(0, deviceCompute.GetMeasurementSnapshot().Where(m => (string?)m.Tags[GpuPoolInstruments.DeviceTag] == "g1").Sum(m => m.Value));
        Assert.Contains(deviceCompute.GetMeasurementSnapshot(), m => (string?)m.Tags[GpuPoolInstruments.DeviceTag] == "g0" && m.Value == 1000);
        Assert.All(tenantMemory.GetMeasurementSnapshot(), m => Assert.DoesNotContain(m.Tags.Values, v => v is string s && s.StartsWith("ls_", StringComparison.Ordinal)));
    }

    [Fact]
    public void ModelRun_Measured_CountsRunComputeSecondsAndDeviceBusyTime()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        using var runs = new MetricCollector<long>(factory, GpuPoolInstruments.RuntimeMeter, GpuPoolInstruments.ModelRuns);
        using var used = new MetricCollector<double>(factory, GpuPoolInstruments.RuntimeMeter, GpuPoolInstruments.TenantComputeUsed);
        using var busy = new MetricCollector<double>(factory, GpuPoolInstruments.RuntimeMeter, GpuPoolInstruments.DeviceBusyTime);
        var metrics = new RuntimeMetrics(factory);

        metrics.ModelRun("team-a", "g0", TimeSpan.FromMilliseconds(250));
        metrics.ModelRun("team-a", "g0", TimeSpan.FromMilliseconds(750));

        Assert.Equal(2, runs.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(1.0, used.GetMeasurementSnapshot().Sum(m => m.Value), 6);
        Assert.Equal(1.0, busy.GetMeasurementSnapshot().Where(m => (string?)m.Tags[GpuPoolInstruments.DeviceTag] == "g0").Sum(m => m.Value), 6);
    }

    public void Dispose() => _services.Dispose();
}
