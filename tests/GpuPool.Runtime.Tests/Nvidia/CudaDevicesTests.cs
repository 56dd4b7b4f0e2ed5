using GpuPool.Runtime.Cuda;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Tests.Nvidia.Fakes;
using GpuPool.Runtime.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GpuPool.Runtime.Tests.Nvidia;

public sealed class CudaDevicesTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly LeaseTable _table;

    public CudaDevicesTests() => _table = NvidiaTestPool.Table(_time, NvidiaTestPool.Gpu("nvidia0", uuid: NvidiaTestPool.Uuid1, ordinal: 0));

    [Fact]
    public void Open_DevicesInAnotherOrder_MatchesByUuidAndRetainsThePrimaryContextOnce()
    {
        // CUDA enumerates fastest-first by default, so CUDA ordinal 1 may be NVML's first GPU.
        var driver = NvidiaTestPool.Driver(NvidiaTestPool.Uuid0, NvidiaTestPool.Uuid1);
        using var cuda = NvidiaTestPool.Cuda(driver, _table);
        var device = _table.GetInventory().Devices[0].Device;

        var first = cuda.Open(device);
        var second = cuda.Open(device);

        Assert.NotNull(first);
        Assert.Same(first, second);
        Assert.Equal(1, first.CudaDevice);
        Assert.Equal(FakeCudaDriver.ContextOf(1), first.Context);
        Assert.Equal(1, driver.Retained[1]);
        Assert.False(driver.Retained.ContainsKey(0));
    }

    [Fact]
    public void Open_NoCudaDeviceWithThatUuid_ReturnsNull()
    {
        using var cuda = NvidiaTestPool.Cuda(NvidiaTestPool.Driver(NvidiaTestPool.Uuid0), _table);

        Assert.Null(cuda.Open(_table.GetInventory().Devices[0].Device));
    }

    [Fact]
    public void Open_DriverAbsentOrCpuOrSimulated_ReturnsNullAndLoadsTheDriverOnlyWhenNeeded()
    {
        var driver = new FakeCudaDriver { InitError = "libcuda.so.1 could not be loaded" };
        using var cuda = NvidiaTestPool.Cuda(driver, _table);

        Assert.Null(cuda.Open(TestPool.Device("sim0")));
        Assert.Equal(0, driver.InitCalls);
        Assert.Null(cuda.Open(_table.GetInventory().Devices[0].Device));
        Assert.Null(cuda.Bind(NvidiaTestPool.Grant(_table)));
        Assert.False(cuda.IsAvailable);
        Assert.Equal(1, driver.InitCalls);
    }

    [Fact]
    public void Open_RealBindingWithMissingLibrary_IsUnavailable()
    {
        var driver = new CudaDriver("/nonexistent/libcuda.so.1");
        using var cuda = NvidiaTestPool.Cuda(driver, _table);

        Assert.False(cuda.IsAvailable);
        Assert.Null(cuda.Bind(NvidiaTestPool.Grant(_table)));
    }

    [Fact]
    public void Bind_TwoLeases_EachGetsItsOwnStreamReleasedWhenTheLeaseEnds()
    {
        var driver = NvidiaTestPool.Driver(NvidiaTestPool.Uuid1);
        using var cuda = NvidiaTestPool.Cuda(driver, _table);
        var a = NvidiaTestPool.Grant(_table);
        var b = NvidiaTestPool.Grant(_table);

        var boundA = cuda.Bind(a)!;
        var boundB = cuda.Bind(b)!;

        Assert.NotEqual(boundA.Stream, boundB.Stream);
        Assert.Same(boundA, cuda.Bind(a));
        Assert.Equal(0, boundA.ReservedBytes);
        _table.Release(a);
        Assert.Equal([boundA.Stream], driver.DestroyedStreams);
        Assert.True(boundA.IsReleased);
        Assert.Null(cuda.Find(a.Id));
        Assert.Contains(boundB.Stream, driver.Streams);
    }

    [Fact]
    public void Bind_ReserveOnGrant_AllocatesTheLeasesMemoryAndFreesItAtTheEnd()
    {
        var driver = NvidiaTestPool.Driver(NvidiaTestPool.Uuid1);
        driver.TotalMemory = ByteSize.GiB(1);
        using var cuda = NvidiaTestPool.Cuda(driver, _table, reserve: true);
        var lease = _table.TryGrant(new SliceRequest { MemoryBytes = ByteSize.MiB(96), ComputeMilli = 100 })!;

        var bound = cuda.Bind(lease)!;

        Assert.Equal(ByteSize.MiB(96), bound.ReservedBytes);
        Assert.Equal(ByteSize.MiB(96), driver.AllocatedBytes);
        _table.Release(lease);
        Assert.Equal(0, driver.AllocatedBytes);
    }

    [Fact]
    public void Bind_ReservationDoesNotFitOnTheCard_RevokesTheLease()
    {
        var driver = NvidiaTestPool.Driver(NvidiaTestPool.Uuid1);
        driver.TotalMemory = ByteSize.MiB(64);
        using var cuda = NvidiaTestPool.Cuda(driver, _table, reserve: true);
        var lease = _table.TryGrant(new SliceRequest { MemoryBytes = ByteSize.MiB(96), ComputeMilli = 100 })!;

        var ex = Assert.Throws<LeaseLostException>(() => cuda.Bind(lease));

        Assert.Equal(LeaseLostReason.Revoked, ex.Reason);
        Assert.Equal(LeaseState.Lost, lease.State);
        Assert.Empty(driver.Streams);
        Assert.Equal(0, _table.Count);
    }

    [Fact]
    public void BindActiveLeases_BindsEveryLeaseOnACudaDevice()
    {
        var driver = NvidiaTestPool.Driver(NvidiaTestPool.Uuid1);
        using var cuda = NvidiaTestPool.Cuda(driver, _table, reserve: true);
        var a = NvidiaTestPool.Grant(_table, memoryGiB: 1);
        var b = NvidiaTestPool.Grant(_table, memoryGiB: 2);

        cuda.BindActiveLeases(_table);

        Assert.Equal(ByteSize.GiB(3), driver.AllocatedBytes);
        Assert.NotNull(cuda.Find(a.Id));
        Assert.NotNull(cuda.Find(b.Id));
    }

    [Fact]
    public void Dispose_ReleasesStreamsReservationsAndContexts()
    {
        var driver = NvidiaTestPool.Driver(NvidiaTestPool.Uuid1);
        var cuda = NvidiaTestPool.Cuda(driver, _table, reserve: true);
        cuda.Bind(NvidiaTestPool.Grant(_table, memoryGiB: 1));

        cuda.Dispose();

        Assert.Empty(driver.Streams);
        Assert.Equal(0, driver.AllocatedBytes);
        Assert.Equal(0, driver.Retained[0]);
    }

    [Fact]
    public void FormatUuid_SixteenBytes_PrintsLikeNvml()
    {
        Assert.Equal("01234567-89ab-cdef-0123-456789abcdef", CudaDevices.FormatUuid(NvidiaTestPool.Uuid0));
        Assert.Throws<ArgumentException>(() => CudaDevices.FormatUuid(new byte[4]));
    }

    public void Dispose() => _table.Dispose();

    internal static CudaDevices Create(ICudaDriver driver, LeaseTable table) =>
        new(driver, Options.Create(new GpuPoolRuntimeOptions()), table, NullLogger<CudaDevices>.Instance);
}
