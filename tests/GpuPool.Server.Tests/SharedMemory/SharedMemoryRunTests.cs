using GpuPool.Server.SharedMemory;
using GpuPool.Server.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.Tests.SharedMemory;

public sealed class SharedMemoryRunTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RunAsync_InputsAndOutputsInSharedMemory_OutputWrittenIntoTheRegion()
    {
        await using var rig = await SharedMemoryRig.StartAsync(output);
        await using var region = await rig.Lease.CreateSharedMemoryAsync(ByteSize.MiB(2));
        float[] x = [.. Enumerable.Range(0, 100_000).Select(i => (i % 7) - 3f)];
        var input = region.Write(0, TensorValue.FromArray(x, x.Length));
        var slot = region.Output(ByteSize.MiB(1), ByteSize.MiB(1));

        var result = await rig.Model.RunAsync(new Dictionary<string, SharedTensor> { ["x"] = input }, new Dictionary<string, SharedTensor> { ["y"] = slot });

        float[] expected = [.. x.Select(v => Math.Max(0f, v))];
        Assert.Equal(expected, result["y"].ToArray<float>());
        Assert.Equal([x.Length], result["y"].Shape);
        // The result is the region's own bytes, where the server wrote them.
        Assert.Equal(expected, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(region.GetSpan(ByteSize.MiB(1), x.Length * sizeof(float))).ToArray());
        Assert.Equal(expected, await rig.RunByValueAsync(x));
    }

    [Theory]
    [InlineData(0)] // the output replaces the input
    [InlineData(4)] // the output starts one element into the input
    public async Task RunAsync_OutputRangeOverlapsTheInput_OutputIsTheModelsResult(long outputOffset)
    {
        await using var rig = await SharedMemoryRig.StartAsync(output);
        await using var region = await rig.Lease.CreateSharedMemoryAsync(ByteSize.MiB(1));
        float[] x = [.. Enumerable.Range(0, 50_000).Select(i => i % 2 == 0 ? -i : (float)i)];
        var input = region.Write(0, TensorValue.FromArray(x, x.Length));

        var result = await rig.Model.RunAsync(
            new Dictionary<string, SharedTensor> { ["x"] = input },
            new Dictionary<string, SharedTensor> { ["y"] = region.Output(outputOffset, x.Length * sizeof(float)) });

        // Written after the run (a model never reads bytes it is overwriting): exactly relu(x).
        Assert.Equal([.. x.Select(v => Math.Max(0f, v))], result["y"].ToArray<float>());
    }

    [Fact]
    public async Task RunAsync_OutputNotNamed_ComesBackByValue()
    {
        await using var rig = await SharedMemoryRig.StartAsync(output);
        await using var region = await rig.Lease.CreateSharedMemoryAsync(4096);
        var input = region.Write(0, TensorValue.FromArray(new float[] { -1, 2, -3, 4 }, 4));

        var result = await rig.Model.RunAsync(new Dictionary<string, SharedTensor> { ["x"] = input }, new Dictionary<string, SharedTensor>());

        Assert.Equal([0f, 2, 0, 4], result["y"].ToArray<float>());
    }

    [Fact]
    public async Task ReleaseAsync_LeaseEnds_ItsRegionsAreUnregistered()
    {
        await using var rig = await SharedMemoryRig.StartAsync(output);
        var registry = rig.Server.Services.GetRequiredService<SharedMemoryRegistry>();
        var region = await rig.Lease.CreateSharedMemoryAsync(4096);
        var status = await rig.SharedMemory.StatusAsync(new V1.RegionStatusRequest { LeaseId = rig.Lease.Id }, SharedMemoryRig.Headers(Keys.Alpha));
        Assert.Equal(region.Name, Assert.Single(status.Regions).Name);

        await rig.Lease.ReleaseAsync();

        Assert.Empty(registry.Of(rig.Lease.Id));
        await region.DisposeAsync();
    }

    [Fact]
    public async Task DisposeAsync_Region_UnregisteredAndLaterRunsGetNotFound()
    {
        await using var rig = await SharedMemoryRig.StartAsync(output);
        var region = await rig.Lease.CreateSharedMemoryAsync(4096);
        var name = region.Name;

        await region.DisposeAsync();
        await region.DisposeAsync();

        var ex = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => rig.RunRawAsync(SharedMemoryRig.Floats(name, 0, 4)));
        Assert.Equal(Grpc.Core.StatusCode.NotFound, ex.StatusCode);
        Assert.Throws<ObjectDisposedException>(() => region.GetSpan(0, 4));
        Assert.Equal(new float[] { 1f, 0 }, await rig.RunByValueAsync(1, -1));
    }
}
