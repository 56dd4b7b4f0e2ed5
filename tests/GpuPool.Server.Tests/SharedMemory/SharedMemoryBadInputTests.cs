using GpuPool.Server.SharedMemory;
using GpuPool.Server.Tests.Support;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.Tests.SharedMemory;

public sealed class SharedMemoryBadInputTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(4096 - 12, 4)] // ends 4 bytes past the region
    [InlineData(-4, 1)]
    [InlineData(long.MaxValue - 2, 4)] // offset + length overflows
    public async Task Run_InputOutsideRegion_InvalidArgumentAndTheLeaseStillRuns(long offset, long count)
    {
        await using var rig = await SharedMemoryRig.StartAsync(output);
        await using var region = await rig.Lease.CreateSharedMemoryAsync(4096);

        var ex = await Assert.ThrowsAsync<RpcException>(() => rig.RunRawAsync(SharedMemoryRig.Floats(region.Name, offset, count)));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("outside region", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(new float[] { 3f }, await rig.RunByValueAsync(3));
    }

    [Fact]
    public async Task Run_OutputRangeTooSmall_InvalidArgumentAndInputUntouched()
    {
        await using var rig = await SharedMemoryRig.StartAsync(output);
        await using var region = await rig.Lease.CreateSharedMemoryAsync(4096);
        var input = region.Write(0, TensorValue.FromArray(new float[] { 1, 2, 3, 4 }, 4));

        var ex = await Assert.ThrowsAsync<InvalidPoolRequestException>(async () =>
            await rig.Model.RunAsync(new Dictionary<string, SharedTensor> { ["x"] = input }, new Dictionary<string, SharedTensor> { ["y"] = region.Output(1024, 8) }));

        Assert.Contains("holds 8", ex.Message, StringComparison.Ordinal);
        Assert.Equal(new byte[8], region.GetSpan(1024, 8).ToArray());
    }

    [Fact]
    public async Task Run_AnotherTenantsRegion_NotFoundOrPermissionDenied()
    {
        await using var rig = await SharedMemoryRig.StartAsync(output);
        await using var region = await rig.Lease.CreateSharedMemoryAsync(4096);
        region.Write(0, TensorValue.FromArray(new float[] { 5, 6 }, 2));
        await using var beta = Support.Clients.Sdk(rig.Server.Address, Keys.Beta);
        await using var betaLease = await beta.GetRequiredService<IGpuPool>().LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(256), 200));
        await using var betaModel = await betaLease.LoadModelAsync(ModelSource.FromBytes(SharedMemoryRig.IdentityModel()));

        // Beta names alpha's region through its own lease: the region is not there.
        var request = new V1.RunRequest { LeaseId = betaLease.Id, ModelId = betaModel.Id };
        request.SharedInputs["x"] = SharedMemoryRig.Floats(region.Name, 0, 2);
        var notFound = await Assert.ThrowsAsync<RpcException>(() => rig.Inference.RunAsync(request, SharedMemoryRig.Headers(Keys.Beta)).ResponseAsync);
        // Beta names alpha's lease: refused before any region is looked at.
        var denied = await Assert.ThrowsAsync<RpcException>(() => rig.RunRawAsync(SharedMemoryRig.Floats(region.Name, 0, 2), key: Keys.Beta));
        // Beta registers alpha's file against its own lease.
        var stolen = await Assert.ThrowsAsync<RpcException>(() => rig.SharedMemory.RegisterAsync(
            new V1.RegisterRegionRequest { LeaseId = betaLease.Id, Name = "stolen", Path = region.Path, ByteSize = 4096 }, SharedMemoryRig.Headers(Keys.Beta)).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, notFound.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, stolen.StatusCode);
        Assert.Empty(rig.Server.Services.GetRequiredService<SharedMemoryRegistry>().Of(betaLease.Id));
        var result = await rig.Model.RunAsync(new Dictionary<string, SharedTensor> { ["x"] = region.Input(0, TensorDataType.Float32, 2) }, new Dictionary<string, SharedTensor>());
        Assert.Equal([5f, 6], result["y"].ToArray<float>());
    }

    [Fact]
    public async Task Unregister_WhileARunHoldsTheRegion_StaysMappedUntilTheRunLetsGo()
    {
        await using var rig = await SharedMemoryRig.StartAsync(output);
        var registry = rig.Server.Services.GetRequiredService<SharedMemoryRegistry>();
        await using var region = await rig.Lease.CreateSharedMemoryAsync(4096);
        var held = registry.Acquire(rig.Lease.Id, region.Name); // what a run holds while it reads and writes
        var mappings = MappingsOf(region.Name);

        var removed = await rig.SharedMemory.UnregisterAsync(new V1.UnregisterRegionRequest { LeaseId = rig.Lease.Id, Name = region.Name }, SharedMemoryRig.Headers(Keys.Alpha));

        Assert.True(removed.Removed);
        region.GetSpan(0, 4).Fill(7);
        Assert.Equal(new byte[] { 7, 7, 7, 7 }, held.Slice(0, 4, "test").ToArray()); // still mapped for the holder
        var ex = await Assert.ThrowsAsync<RpcException>(() => rig.RunRawAsync(SharedMemoryRig.Floats(region.Name, 0, 1)));
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Equal(mappings, MappingsOf(region.Name));

        held.Release();

        Assert.Equal(mappings - 1, MappingsOf(region.Name)); // the server's mapping went with the last holder
        Assert.Equal(new float[] { 2f }, await rig.RunByValueAsync(2));
    }

    [Fact]
    public async Task Register_RegularFileOutsideTheShmDirectory_InvalidArgument()
    {
        await using var rig = await SharedMemoryRig.StartAsync(output);
        using var file = new ShmFile(4096, Path.GetTempPath());

        var ex = await RegisterFailsAsync(rig, file.Path);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("shared-memory directory", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_RegularFileThroughProcFd_NotSharedMemory()
    {
        await using var rig = await SharedMemoryRig.StartAsync(output);
        using var file = new ShmFile(4096, AppContext.BaseDirectory);
        using var open = File.OpenHandle(file.Path, FileMode.Open, FileAccess.ReadWrite);

        var ex = await RegisterFailsAsync(rig, $"/proc/{Environment.ProcessId}/fd/{open.DangerousGetHandle()}");

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("not shared memory", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_Device_InvalidArgument()
    {
        await using var rig = await SharedMemoryRig.StartAsync(output);
        using var device = File.OpenHandle("/dev/zero", FileMode.Open, FileAccess.ReadWrite);

        var byPath = await RegisterFailsAsync(rig, "/dev/zero");
        var byFd = await RegisterFailsAsync(rig, $"/proc/{Environment.ProcessId}/fd/{device.DangerousGetHandle()}");

        Assert.Equal(StatusCode.InvalidArgument, byPath.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, byFd.StatusCode);
        Assert.Contains("not shared memory", byFd.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_SymlinkInTheShmDirectory_InvalidArgument()
    {
        await using var rig = await SharedMemoryRig.StartAsync(output);
        using var target = new ShmFile(4096);
        var link = $"/dev/shm/gpupool-test-link-{Guid.NewGuid():N}";
        File.CreateSymbolicLink(link, target.Path);
        try
        {
            var ex = await RegisterFailsAsync(rig, link);

            Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
            Assert.Contains("symbolic link", ex.Status.Detail, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(link);
        }
    }

    [Theory]
    [InlineData(0, 8192)]
    [InlineData(4000, 200)]
    [InlineData(0, 0)]
    public async Task Register_RangePastTheFile_InvalidArgument(long offset, long byteSize)
    {
        await using var rig = await SharedMemoryRig.StartAsync(output);
        using var file = new ShmFile(4096);

        var ex = await RegisterFailsAsync(rig, file.Path, offset, byteSize);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
    }

    [Fact]
    public async Task Run_FileShrankAfterRegistering_InvalidArgumentNotACrash()
    {
        await using var rig = await SharedMemoryRig.StartAsync(output);
        using var file = new ShmFile(8192);
        await rig.SharedMemory.RegisterAsync(new V1.RegisterRegionRequest { LeaseId = rig.Lease.Id, Name = "plain", Path = file.Path, ByteSize = 8192 }, SharedMemoryRig.Headers(Keys.Alpha));
        var ok = await rig.RunRawAsync(SharedMemoryRig.Floats("plain", 0, 4));
        using (var stream = new FileStream(file.Path, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.SetLength(100);
        }

        var ex = await Assert.ThrowsAsync<RpcException>(() => rig.RunRawAsync(SharedMemoryRig.Floats("plain", 4096, 4)));

        Assert.Equal([4L], ok.Outputs["y"].Shape);
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("shorter than the region", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_SameNameTwice_AlreadyExists()
    {
        await using var rig = await SharedMemoryRig.StartAsync(output);
        using var file = new ShmFile(4096);
        var request = new V1.RegisterRegionRequest { LeaseId = rig.Lease.Id, Name = "a", Path = file.Path, ByteSize = 4096 };
        await rig.SharedMemory.RegisterAsync(request, SharedMemoryRig.Headers(Keys.Alpha));

        var ex = await Assert.ThrowsAsync<RpcException>(() => rig.SharedMemory.RegisterAsync(request, SharedMemoryRig.Headers(Keys.Alpha)).ResponseAsync);

        Assert.Equal(StatusCode.AlreadyExists, ex.StatusCode);
    }

    [Fact]
    public async Task Register_UnsealedFileWhenOnlySealedAllowed_InvalidArgumentButMemfdWorks()
    {
        await using var rig = await SharedMemoryRig.StartAsync(output, new Dictionary<string, string?> { ["GpuPoolServer:SharedMemory:AllowUnsealedFiles"] = "false" });
        using var file = new ShmFile(4096);

        var ex = await RegisterFailsAsync(rig, file.Path);
        await using var region = await rig.Lease.CreateSharedMemoryAsync(4096);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("F_SEAL_SHRINK", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(region.Name, Assert.Single(rig.Server.Services.GetRequiredService<SharedMemoryRegistry>().Of(rig.Lease.Id)).Key.Name);
    }

    private static async Task<RpcException> RegisterFailsAsync(SharedMemoryRig rig, string path, long offset = 0, long byteSize = 4096) =>
        await Assert.ThrowsAsync<RpcException>(() => rig.SharedMemory.RegisterAsync(
            new V1.RegisterRegionRequest { LeaseId = rig.Lease.Id, Name = "r", Path = path, Offset = offset, ByteSize = byteSize }, SharedMemoryRig.Headers(Keys.Alpha)).ResponseAsync);

    /// <summary>How many mappings of the memfd named after the region this process has (client and server share it here).</summary>
    private static int MappingsOf(string region) =>
        File.ReadLines("/proc/self/maps").Count(l => l.Contains($"/memfd:gpupool-{region} ", StringComparison.Ordinal));
}
