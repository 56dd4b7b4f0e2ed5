using GpuPool.Server.Inference;
using GpuPool.Server.Inference.Wire;
using GpuPool.Server.Leasing;
using GpuPool.Server.Tests.Support;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace GpuPool.Server.Tests.Kserve;

/// <summary>Repository models live in leases of the pool: quotas apply, revokes show, renewals keep them.</summary>
public sealed class RepositoryLeaseTests(ITestOutputHelper output) : IDisposable
{
    private static readonly float[] X = [1f, 2f, 3f, 4f];
    private readonly KserveRepository _repository = new();

    [Fact]
    public async Task RepositoryModelLoad_OverTheTenantsQuota_ResourceExhaustedAndListedWithTheReason()
    {
        _repository.Add("too-big", """{ "tenant": "limited", "memoryBytes": 536870912, "computeMilli": 100, "loadAtStart": false }""", 1);
        await using var server = await ServerHost.StartAsync(output, settings: _repository.Settings());
        using var admin = new KserveClient(server.Address, Keys.Admin);

        var error = await Assert.ThrowsAsync<RpcException>(() => admin.Client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "too-big" }, admin.Headers).ResponseAsync);
        var index = await admin.Client.RepositoryIndexAsync(new RepositoryIndexRequest(), admin.Headers);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        var row = Assert.Single(index.Models, m => m.Name == "too-big");
        Assert.Equal("UNAVAILABLE", row.State);
        Assert.Contains("load failed", row.Reason, StringComparison.Ordinal);
        Assert.Empty(server.Services.GetRequiredService<LeaseOperations>().List("limited"));
    }

    [Fact]
    public async Task ServerStart_CorruptModelAndBadConfig_ServesTheOthersAndListsWhy()
    {
        _repository.Add("corrupt", """{ "tenant": "alpha", "memoryBytes": 67108864, "computeMilli": 100 }""");
        Directory.CreateDirectory(Path.Combine(_repository.Path, "corrupt", "1"));
        await File.WriteAllBytesAsync(Path.Combine(_repository.Path, "corrupt", "1", "model.onnx"), [1, 2, 3, 4, 5, 6, 7, 8]);
        _repository.Add("bad-config", """{ "tenant": "alpha", "memoryBytes": -1, "priority": "Urgent" }""", 1);
        await using var server = await ServerHost.StartAsync(output, settings: _repository.Settings());
        using var admin = new KserveClient(server.Address, Keys.Admin);
        using var alpha = new KserveClient(server.Address, Keys.Alpha);

        var index = await admin.Client.RepositoryIndexAsync(new RepositoryIndexRequest(), admin.Headers);
        var good = await alpha.Client.ModelInferAsync(KserveClient.Typed("linear", X), alpha.Headers);

        output.WriteLine(string.Join("\n", index.Models.Select(m => $"{m.Name} {m.State} {m.Reason}")));
        var corrupt = Assert.Single(index.Models, m => m.Name == "corrupt");
        Assert.Equal("UNAVAILABLE", corrupt.State);
        Assert.Contains("ONNX", corrupt.Reason, StringComparison.Ordinal);
        Assert.Contains("gpupool.json", Assert.Single(index.Models, m => m.Name == "bad-config").Reason, StringComparison.Ordinal);
        Assert.Single(good.Outputs);
    }

    [Fact]
    public async Task ModelInfer_AfterTheOperatorRevokesTheLease_UnavailableUntilLoadedAgain()
    {
        await using var server = await ServerHost.StartAsync(output, settings: _repository.Settings());
        using var alpha = new KserveClient(server.Address, Keys.Alpha);
        using var admin = new KserveClient(server.Address, Keys.Admin);
        var version = Linear(server);

        await server.Services.GetRequiredService<LeaseOperations>().RevokeAsync(version.Lease.Id);
        var ready = await alpha.Client.ModelReadyAsync(new ModelReadyRequest { Name = "linear" }, alpha.Headers);
        var error = await Assert.ThrowsAsync<RpcException>(() => alpha.Client.ModelInferAsync(KserveClient.Typed("linear", X), alpha.Headers).ResponseAsync);
        var index = await alpha.Client.RepositoryIndexAsync(new RepositoryIndexRequest(), alpha.Headers);
        await admin.Client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "linear" }, admin.Headers);
        var again = await alpha.Client.ModelInferAsync(KserveClient.Typed("linear", X), alpha.Headers);

        Assert.False(ready.Ready);
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("Revoked", Assert.Single(index.Models, m => m.Name == "linear").Reason, StringComparison.Ordinal);
        Assert.Single(again.Outputs);
    }

    [Fact]
    public async Task RenewAll_TwentySecondsIn_ExtendsEveryLeaseByItsTimeToLiveFromNow()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var settings = _repository.Settings();
        settings["GpuPoolServer:ModelRepository:LeaseTimeToLive"] = "00:00:30";
        await using var server = await ServerHost.StartAsync(output, time, settings);
        var version = Linear(server);
        var granted = version.Lease.ExpiresAt;

        time.Advance(TimeSpan.FromSeconds(20));
        await server.Services.GetRequiredService<ModelRepository>().RenewAllAsync(CancellationToken.None);

        Assert.Equal(time.GetUtcNow() + TimeSpan.FromSeconds(30), version.Lease.ExpiresAt);
        Assert.True(version.Lease.ExpiresAt > granted);
        Assert.True(version.IsReady);
    }

    private static RepositoryModelVersion Linear(ServerHost server) =>
        server.Services.GetRequiredService<ModelRepository>().GetRunnable(new Auth.CallerIdentity("alpha", false), "linear", "");

    public void Dispose() => _repository.Dispose();
}
