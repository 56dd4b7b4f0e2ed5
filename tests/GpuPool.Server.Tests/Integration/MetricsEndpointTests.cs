using System.Net;
using System.Net.Http.Headers;
using GpuPool.Server.Auth;
using GpuPool.Server.Tests.Support;
using GpuPool.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace GpuPool.Server.Tests.Integration;

/// <summary>
/// The server's meters through OpenTelemetry's Prometheus exporter at /metrics: what it lists, and who may read it
/// (tenant names are in it). Not run in parallel with other tests: an exporter sees every meter of its name in the process.
/// </summary>
[Collection(MetricsTestGroup.Name)]
public sealed class MetricsEndpointTests(ITestOutputHelper output)
{
    private const string Scope = "otel_scope_name=\"GpuPool.Server\",";

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
            Assert.Contains("gpupool_server_sessions_active{otel_scope_name=\"GpuPool.Server\"} 1\n", open, StringComparison.Ordinal);
            Assert.Matches(@"gpupool_tenant_memory_allocated_bytes\{otel_scope_name=""GpuPool.Runtime"",gpupool_tenant=""alpha""\} 134217728\n", open);
            Assert.Matches(@"gpupool_device_compute_allocated\{otel_scope_name=""GpuPool.Runtime"",gpupool_device=""cpu0""\} 200\n", open);
        }

        // The session stream ends on the server shortly after the client closes it; its request duration is recorded just after.
        const string sessionClosed = "sessions_active{otel_scope_name=\"GpuPool.Server\"} 0\n";
        const string sessionRecorded = "rpc_method=\"/gpupool.v1.Leases/Session\"}";
        var text = await ScrapeAsync(server);
        for (var deadline = DateTime.UtcNow + Signals.Ceiling; !(text.Contains(sessionClosed, StringComparison.Ordinal) && text.Contains(sessionRecorded, StringComparison.Ordinal)) && DateTime.UtcNow < deadline; text = await ScrapeAsync(server))
        {
            await Task.Delay(10);
        }

        Assert.Contains("# TYPE gpupool_server_request_duration_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Matches(@"gpupool_server_request_duration_seconds_count\{" + Scope + @"rpc_grpc_status_code=""0"",rpc_method=""/gpupool\.v1\.Leases/Acquire""\} 1\n", text);
        Assert.Matches(@"gpupool_server_request_duration_seconds_bucket\{" + Scope + @"rpc_grpc_status_code=""0"",rpc_method=""/gpupool\.v1\.Leases/Acquire"",le=""\+Inf""\} 1\n", text);
        Assert.Matches(@"gpupool_server_request_duration_seconds_count\{" + Scope + @"rpc_grpc_status_code=""1"",rpc_method=""/gpupool\.v1\.Leases/Session""\} 1\n", text);
        Assert.Contains("gpupool_server_sessions_active{otel_scope_name=\"GpuPool.Server\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE gpupool_lease_granted_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE gpupool_model_run_duration_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Matches(@"gpupool_model_runs_total\{otel_scope_name=""GpuPool.Runtime"",gpupool_device=""cpu0"",gpupool_tenant=""alpha""\} 1\n", text);
        Assert.Matches(@"gpupool_run_queue_duration_seconds_count\{otel_scope_name=""GpuPool.Runtime"",gpupool_device=""cpu0"",gpupool_tenant=""alpha""\} 1\n", text);
        Assert.Contains("# TYPE gpupool_tenant_compute_used_seconds_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE gpupool_device_busy_time_seconds_total counter\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("ls_", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_RejectedCall_CountedUnderItsStatusCode()
    {
        await using var server = await ServerHost.StartAsync(output);
        using var raw = Clients.RawClient(server.Address, Keys.Alpha);

        await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => raw.Leases.RenewAsync(new Protocol.V1.RenewRequest { LeaseId = "no-such-lease" }, raw.Headers).ResponseAsync);

        var text = await ScrapeAsync(server);
        Assert.Matches(@"gpupool_server_request_duration_seconds_count\{" + Scope + @"rpc_grpc_status_code=""5"",rpc_method=""/gpupool\.v1\.Leases/Renew""\} 1\n", text);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("not-a-key", HttpStatusCode.Unauthorized)]
    [InlineData(Keys.Alpha, HttpStatusCode.Forbidden)]
    [InlineData(Keys.Admin, HttpStatusCode.OK)]
    [InlineData(ScrapeKey, HttpStatusCode.OK)]
    public async Task Metrics_TenantsConfigured_NeedAdminOrScrapeKey(string? key, HttpStatusCode expected)
    {
        await using var server = await ServerHost.StartAsync(output, settings: new Dictionary<string, string?>
        {
            ["GpuPoolServer:Telemetry:MetricsApiKeySha256:0"] = ApiKeyRegistry.Hash(ScrapeKey),
        });

        using var response = await GetAsync(server.HttpPort, key);

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.Unauthorized)
        {
            Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Metrics_OnGrpcPort_NotServed()
    {
        await using var server = await ServerHost.StartAsync(output);
        using var http = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        http.DefaultRequestHeaders.Add("x-api-key", Keys.Admin);

        using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{server.GrpcPort}{GpuPoolServerApp.MetricsPath}"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Metrics_DedicatedListenerAnonymous_ServedThereOnly()
    {
        var port = FreePort();
        await using var server = await ServerHost.StartAsync(output, settings: new Dictionary<string, string?>
        {
            ["GpuPoolServer:Telemetry:MetricsUrl"] = $"http://127.0.0.1:{port}",
            ["GpuPoolServer:Telemetry:AllowAnonymousMetrics"] = "true",
        });

        using var dedicated = await GetAsync(port, key: null);
        using var health = await GetAsync(server.HttpPort, Keys.Admin);

        Assert.Equal(HttpStatusCode.OK, dedicated.StatusCode);
        Assert.Contains("# TYPE", await dedicated.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, health.StatusCode);
    }

    [Fact]
    public async Task Metrics_NoTenantsConfigured_ServedWithoutKeyOnHealthPort()
    {
        await using var server = await GpuPool.Server.TestHost.LoopbackServer.StartAsync(logs: new GpuPool.Server.TestHost.XunitLoggerProvider(output));

        using var response = await GetAsync(server.HttpPort, key: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Start_AnonymousMetricsWithoutDedicatedListener_Refused()
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => ServerHost.StartAsync(output, settings: new Dictionary<string, string?>
        {
            ["GpuPoolServer:Telemetry:AllowAnonymousMetrics"] = "true",
        }));

        Assert.Contains("MetricsUrl", error.Message, StringComparison.Ordinal);
    }

    private const string ScrapeKey = "scrape-only-key";

    private static async Task<HttpResponseMessage> GetAsync(int port, string? key)
    {
        using var http = new HttpClient();
        if (key is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return await http.GetAsync(new Uri($"http://127.0.0.1:{port}{GpuPoolServerApp.MetricsPath}"));
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task<string> ScrapeAsync(ServerHost server)
    {
        using var response = await GetAsync(server.HttpPort, Keys.Admin);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        output.WriteLine(text);
        return text;
    }
}
