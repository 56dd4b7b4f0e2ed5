using System.Runtime.InteropServices;
using GpuPool.Server.Inference.Wire;
using GpuPool.Server.Leasing;
using GpuPool.Server.Tests.Support;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace GpuPool.Server.Tests.Kserve;

public sealed class GrpcInferenceServiceTests(ITestOutputHelper output) : IDisposable
{
    private static readonly float[] X = [0.5f, -1f, 2f, 0.25f, 1f, 1f, -0.5f, 3f];
    private readonly KserveRepository _repository = new();

    [Fact]
    public async Task ServerMetadata_Called_ListsTheExtensions()
    {
        await using var server = await ServerHost.StartAsync(output, settings: _repository.Settings());
        using var client = new KserveClient(server.Address, Keys.Alpha);

        var metadata = await client.Client.ServerMetadataAsync(new ServerMetadataRequest(), client.Headers);
        var live = await client.Client.ServerLiveAsync(new ServerLiveRequest(), client.Headers);
        var ready = await client.Client.ServerReadyAsync(new ServerReadyRequest(), client.Headers);

        Assert.Equal("gpupool", metadata.Name);
        Assert.Contains("model_repository", metadata.Extensions);
        Assert.Contains("statistics", metadata.Extensions);
        Assert.True(live.Live);
        Assert.True(ready.Ready);
    }

    [Fact]
    public async Task ModelMetadata_OwnModel_DescribesTheServedVersionsAndTensors()
    {
        await using var server = await ServerHost.StartAsync(output, settings: _repository.Settings());
        using var client = new KserveClient(server.Address, Keys.Alpha);

        var metadata = await client.Client.ModelMetadataAsync(new ModelMetadataRequest { Name = "linear" }, client.Headers);
        var all = await client.Client.ModelMetadataAsync(new ModelMetadataRequest { Name = "linear-all" }, client.Headers);

        Assert.Equal(["2"], metadata.Versions);
        Assert.Equal(["2", "1"], all.Versions);
        Assert.Equal("onnxruntime_onnx", metadata.Platform);
        var input = Assert.Single(metadata.Inputs);
        Assert.Equal(("x", "FP32"), (input.Name, input.Datatype));
        Assert.Equal([-1L, KserveRepository.In], input.Shape);
        Assert.Equal(("y", "FP32"), (metadata.Outputs[0].Name, metadata.Outputs[0].Datatype));
    }

    [Fact]
    public async Task ModelInfer_TypedContents_AnswersTypedOutputsEqualToOnnxRuntime()
    {
        await using var server = await ServerHost.StartAsync(output, settings: _repository.Settings());
        using var client = new KserveClient(server.Address, Keys.Alpha);

        var response = await client.Client.ModelInferAsync(KserveClient.Typed("linear", X), client.Headers);

        var y = Assert.Single(response.Outputs);
        Assert.Equal(("linear", "2", "req-1"), (response.ModelName, response.ModelVersion, response.Id));
        Assert.Equal(("y", "FP32"), (y.Name, y.Datatype));
        Assert.Equal([2L, KserveRepository.Out], y.Shape);
        Assert.Empty(response.RawOutputContents);
        Assert.Equal(OnnxReference.Run(KserveRepository.Model(2), "x", X, 2, KserveRepository.In), y.Contents.Fp32Contents);
    }

    [Fact]
    public async Task ModelInfer_RawContentsAndVersion_AnswersRawOutputsOfThatVersion()
    {
        await using var server = await ServerHost.StartAsync(output, settings: _repository.Settings());
        using var client = new KserveClient(server.Address, Keys.Alpha);

        var response = await client.Client.ModelInferAsync(KserveClient.Raw("linear-all", X, version: "1"), client.Headers);

        Assert.Equal("1", response.ModelVersion);
        var raw = Assert.Single(response.RawOutputContents);
        Assert.Null(response.Outputs[0].Contents);
        Assert.Equal(OnnxReference.Run(KserveRepository.Model(1), "x", X, 2, KserveRepository.In), MemoryMarshal.Cast<byte, float>(raw.Span).ToArray());
    }

    [Fact]
    public async Task ModelInfer_ModelOfAnotherTenantOrUnknown_NotFound()
    {
        await using var server = await ServerHost.StartAsync(output, settings: _repository.Settings());
        using var client = new KserveClient(server.Address, Keys.Alpha);

        var other = await Assert.ThrowsAsync<RpcException>(() => client.Client.ModelInferAsync(KserveClient.Typed("beta-linear", X), client.Headers).ResponseAsync);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => client.Client.ModelInferAsync(KserveClient.Typed("nope", X), client.Headers).ResponseAsync);
        var version = await Assert.ThrowsAsync<RpcException>(() => client.Client.ModelInferAsync(KserveClient.Typed("linear", X, version: "7"), client.Headers).ResponseAsync);
        var ready = await client.Client.ModelReadyAsync(new ModelReadyRequest { Name = "beta-linear" }, client.Headers);

        Assert.Equal(StatusCode.NotFound, other.StatusCode);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(StatusCode.NotFound, version.StatusCode);
        Assert.False(ready.Ready);
    }

    [Fact]
    public async Task ModelInfer_NoOrUnknownKey_Unauthenticated()
    {
        await using var server = await ServerHost.StartAsync(output, settings: _repository.Settings());
        using var anonymous = new KserveClient(server.Address, apiKey: null);
        using var wrong = new KserveClient(server.Address, "not-a-key");

        var none = await Assert.ThrowsAsync<RpcException>(() => anonymous.Client.ModelInferAsync(KserveClient.Typed("linear", X), anonymous.Headers).ResponseAsync);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => wrong.Client.ModelMetadataAsync(new ModelMetadataRequest { Name = "linear" }, wrong.Headers).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, none.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, unknown.StatusCode);
    }

    [Fact]
    public async Task RepositoryIndex_Tenant_SeesOnlyItsOwnModels()
    {
        await using var server = await ServerHost.StartAsync(output, settings: _repository.Settings());
        using var alpha = new KserveClient(server.Address, Keys.Alpha);
        using var admin = new KserveClient(server.Address, Keys.Admin);

        var mine = await alpha.Client.RepositoryIndexAsync(new RepositoryIndexRequest(), alpha.Headers);
        var readyOnly = await alpha.Client.RepositoryIndexAsync(new RepositoryIndexRequest { Ready = true }, alpha.Headers);
        var everything = await admin.Client.RepositoryIndexAsync(new RepositoryIndexRequest(), admin.Headers);

        Assert.Equal(["linear/2/READY", "linear-all/2/READY", "linear-all/1/READY", "manual//UNAVAILABLE"], mine.Models.Select(m => $"{m.Name}/{m.Version}/{m.State}"));
        Assert.DoesNotContain(readyOnly.Models, m => m.Name == "manual");
        Assert.Contains(everything.Models, m => m.Name == "beta-linear" && m.State == "READY");
    }

    [Fact]
    public async Task RepositoryModelLoad_AdminKey_LoadsIntoALeaseOfTheOwningTenantAndUnloadEndsIt()
    {
        await using var server = await ServerHost.StartAsync(output, settings: _repository.Settings());
        using var alpha = new KserveClient(server.Address, Keys.Alpha);
        using var admin = new KserveClient(server.Address, Keys.Admin);
        var leases = server.Services.GetRequiredService<LeaseOperations>();
        var before = leases.List("alpha").Count;

        var denied = await Assert.ThrowsAsync<RpcException>(() => alpha.Client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "manual" }, alpha.Headers).ResponseAsync);
        await admin.Client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "manual" }, admin.Headers);
        var loaded = await alpha.Client.ModelReadyAsync(new ModelReadyRequest { Name = "manual" }, alpha.Headers);
        var run = await alpha.Client.ModelInferAsync(KserveClient.Typed("manual", X), alpha.Headers);
        var afterLoad = leases.List("alpha");
        await admin.Client.RepositoryModelUnloadAsync(new RepositoryModelUnloadRequest { ModelName = "manual" }, admin.Headers);
        var unloaded = await alpha.Client.ModelReadyAsync(new ModelReadyRequest { Name = "manual" }, alpha.Headers);
        var notReady = await Assert.ThrowsAsync<RpcException>(() => alpha.Client.ModelInferAsync(KserveClient.Typed("manual", X), alpha.Headers).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.True(loaded.Ready);
        Assert.Single(run.Outputs);
        Assert.Equal(before + 1, afterLoad.Count);
        Assert.Contains(afterLoad, l => l.Request.ComputeMilli == 100 && l.Request.MemoryBytes == 64L << 20);
        Assert.False(unloaded.Ready);
        Assert.Equal(before, leases.List("alpha").Count);
        Assert.Equal(StatusCode.Unavailable, notReady.StatusCode);
    }

    [Fact]
    public async Task ModelStreamInfer_RequestsWithOneBad_AnswersInOrderWithTheErrorInItsPlace()
    {
        await using var server = await ServerHost.StartAsync(output, settings: _repository.Settings());
        using var client = new KserveClient(server.Address, Keys.Alpha);

        using var call = client.Client.ModelStreamInfer(client.Headers);
        for (var i = 0; i < 10; i++)
        {
            var request = KserveClient.Typed(i == 4 ? "nope" : "linear", [i, 0, 0, 0]);
            request.Id = $"r{i}";
            await call.RequestStream.WriteAsync(request);
        }

        await call.RequestStream.CompleteAsync();
        var replies = new List<ModelStreamInferResponse>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            replies.Add(call.ResponseStream.Current);
        }

        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"r{i}"), replies.Select(r => r.InferResponse.Id));
        Assert.Contains("nope", replies[4].ErrorMessage, StringComparison.Ordinal);
        Assert.All(replies.Where((_, i) => i != 4), r => Assert.Equal("", r.ErrorMessage));
        Assert.Equal(OnnxReference.Run(KserveRepository.Model(2), "x", [3, 0, 0, 0], 1, KserveRepository.In), replies[3].InferResponse.Outputs[0].Contents.Fp32Contents);
    }

    [Fact]
    public async Task ModelStatistics_AfterRuns_CountsSuccessesAndFailures()
    {
        await using var server = await ServerHost.StartAsync(output, settings: _repository.Settings());
        using var client = new KserveClient(server.Address, Keys.Alpha);
        await client.Client.ModelInferAsync(KserveClient.Typed("linear", X), client.Headers);
        await client.Client.ModelInferAsync(KserveClient.Raw("linear", X), client.Headers);

        var stats = await client.Client.ModelStatisticsAsync(new ModelStatisticsRequest { Name = "linear" }, client.Headers);
        var all = await client.Client.ModelStatisticsAsync(new ModelStatisticsRequest(), client.Headers);

        var linear = Assert.Single(stats.ModelStats);
        Assert.Equal(("linear", "2"), (linear.Name, linear.Version));
        Assert.Equal(2UL, linear.InferenceStats.Success.Count);
        Assert.True(linear.LastInference > 0);
        Assert.Equal("CPU", Assert.Single(linear.MemoryUsage).Type);
        Assert.DoesNotContain(all.ModelStats, s => s.Name == "beta-linear");
    }

    public void Dispose() => _repository.Dispose();
}
