using GpuPool.Server.Tests.Support;
using Grpc.Core;
using Xunit.Abstractions;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.Tests.SharedMemory;

public sealed class SharedMemoryLimitTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Register_OverTheRegionsPerLease_ResourceExhaustedAndTheFirstStillWorks()
    {
        await using var rig = await SharedMemoryRig.StartAsync(output, new Dictionary<string, string?> { ["GpuPoolServer:SharedMemory:MaxRegionsPerLease"] = "1" });
        await using var first = await rig.Lease.CreateSharedMemoryAsync(4096);
        using var file = new ShmFile(4096);

        var ex = await Assert.ThrowsAsync<RpcException>(() => rig.SharedMemory.RegisterAsync(
            new V1.RegisterRegionRequest { LeaseId = rig.Lease.Id, Name = "second", Path = file.Path, ByteSize = 4096 }, SharedMemoryRig.Headers(Keys.Alpha)).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        var result = await rig.Model.RunAsync(new Dictionary<string, SharedTensor> { ["x"] = first.Write(0, TensorValue.FromArray(new float[] { 1, -1 }, 2)) }, new Dictionary<string, SharedTensor>());
        Assert.Equal([1f, 0], result["y"].ToArray<float>());
    }

    [Fact]
    public async Task CreateSharedMemoryAsync_ServerHasItOff_InvalidPoolRequestAndTheLeaseLives()
    {
        await using var rig = await SharedMemoryRig.StartAsync(output, new Dictionary<string, string?> { ["GpuPoolServer:SharedMemory:Enabled"] = "false" });

        var ex = await Assert.ThrowsAsync<InvalidPoolRequestException>(async () => await rig.Lease.CreateSharedMemoryAsync(4096));

        Assert.Contains("does not serve shared memory", ex.Message, StringComparison.Ordinal);
        Assert.Equal(LeaseLostReason.None, rig.Lease.LostReason);
        Assert.Equal(new float[] { 2f }, await rig.RunByValueAsync(2));
    }
}
