using GpuPool.Protocol;
using GpuPool.Server.Tests.Support;
using GpuPool.Testing;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using V1 = GpuPool.Protocol.V1;
using Xunit.Abstractions;

namespace GpuPool.Server.Tests;

public sealed class TenantIsolationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task OtherTenant_CannotSeeOrTouchLeasesOrModels()
    {
        await using var server = await ServerHost.StartAsync(output);
        await using var alphaClient = Clients.Sdk(server.Address, Keys.Alpha);
        using var beta = Clients.RawClient(server.Address, Keys.Beta);
        var alpha = alphaClient.GetRequiredService<IGpuPool>();
        await using var lease = await alpha.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(128), 300));
        var bytes = TestModels.Linear(4, 2);
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(bytes));

        Assert.Empty((await beta.Leases.ListAsync(new V1.ListLeasesRequest(), beta.Headers)).Leases);
        await AssertStatus(StatusCode.PermissionDenied, () => beta.Leases.GetAsync(new V1.GetLeaseRequest { LeaseId = lease.Id }, beta.Headers).ResponseAsync);
        await AssertStatus(StatusCode.PermissionDenied, () => beta.Leases.RenewAsync(new V1.RenewRequest { LeaseId = lease.Id }, beta.Headers).ResponseAsync);
        await AssertStatus(StatusCode.PermissionDenied, () => beta.Leases.ReleaseAsync(new V1.ReleaseRequest { LeaseId = lease.Id }, beta.Headers).ResponseAsync);
        var run = new V1.RunRequest { LeaseId = lease.Id, ModelId = model.Id };
        run.Inputs["x"] = Protocol.Conversion.WireFormat.ToWire(TensorValue.FromArray(new float[4], 1, 4));
        await AssertStatus(StatusCode.PermissionDenied, () => beta.Inference.RunAsync(run, beta.Headers).ResponseAsync);
        await AssertStatus(StatusCode.PermissionDenied, () => beta.Inference.UnloadModelAsync(new V1.UnloadModelRequest { LeaseId = lease.Id, ModelId = model.Id }, beta.Headers).ResponseAsync);

        // Beta names alpha's model hash for a lease of its own: the hash alone gives nothing.
        var betaLease = (await beta.Leases.AcquireAsync(new V1.AcquireRequest { Wait = true, Slice = new V1.SliceRequest { MemoryBytes = ByteSize.MiB(128), ComputeMilli = 100 } }, beta.Headers)).Lease;
        var cached = new V1.LoadCachedRequest { Header = new V1.ModelHeader { LeaseId = betaLease.Id, Sha256 = model.ContentHash } };
        var error = await AssertStatus(StatusCode.NotFound, () => beta.Inference.LoadCachedAsync(cached, beta.Headers).ResponseAsync);
        Assert.Equal(ErrorKinds.ModelContentNotFound, error.Trailers.GetValue(ErrorKinds.Trailer));

        // Alpha's lease is untouched by all of it.
        Assert.Equal(LeaseLostReason.None, lease.LostReason);
        var y = await model.RunAsync(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(new float[] { 1, 1, 1, 1 }, 1, 4) });
        Assert.Equal(TestModels.LinearReference([1, 1, 1, 1], 1, 4, 2), y["y"].ToArray<float>());
    }

    [Fact]
    public async Task SdkClientOfOtherTenant_GetsPoolAccessDenied()
    {
        await using var server = await ServerHost.StartAsync(output);
        using var alpha = Clients.RawClient(server.Address, Keys.Alpha);
        var alphaLease = (await alpha.Leases.AcquireAsync(new V1.AcquireRequest { Wait = true, Slice = new V1.SliceRequest { MemoryBytes = ByteSize.MiB(64), ComputeMilli = 100 } }, alpha.Headers)).Lease;
        using var beta = Clients.RawClient(server.Address, Keys.Beta);

        var rpc = await AssertStatus(StatusCode.PermissionDenied, () => beta.Leases.GetAsync(new V1.GetLeaseRequest { LeaseId = alphaLease.Id }, beta.Headers).ResponseAsync);

        Assert.IsType<PoolAccessDeniedException>(Remote.RemoteErrors.Map(rpc));
    }

    private static async Task<RpcException> AssertStatus<T>(StatusCode code, Func<Task<T>> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(code, error.StatusCode);
        return error;
    }
}
