using GpuPool.Cublas;
using GpuPool.Runtime.Cuda;
using GpuPool.Runtime.Diagnostics;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Models;
using GpuPool.Runtime.Scheduling;
using GpuPool.Runtime.Tests.Nvidia.Fakes;
using GpuPool.Runtime.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace GpuPool.Runtime.Tests.Nvidia;

public sealed class CublasGemmBackendTests : IDisposable
{
    private static readonly Dictionary<string, TensorValue> NoInputs = [];
    private readonly FakeTimeProvider _time = new();
    private readonly LeaseTable _table;
    private readonly FakeCudaDriver _driver = NvidiaTestPool.Driver();
    private readonly FakeCublas _cublas;
    private readonly CudaDevices _cuda;
    private readonly ModelHost _host;

    public CublasGemmBackendTests()
    {
        _table = NvidiaTestPool.Table(_time, NvidiaTestPool.Gpu(), TestPool.Device("sim0"));
        _cublas = new FakeCublas(_driver);
        _cuda = NvidiaTestPool.Cuda(_driver, _table);
        _host = new ModelHost(
            [new CublasGemmBackend(_cublas, _cuda)],
            new CudaStreamScheduler(new DirectDeviceScheduler(), _cuda),
            _table,
            RuntimeMetrics.CreateDetached(),
            NullLogger<ModelHost>.Instance);
    }

    [Theory]
    [InlineData(GemmDataType.Fp32, "sgemm")]
    [InlineData(GemmDataType.Tf32, "gemm:R32F:Compute32FFastTf32")]
    [InlineData(GemmDataType.Fp16, "gemm:R16F:Compute32F")]
    [InlineData(GemmDataType.Bf16, "gemm:R16BF:Compute32F")]
    public async Task RunAsync_EachDataType_ComputesOnTheLeasesStreamWithColumnMajorLeadingDimensions(GemmDataType type, string call)
    {
        var lease = NvidiaTestPool.Grant(_table, memoryGiB: 1);
        var spec = GemmSpec.Create(5, 3, 7, type, iterations: 2);
        var model = _host.Load(lease, spec.ToBytes(), new ModelOptions { Format = ModelFormat.CublasGemm }, "gemm");

        var outputs = await model.RunAsync(NoInputs);

        Assert.Equal(Enumerable.Repeat(7f, 5), outputs["c"].ToArray<float>());
        Assert.Equal(2.0 * 5 * 3 * 7 * 2, outputs["flops"].ToArray<double>()[0]);
        var leaseStream = _cuda.Find(lease.Id)!.Stream;
        Assert.Equal(Enumerable.Repeat((call, leaseStream, 5, 7, 5), 2), _cublas.Calls);
        Assert.Equal(spec.DeviceMemoryBytes, lease.MemoryUsedBytes);
    }

    [Fact]
    public void Load_BiggerThanTheLeasesMemory_IsRefusedBeforeAnythingIsAllocated()
    {
        var lease = NvidiaTestPool.Grant(_table, memoryGiB: 1);
        var spec = GemmSpec.Create(16384, 16384, 16384);

        var ex = Assert.Throws<QuotaExceededException>(() => _host.Load(lease, spec.ToBytes(), new ModelOptions { Format = ModelFormat.CublasGemm }, "big"));

        Assert.Contains("needs 3", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, _driver.AllocatedBytes);
        Assert.Equal(0, lease.MemoryUsedBytes);
    }

    [Fact]
    public void Load_CardHasNoRoom_IsCapacityExceededAndLeaksNothing()
    {
        _driver.TotalMemory = ByteSize.MiB(40);
        var lease = NvidiaTestPool.Grant(_table, memoryGiB: 1);
        var spec = GemmSpec.Create(2048, 2048, 2048);

        Assert.Throws<CapacityExceededException>(() => _host.Load(lease, spec.ToBytes(), new ModelOptions { Format = ModelFormat.CublasGemm }, "gemm"));

        Assert.Equal(0, _driver.AllocatedBytes);
        Assert.Equal(0, lease.MemoryUsedBytes);
        Assert.Empty(_cublas.Handles);
    }

    [Fact]
    public void Load_OnSimulatedDevice_IsRefused()
    {
        var lease = NvidiaTestPool.Grant(_table, memoryGiB: 1, deviceId: "sim0");

        var ex = Assert.Throws<InvalidPoolRequestException>(() => _host.Load(lease, GemmSpec.Create(4, 4, 4).ToBytes(), new ModelOptions { Format = ModelFormat.CublasGemm }, "gemm"));

        Assert.Contains("cannot run on device sim0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CublasMissing_IsPoolUnavailableNamingTheReason()
    {
        _cublas.InitError = "cuBLAS could not be loaded (tried libcublas.so.13)";
        var lease = NvidiaTestPool.Grant(_table, memoryGiB: 1);

        var ex = Assert.Throws<PoolUnavailableException>(() => _host.Load(lease, GemmSpec.Create(4, 4, 4).ToBytes(), new ModelOptions { Format = ModelFormat.CublasGemm }, "gemm"));

        Assert.Contains("libcublas.so.13", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, lease.MemoryUsedBytes);
    }

    [Fact]
    public void Load_CudaDriverMissing_IsPoolUnavailable()
    {
        _driver.InitError = "no driver";
        var lease = NvidiaTestPool.Grant(_table, memoryGiB: 1);

        Assert.Throws<PoolUnavailableException>(() => _host.Load(lease, GemmSpec.Create(4, 4, 4).ToBytes(), new ModelOptions { Format = ModelFormat.CublasGemm }, "gemm"));
    }

    [Fact]
    public async Task LeaseEnds_ModelIsUnloadedAndEveryDeviceResourceFreed()
    {
        var lease = NvidiaTestPool.Grant(_table, memoryGiB: 1);
        var model = _host.Load(lease, GemmSpec.Create(8, 8, 8).ToBytes(), new ModelOptions { Format = ModelFormat.CublasGemm }, "gemm");
        await model.RunAsync(NoInputs);

        _table.Release(lease);

        Assert.True(model.IsUnloaded);
        Assert.Equal(0, _driver.AllocatedBytes);
        Assert.Empty(_driver.Streams);
        Assert.Empty(_cublas.Handles);
    }

    [Fact]
    public void CublasLibrary_MissingPath_ReportsWhatItTried()
    {
        var library = new GpuPool.Cublas.Internal.CublasLibrary("/nonexistent/lib/libcublas.so.13");

        Assert.False(library.TryInitialize(out var error));
        Assert.Contains("/nonexistent/lib/libcublas.so.13", error, StringComparison.Ordinal);
        Assert.False(library.TryInitialize(out _));
    }

    [Fact]
    public void Supports_OnlyRealNvidiaDevices()
    {
        var backend = new CublasGemmBackend(_cublas, _cuda);

        Assert.True(backend.Supports(NvidiaTestPool.Gpu()));
        Assert.True(backend.Supports(NvidiaTestPool.Gpu() with { Kind = DeviceKind.GpuPartition }));
        Assert.False(backend.Supports(TestPool.Device("sim0")));
        Assert.False(backend.Supports(NvidiaTestPool.Gpu() with { Vendor = DeviceVendor.Amd }));
        Assert.False(backend.Supports(NvidiaTestPool.Gpu() with { Kind = DeviceKind.Cpu }));
    }

    public void Dispose()
    {
        _cuda.Dispose();
        _table.Dispose();
    }
}
