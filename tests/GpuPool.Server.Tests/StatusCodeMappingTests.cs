using GpuPool.Protocol;
using GpuPool.Remote;
using GpuPool.Server.Tests.Support;
using GpuPool.Testing;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using V1 = GpuPool.Protocol.V1;
using Xunit.Abstractions;

namespace GpuPool.Server.Tests;

public sealed class StatusCodeMappingTests(ITestOutputHelper output)
{
    public static TheoryData<StatusCode, string?, Type> Mappings => new()
    {
        { StatusCode.InvalidArgument, ErrorKinds.InvalidRequest, typeof(InvalidPoolRequestException) },
        { StatusCode.ResourceExhausted, ErrorKinds.QuotaExceeded, typeof(QuotaExceededException) },
        { StatusCode.ResourceExhausted, ErrorKinds.CapacityExceeded, typeof(CapacityExceededException) },
        { StatusCode.ResourceExhausted, ErrorKinds.LeaseTimeout, typeof(LeaseTimeoutException) },
        { StatusCode.ResourceExhausted, ErrorKinds.TooLarge, typeof(InvalidPoolRequestException) },
        { StatusCode.ResourceExhausted, null, typeof(InvalidPoolRequestException) },
        { StatusCode.NotFound, ErrorKinds.LeaseNotFound, typeof(LeaseLostException) },
        { StatusCode.NotFound, ErrorKinds.ModelNotFound, typeof(InvalidPoolRequestException) },
        { StatusCode.NotFound, ErrorKinds.ModelContentNotFound, typeof(InvalidPoolRequestException) },
        { StatusCode.PermissionDenied, ErrorKinds.PermissionDenied, typeof(PoolAccessDeniedException) },
        { StatusCode.Unauthenticated, ErrorKinds.Unauthenticated, typeof(PoolAccessDeniedException) },
        { StatusCode.FailedPrecondition, ErrorKinds.LeaseLost, typeof(LeaseLostException) },
        { StatusCode.FailedPrecondition, ErrorKinds.StaleFencingToken, typeof(LeaseLostException) },
        { StatusCode.Unavailable, ErrorKinds.Unavailable, typeof(PoolUnavailableException) },
        { StatusCode.Unavailable, null, typeof(PoolUnavailableException) },
        { StatusCode.Internal, null, typeof(PoolUnavailableException) },
        { StatusCode.DeadlineExceeded, null, typeof(LeaseTimeoutException) },
    };

    [Theory]
    [MemberData(nameof(Mappings))]
    public void Map_StatusAndKind_GivesTheSdkException(StatusCode code, string? kind, Type expected)
    {
        var trailers = new Metadata { { ErrorKinds.RetryAfterTrailer, "1500" }, { ErrorKinds.LostReasonTrailer, "2" } };
        if (kind is not null)
        {
            trailers.Add(ErrorKinds.Trailer, kind);
        }

        var mapped = RemoteErrors.Map(new RpcException(new Status(code, "the detail"), trailers));

        Assert.IsType(expected, mapped);
        Assert.Contains("the detail", mapped.Message, StringComparison.Ordinal);
        if (mapped is LeaseLostException lost && kind == ErrorKinds.LeaseLost)
        {
            Assert.Equal(LeaseLostReason.Revoked, lost.Reason);
        }

        if (mapped is CapacityExceededException capacity)
        {
            Assert.Equal(TimeSpan.FromMilliseconds(1500), capacity.RetryAfter);
        }
    }

    [Fact]
    public async Task Unauthenticated_MissingOrWrongKey_PoolAccessDenied()
    {
        await using var server = await ServerHost.StartAsync(output);
        using var none = Clients.RawClient(server.Address, null);
        using var wrong = Clients.RawClient(server.Address, "not-a-key");

        var missing = await Assert.ThrowsAsync<RpcException>(() => none.Leases.ListAsync(new V1.ListLeasesRequest(), none.Headers).ResponseAsync);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => wrong.Leases.ListAsync(new V1.ListLeasesRequest(), wrong.Headers).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, missing.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, unknown.StatusCode);
        Assert.DoesNotContain("not-a-key", unknown.Status.Detail, StringComparison.Ordinal);

        await using var client = Clients.Sdk(server.Address, "not-a-key");
        var pool = client.GetRequiredService<IGpuPool>();
        await Assert.ThrowsAsync<PoolAccessDeniedException>(() => pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 100)).AsTask());
        Assert.Throws<PoolAccessDeniedException>(() => pool.TryLease(SliceRequest.ForShare(ByteSize.MiB(64), 100)));
    }

    [Fact]
    public async Task InvalidArgument_MalformedOrImpossibleRequest_InvalidPoolRequest()
    {
        await using var server = await ServerHost.StartAsync(output);
        using var raw = Clients.RawClient(server.Address, Keys.Alpha);
        await using var client = Clients.Sdk(server.Address, Keys.Alpha);
        var pool = client.GetRequiredService<IGpuPool>();

        var malformed = await Assert.ThrowsAsync<RpcException>(() => raw.Leases.AcquireAsync(new V1.AcquireRequest { Slice = new V1.SliceRequest { MemoryBytes = 1, ComputeMilli = 5000 } }, raw.Headers).ResponseAsync);
        var noSlice = await Assert.ThrowsAsync<RpcException>(() => raw.Leases.AcquireAsync(new V1.AcquireRequest(), raw.Headers).ResponseAsync);
        var impossible = await Assert.ThrowsAsync<InvalidPoolRequestException>(() => pool.LeaseAsync(SliceRequest.ForShare(ByteSize.GiB(100_000), 100)).AsTask());

        Assert.Equal(StatusCode.InvalidArgument, malformed.StatusCode);
        Assert.Contains("ComputeMilli must be between 1 and 1000; got 5000", malformed.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, noSlice.StatusCode);
        Assert.Contains("can ever hold", impossible.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResourceExhausted_QuotaAndWaitTimeout_QuotaExceededAndLeaseTimeout()
    {
        await using var server = await ServerHost.StartAsync(output);
        await using var limited = Clients.Sdk(server.Address, Keys.Limited);
        await using var alpha = Clients.Sdk(server.Address, Keys.Alpha);
        var limitedPool = limited.GetRequiredService<IGpuPool>();
        var alphaPool = alpha.GetRequiredService<IGpuPool>();

        var memory = await Assert.ThrowsAsync<QuotaExceededException>(() => limitedPool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(512), 100)).AsTask());
        await using var one = await limitedPool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 100));
        var count = await Assert.ThrowsAsync<QuotaExceededException>(() => limitedPool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 100)).AsTask());
        await using var all = await alphaPool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 900));
        var timeout = await Assert.ThrowsAsync<LeaseTimeoutException>(() => alphaPool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 500) with { WaitTimeout = TimeSpan.Zero }).AsTask());

        Assert.Contains("memory quota", memory.Message, StringComparison.Ordinal);
        Assert.Contains("its quota is 1", count.Message, StringComparison.Ordinal);
        Assert.NotNull(timeout);
    }

    [Fact]
    public async Task ResourceExhausted_TooManyWaitingAcquiresOfOneTenant_CapacityExceeded()
    {
        await using var server = await ServerHost.StartAsync(output, settings: new Dictionary<string, string?> { ["GpuPoolServer:MaxWaitingPerTenant"] = "2" });
        await using var alpha = Clients.Sdk(server.Address, Keys.Alpha);
        await using var beta = Clients.Sdk(server.Address, Keys.Beta);
        var alphaPool = alpha.GetRequiredService<IGpuPool>();
        await using var all = await alphaPool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 1000));
        using var stop = new CancellationTokenSource();
        var waiting = new[]
        {
            alphaPool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 100), stop.Token).AsTask(),
            alphaPool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 100), stop.Token).AsTask(),
        };
        await Signals.Until(() => server.Services.GetRequiredService<Runtime.Leasing.LeaseTable>().WaitingCount == 2);

        var third = await Assert.ThrowsAsync<CapacityExceededException>(() => alphaPool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 100)).AsTask());
        var betaWaits = beta.GetRequiredService<IGpuPool>().LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 100) with { WaitTimeout = TimeSpan.FromMilliseconds(50) }).AsTask();

        Assert.Contains("MaxWaitingPerTenant", third.Message, StringComparison.Ordinal);
        Assert.NotNull(third.RetryAfter);
        await Assert.ThrowsAsync<LeaseTimeoutException>(() => betaWaits);
        await stop.CancelAsync();
        foreach (var task in waiting)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        }

        await Signals.Until(() => server.Services.GetRequiredService<Runtime.Leasing.LeaseTable>().WaitingCount == 0);
    }

    [Fact]
    public async Task NotFoundAndFailedPrecondition_UnknownOrEndedLease()
    {
        await using var server = await ServerHost.StartAsync(output);
        using var raw = Clients.RawClient(server.Address, Keys.Alpha);
        var lease = (await raw.Leases.AcquireAsync(new V1.AcquireRequest { Wait = true, Slice = new V1.SliceRequest { MemoryBytes = ByteSize.MiB(64), ComputeMilli = 100 } }, raw.Headers)).Lease;
        Assert.True((await raw.Leases.ReleaseAsync(new V1.ReleaseRequest { LeaseId = lease.Id }, raw.Headers)).Released);

        var unknown = await Assert.ThrowsAsync<RpcException>(() => raw.Leases.GetAsync(new V1.GetLeaseRequest { LeaseId = "ls_unknown" }, raw.Headers).ResponseAsync);
        var ended = await Assert.ThrowsAsync<RpcException>(() => raw.Leases.RenewAsync(new V1.RenewRequest { LeaseId = lease.Id }, raw.Headers).ResponseAsync);
        var again = await raw.Leases.ReleaseAsync(new V1.ReleaseRequest { LeaseId = lease.Id }, raw.Headers);

        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(ErrorKinds.LeaseNotFound, unknown.Trailers.GetValue(ErrorKinds.Trailer));
        Assert.Equal(StatusCode.FailedPrecondition, ended.StatusCode);
        Assert.Equal(LeaseLostReason.Released, ((LeaseLostException)RemoteErrors.Map(ended)).Reason);
        Assert.False(again.Released);
    }

    [Fact]
    public async Task FailedPrecondition_StaleFencingToken()
    {
        await using var server = await ServerHost.StartAsync(output);
        using var raw = Clients.RawClient(server.Address, Keys.Alpha);
        var lease = (await raw.Leases.AcquireAsync(new V1.AcquireRequest { Wait = true, Slice = new V1.SliceRequest { MemoryBytes = ByteSize.MiB(64), ComputeMilli = 100 } }, raw.Headers)).Lease;

        var stale = await Assert.ThrowsAsync<RpcException>(() => raw.Leases.RenewAsync(new V1.RenewRequest { LeaseId = lease.Id, FencingToken = lease.FencingToken + 1 }, raw.Headers).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, stale.StatusCode);
        Assert.Equal(ErrorKinds.StaleFencingToken, stale.Trailers.GetValue(ErrorKinds.Trailer));
        Assert.Equal(lease.Id, (await raw.Leases.RenewAsync(new V1.RenewRequest { LeaseId = lease.Id, FencingToken = lease.FencingToken }, raw.Headers)).Id);
    }

    [Fact]
    public async Task PermissionDenied_NonAdminCallsAdmin()
    {
        await using var server = await ServerHost.StartAsync(output);
        using var alpha = Clients.RawClient(server.Address, Keys.Alpha);

        var denied = await Assert.ThrowsAsync<RpcException>(() => alpha.Admin.ListAllLeasesAsync(new V1.ListAllLeasesRequest(), alpha.Headers).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
    }

    [Fact]
    public async Task Unavailable_NoServer_PoolUnavailable()
    {
        int port;
        await using (var server = await ServerHost.StartAsync(output))
        {
            port = server.GrpcPort;
        }

        await using var client = Clients.Sdk(new Uri($"http://127.0.0.1:{port}"), Keys.Alpha);
        var pool = client.GetRequiredService<IGpuPool>();

        await Assert.ThrowsAsync<PoolUnavailableException>(() => pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 100)).AsTask());
        await Assert.ThrowsAsync<PoolUnavailableException>(() => pool.GetInventoryAsync().AsTask());
    }

    [Fact]
    public async Task SizeLimits_OversizeModelAndTensor_ClearErrorsAndServerKeepsWorking()
    {
        var settings = new Dictionary<string, string?>
        {
            ["GpuPoolServer:MaxModelBytes"] = "4096",
            ["GpuPoolServer:MaxMessageBytes"] = "65536",
        };
        await using var server = await ServerHost.StartAsync(output, settings: settings);
        await using var client = Clients.Sdk(server.Address, Keys.Alpha);
        var pool = client.GetRequiredService<IGpuPool>();
        await using var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(256), 500));

        var model = await Assert.ThrowsAsync<InvalidPoolRequestException>(() => lease.LoadModelAsync(ModelSource.FromBytes(TestModels.MatMulChain(64, 2))).AsTask());
        var small = await lease.LoadModelAsync(ModelSource.FromBytes(TestModels.Linear(4, 2)));
        var tensor = await Assert.ThrowsAsync<InvalidPoolRequestException>(() => small.RunAsync(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(new float[40_000], 10_000, 4) }).AsTask());
        var ok = await small.RunAsync(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(new float[] { 1, 2, 3, 4 }, 1, 4) });

        Assert.Contains("accepts models up to", model.Message, StringComparison.Ordinal);
        Assert.Equal(StatusCode.ResourceExhausted, Assert.IsType<RpcException>(model.InnerException).StatusCode);
        Assert.Equal(StatusCode.ResourceExhausted, Assert.IsType<RpcException>(tensor.InnerException).StatusCode);
        Assert.Equal(2, ok["y"].ElementCount);
    }

    [Fact]
    public async Task InvalidArgument_WrongTensor_NamesTheProblem()
    {
        await using var server = await ServerHost.StartAsync(output);
        await using var client = Clients.Sdk(server.Address, Keys.Alpha);
        using var raw = Clients.RawClient(server.Address, Keys.Alpha);
        var pool = client.GetRequiredService<IGpuPool>();
        await using var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(256), 500));
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(TestModels.Linear(4, 2)));

        var shape = await Assert.ThrowsAsync<InvalidPoolRequestException>(() => model.RunAsync(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(new float[6], 2, 3) }).AsTask());
        var request = new V1.RunRequest { LeaseId = lease.Id, ModelId = model.Id };
        request.Inputs["x"] = new V1.Tensor { ElementType = V1.TensorElementType.Float32, Shape = { 1, 4 }, Data = Google.Protobuf.ByteString.CopyFrom(new byte[3]) };
        var bytes = await Assert.ThrowsAsync<RpcException>(() => raw.Inference.RunAsync(request, raw.Headers).ResponseAsync);
        var unknownModel = await Assert.ThrowsAsync<RpcException>(() => raw.Inference.RunAsync(new V1.RunRequest { LeaseId = lease.Id, ModelId = "md_nope" }, raw.Headers).ResponseAsync);

        Assert.Contains("x", shape.Message, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, bytes.StatusCode);
        Assert.Contains("Tensor 'x'", bytes.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.NotFound, unknownModel.StatusCode);
        Assert.Equal(ErrorKinds.ModelNotFound, unknownModel.Trailers.GetValue(ErrorKinds.Trailer));
    }
}
