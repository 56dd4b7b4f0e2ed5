using GpuPool.Server.Tests.Support;
using GpuPool.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace GpuPool.Server.Tests.Integration;

/// <summary>The server's meter and the Prometheus-format /metrics endpoint on the health port.</summary>
public sealed class MetricsEndpointTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Metrics_AfterCalls_ListsRequestDurationsSessionsAndRuntimeInstruments()
    {
        await using var server = await ServerHost.StartAsync(output);
        await using (var client = Clients.Sdk(server.Address, Keys.Alpha))
        {
            var pool = client.GetRequiredService<IGpuPool>();
            await KeepAliveTests.WaitForSession(pool);
            await using var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 100));
            await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(TestModels.Linear(4, 2)));
            await model.RunAsync(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(new float[] { 1, 2, 3, 4 }, 1, 4) });
            using var raw = Clients.RawClient(server.Address, Keys.Alpha);
            var unary = await raw.Leases.AcquireAsync(new Protocol.V1.AcquireRequest { Slice = new Protocol.V1.SliceRequest { MemoryBytes = ByteSize.MiB(64), ComputeMilli = 100 } }, raw.Headers);
            Assert.NotNull(unary.Lease);

            var open = await ScrapeAsync(server);
            Assert.Contains("gpupool_server_sessions_active 1\n", open, StringComparison.Ordinal);
        }

        // The session stream ends on the server shortly after the client closes it.
        var text = await ScrapeAsync(server);
        for (var deadline = DateTime.UtcNow + Signals.Ceiling; !text.Contains("sessions_active 0\n", StringComparison.Ordinal) && DateTime.UtcNow < deadline; text = await ScrapeAsync(server))
        {
            await Task.Delay(10);
        }

        Assert.Contains("# TYPE gpupool_server_request_duration_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Matches(@"gpupool_server_request_duration_seconds_count\{rpc_grpc_status_code=""0"",rpc_method=""/gpupool\.v1\.Leases/Acquire""\} 1\n", text);
        Assert.Matches(@"gpupool_server_request_duration_seconds_bucket\{rpc_grpc_status_code=""0"",rpc_method=""/gpupool\.v1\.Leases/Acquire"",le=""\+Inf""\} 1\n", text);
        Assert.Matches(@"gpupool_server_request_duration_seconds_count\{rpc_grpc_status_code=""1"",rpc_method=""/gpupool\.v1\.Leases/Session""\} 1\n", text);
        Assert.Contains("gpupool_server_sessions_active 0\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE gpupool_lease_granted_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE gpupool_model_run_duration_seconds histogram\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_RejectedCall_CountedUnderItsStatusCode()
    {
        await using var server = await ServerHost.StartAsync(output);
        using var raw = Clients.RawClient(server.Address, Keys.Alpha);

        await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => raw.Leases.RenewAsync(new Protocol.V1.RenewRequest { LeaseId = "no-such-lease" }, raw.Headers).ResponseAsync);

        var text = await ScrapeAsync(server);
        Assert.Matches(@"gpupool_server_request_duration_seconds_count\{rpc_grpc_status_code=""5"",rpc_method=""/gpupool\.v1\.Leases/Renew""\} 1\n", text);
    }

    private static async Task<string> ScrapeAsync(ServerHost server)
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{server.HttpPort}{GpuPoolServerApp.MetricsPath}"));
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync();
    }
}
