using GpuPool.Runtime.Cuda;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Models;
using GpuPool.Runtime.Scheduling;
using GpuPool.Runtime.Tests.Nvidia.Fakes;
using GpuPool.Runtime.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace GpuPool.Runtime.Tests.Nvidia;

public sealed class CudaStreamSchedulerTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly LeaseTable _table;
    private readonly FakeCudaDriver _driver = NvidiaTestPool.Driver();
    private readonly CudaDevices _cuda;
    private readonly CudaStreamScheduler _scheduler;

    public CudaStreamSchedulerTests()
    {
        _table = NvidiaTestPool.Table(_time, NvidiaTestPool.Gpu(), TestPool.Device("sim0"));
        _cuda = NvidiaTestPool.Cuda(_driver, _table);
        _scheduler = new CudaStreamScheduler(new DirectDeviceScheduler(), _cuda);
    }

    [Fact]
    public async Task RunAsync_LeaseOnNvidiaDevice_RunsOnItsStreamWithTheContextCurrent()
    {
        var lease = NvidiaTestPool.Grant(_table);

        var (stream, context) = await Task.Run(() => _scheduler.RunAsync(lease, c => (c.Stream, FakeCudaDriver.CurrentContext)).AsTask());

        Assert.Equal(_cuda.Find(lease.Id)!.Stream, stream);
        Assert.NotEqual(0, stream);
        Assert.Equal(FakeCudaDriver.ContextOf(0), context);
    }

    [Fact]
    public async Task RunAsync_InnerSchedulerSetsAStream_KeepsIt()
    {
        var scheduler = new CudaStreamScheduler(new StreamSettingScheduler(0x4242), _cuda);
        var lease = NvidiaTestPool.Grant(_table);

        var stream = await scheduler.RunAsync(lease, c => c.Stream);

        Assert.Equal(0x4242, stream);
    }

    [Fact]
    public async Task RunAsync_LeaseOnSimulatedDevice_PassesThroughWithoutCuda()
    {
        var lease = _table.TryGrant(new SliceRequest { MemoryBytes = ByteSize.GiB(1), ComputeMilli = 100, Constraints = new DeviceConstraints { DeviceId = "sim0" } })!;

        var stream = await _scheduler.RunAsync(lease, c => c.Stream);

        Assert.Equal(0, stream);
        Assert.Equal(0, _driver.InitCalls);
    }

    [Fact]
    public async Task RunAsync_LeaseEndsDuringRun_StreamOutlivesTheRunThenIsDestroyed()
    {
        var lease = NvidiaTestPool.Grant(_table);
        var streamDestroyedDuringRun = true;

        var stream = await _scheduler.RunAsync(lease, c =>
        {
            _table.Release(lease);
            streamDestroyedDuringRun = _driver.DestroyedStreams.Contains(c.Stream);
            return c.Stream;
        });

        Assert.False(streamDestroyedDuringRun);
        Assert.Contains(stream, _driver.DestroyedStreams);
        await Assert.ThrowsAsync<LeaseLostException>(() => _scheduler.RunAsync(lease, c => c.Stream).AsTask());
    }

    public void Dispose()
    {
        _cuda.Dispose();
        _table.Dispose();
    }

    private sealed class StreamSettingScheduler(nint stream) : IDeviceScheduler
    {
        public ValueTask<T> RunAsync<T>(LeaseEntry lease, Func<RunContext, T> work, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(work(new RunContext(1, stream)));
    }
}
