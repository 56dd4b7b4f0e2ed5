using System.Diagnostics.Metrics;
using GpuPool.Diagnostics;
using GpuPool.Runtime.Devices;
using GpuPool.Runtime.Devices.Nvidia;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Tests.Nvidia.Fakes;
using GpuPool.Runtime.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GpuPool.Runtime.Tests.Nvidia;

public sealed class NvidiaTelemetryServiceTests : IDisposable
{
    private const int PoolPid = 4242;
    private readonly FakeTimeProvider _time = new();
    private readonly FakeNvml _nvml = new();
    private readonly FakeGpu _gpu = new() { Uuid = "GPU-a", Memory = new(ByteSize.GiB(80), 0, ByteSize.GiB(80), 0) };
    private readonly ServiceProvider _metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly GpuPoolRuntimeOptions _options = new() { NodeName = "node-a", Cpu = { Enabled = false }, Nvidia = { TelemetryInterval = TimeSpan.FromSeconds(2) } };
    private readonly LeaseTable _table;
    private readonly NvidiaTelemetryService _service;

    public NvidiaTelemetryServiceTests()
    {
        _nvml.Gpus.Add(_gpu);
        var provider = new NvidiaDeviceProvider(_nvml, Options.Create(_options), NullLogger<NvidiaDeviceProvider>.Instance);
        var inventory = new DeviceInventory([provider], Options.Create(_options), NullLogger<DeviceInventory>.Instance);
        _table = TestPool.Table(_time, [.. inventory.Devices]);
        _service = new NvidiaTelemetryService(_nvml, provider, _table, inventory, Options.Create(_options), _time, _metrics.GetRequiredService<IMeterFactory>(), NullLogger<NvidiaTelemetryService>.Instance)
        {
            PoolProcessId = PoolPid,
        };
    }

    [Fact]
    public void SampleNow_OtherProcessUsesMemory_FeedsItToAdmissionAsExternal()
    {
        UseMemory(pool: ByteSize.GiB(2), other: ByteSize.GiB(70));

        _service.SampleNow();

        var device = _table.GetInventory().Devices.Single();
        Assert.Equal(ByteSize.GiB(70), device.ExternalMemoryBytes);
        Assert.Equal(ByteSize.GiB(10), device.FreeMemoryBytes);
        Assert.Null(_table.TryGrant(new SliceRequest { MemoryBytes = ByteSize.GiB(20), ComputeMilli = 100 }));
        Assert.NotNull(_table.TryGrant(new SliceRequest { MemoryBytes = ByteSize.GiB(8), ComputeMilli = 100 }));
        var sample = _service.Latest["nvidia0"];
        Assert.Equal((ByteSize.GiB(72), ByteSize.GiB(2)), (sample.UsedMemoryBytes, sample.PoolMemoryBytes));
    }

    [Fact]
    public void SampleNow_DeviceReportsTemperatureAndPower_KeptInTheSample()
    {
        _gpu.TemperatureCelsius = 61;
        _gpu.PowerMilliwatts = 212_500;

        _service.SampleNow();

        var sample = _service.Latest["nvidia0"];
        Assert.Equal(61, sample.TemperatureCelsius);
        Assert.Equal(212.5, sample.PowerWatts);
    }

    [Fact]
    public void SampleNow_DeviceReportsNoTemperatureOrPower_LeftUnknownNotZero()
    {
        _service.SampleNow();

        var sample = _service.Latest["nvidia0"];
        Assert.Null(sample.TemperatureCelsius);
        Assert.Null(sample.PowerWatts);
    }

    [Fact]
    public async Task StartAsync_TimerTicks_ResampleOnTheClockAndStopEndsThem()
    {
        UseMemory(pool: 0, other: ByteSize.GiB(10));
        await _service.StartAsync(CancellationToken.None);
        Assert.Equal(ByteSize.GiB(10), _table.GetInventory().Devices[0].ExternalMemoryBytes);

        UseMemory(pool: 0, other: ByteSize.GiB(30));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(ByteSize.GiB(10), _table.GetInventory().Devices[0].ExternalMemoryBytes);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(ByteSize.GiB(30), _table.GetInventory().Devices[0].ExternalMemoryBytes);

        await _service.StopAsync(CancellationToken.None);
        UseMemory(pool: 0, other: ByteSize.GiB(50));
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(ByteSize.GiB(30), _table.GetInventory().Devices[0].ExternalMemoryBytes);
    }

    [Fact]
    public void SampleNow_ExternalMemoryGoesAway_WaitingRequestIsGranted()
    {
        UseMemory(pool: 0, other: ByteSize.GiB(75));
        _service.SampleNow();
        var waiting = _table.GrantAsync(new SliceRequest { MemoryBytes = ByteSize.GiB(20), ComputeMilli = 100, WaitTimeout = TimeSpan.FromMinutes(1) }).AsTask();
        Assert.False(waiting.IsCompleted);

        UseMemory(pool: 0, other: ByteSize.GiB(5));
        _service.SampleNow();

        Assert.True(waiting.IsCompletedSuccessfully);
    }

    [Fact]
    public void SampleNow_NvmlFails_KeepsLastSampleAndDoesNotThrow()
    {
        UseMemory(pool: 0, other: ByteSize.GiB(10));
        _service.SampleNow();
        _nvml.FailCode = 15;

        _service.SampleNow();

        Assert.Equal(ByteSize.GiB(10), _table.GetInventory().Devices[0].ExternalMemoryBytes);
    }

    [Fact]
    public void Gauges_AfterSample_ReportUtilizationAndMemoryPerDevice()
    {
        UseMemory(pool: ByteSize.GiB(1), other: ByteSize.GiB(3));
        _gpu.Utilization = new NvmlUtilization(87, 40);
        using var utilization = new MetricCollector<int>(_metrics.GetRequiredService<IMeterFactory>(), GpuPoolInstruments.RuntimeMeter, NvidiaInstruments.DeviceUtilization);
        using var external = new MetricCollector<long>(_metrics.GetRequiredService<IMeterFactory>(), GpuPoolInstruments.RuntimeMeter, NvidiaInstruments.DeviceMemoryExternal);
        _service.SampleNow();

        utilization.RecordObservableInstruments();
        external.RecordObservableInstruments();

        Assert.Equal(87, utilization.LastMeasurement!.Value);
        Assert.Equal("nvidia0", utilization.LastMeasurement.Tags["gpupool.device"]);
        Assert.Equal(ByteSize.GiB(3), external.LastMeasurement!.Value);
    }

    public void Dispose()
    {
        _service.Dispose();
        _table.Dispose();
        _metrics.Dispose();
    }

    private void UseMemory(long pool, long other)
    {
        var total = _gpu.Memory.Total;
        _gpu.Memory = new(total, 0, total - pool - other, pool + other);
        _gpu.Processes.Clear();
        _gpu.Processes.Add(new NvmlProcess(PoolPid, pool));
        _gpu.Processes.Add(new NvmlProcess(PoolPid + 1, other));
    }
}
