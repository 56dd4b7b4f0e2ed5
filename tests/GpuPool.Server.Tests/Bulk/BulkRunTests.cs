using GpuPool.Runtime.Scheduling;
using GpuPool.Server.Bulk;
using GpuPool.Server.Tests.Support;
using GpuPool.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace GpuPool.Server.Tests.Bulk;

/// <summary>The SDK's bulk run path (docs/protocol.md, "Bulk runs"): which runs take it, what they return, cancellation and fallback.</summary>
public sealed class BulkRunTests(ITestOutputHelper output)
{
    private const int Features = 256;

    [Fact]
    public async Task RunAsync_LargeInputs_GoOverTheBulkPathWithTheGrpcRunsOutputs()
    {
        await using var server = await ServerHost.StartAsync(output);
        var statistics = server.Services.GetRequiredService<BulkRunStatistics>();
        var bytes = TestModels.Linear(Features, Features);
        var large = Input(1024); // 1 MiB of inputs
        var small = Input(4);

        var (bulk, bulkSmall) = await RunAsync(server, bytes, large, small, configure: null);
        var bulkRuns = statistics.Runs;
        var (grpc, _) = await RunAsync(server, bytes, large, small, configure: o => o.BulkRunMinBytes = 0);

        // The large run went over the bulk path, the small one over the run stream; gRPC alone when bulk is off.
        Assert.Equal(1, bulkRuns);
        Assert.Equal(1, statistics.Runs);
        Assert.InRange(statistics.Bytes, large["x"].Data.Length, large["x"].Data.Length + 1024L);
        Assert.Equal(grpc["y"].Shape, bulk["y"].Shape);
        Assert.Equal(grpc["y"].ElementType, bulk["y"].ElementType);
        Assert.Equal(grpc["y"].Data.ToArray(), bulk["y"].Data.ToArray());
        AssertClose(TestModels.LinearReference(small["x"].ToArray<float>(), 4, Features, Features), bulkSmall["y"].ToArray<float>());
    }

    [Fact]
    public async Task RunAsync_OverTheUnixSocket_GoesOverTheBulkSocket()
    {
        var socket = Path.Combine(Path.GetTempPath(), $"gpupool-bulk-{Guid.NewGuid():N}.sock");
        await using var server = await ServerHost.StartAsync(output, settings: new Dictionary<string, string?> { ["GpuPoolServer:UnixSocketPath"] = socket });
        var statistics = server.Services.GetRequiredService<BulkRunStatistics>();
        var bytes = TestModels.Linear(Features, Features);
        var input = Input(512);

        var services = new ServiceCollection().AddLogging();
        services.AddGpuPool().UseServerUnixSocket(socket, Keys.Alpha);
        await using var sdk = services.BuildServiceProvider();
        await using var lease = await sdk.GetRequiredService<IGpuPool>().LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(256), 500));
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(bytes, "linear"));
        var result = await model.RunAsync(input);

        Assert.Equal(1, statistics.Runs);
        Assert.True(File.Exists(socket + ".bulk"));
        AssertClose(TestModels.LinearReference(input["x"].ToArray<float>(), 512, Features, Features), result["y"].ToArray<float>());
    }

    [Theory]
    [InlineData("off")]
    [InlineData("unreachable")]
    public async Task RunAsync_BulkEndpointOffOrUnreachable_RunsOverGrpc(string how)
    {
        var settings = how == "off"
            ? new Dictionary<string, string?> { ["GpuPoolServer:Bulk:Enabled"] = "false" }
            : new Dictionary<string, string?> { ["GpuPoolServer:Bulk:AdvertisedEndpoints"] = $"http://*:{ClosedPort()}" };
        await using var server = await ServerHost.StartAsync(output, settings: settings);
        var statistics = server.Services.GetRequiredService<BulkRunStatistics>();
        var input = Input(1024);

        var (result, _) = await RunAsync(server, TestModels.Linear(Features, Features), input, Input(1), configure: null);

        Assert.Equal(0, statistics.Runs);
        Assert.Equal(0, statistics.RefusedRuns);
        AssertClose(TestModels.LinearReference(input["x"].ToArray<float>(), 1024, Features, Features), result["y"].ToArray<float>());
    }

    [Theory]
    [InlineData("http")]
    [InlineData("raw-tcp")]
    public async Task RunAsync_CancelledDuringABulkRun_ThrowsAndTheServerDropsTheRun(string transport)
    {
        using var gated = new GatedBackend();
        var settings = transport == "raw-tcp" ? new Dictionary<string, string?> { ["GpuPoolServer:Bulk:TcpPort"] = "0" } : null;
        await using var server = await SingleSlotServer.StartAsync(output, gated, settings: settings);
        var statistics = server.Services.GetRequiredService<BulkRunStatistics>();
        await using var sdk = Clients.Sdk(server.Address, Keys.Alpha);
        await using var lease = await sdk.GetRequiredService<IGpuPool>().LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 250));
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(TestModels.Linear(1, 1), "gated"));
        var scheduler = server.Services.GetRequiredService<FairDeviceScheduler>();
        var values = Enumerable.Repeat(7f, 128 * 1024).ToArray(); // 512 KiB: a bulk run
        var input = new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(values, values.Length) };

        // The device's one run slot is held at the gate; the second run waits in the server's queue.
        var first = model.RunAsync(input).AsTask();
        await gated.WhenEnteredAsync();
        using var cancel = new CancellationTokenSource();
        var second = model.RunAsync(input, cancel.Token).AsTask();
        await Signals.Until(() => Queued(scheduler, lease) == 1);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
        // The run left the server's queue while the slot was still held: the closed connection cancelled it.
        await Signals.Until(() => Queued(scheduler, lease) == 0);
        gated.Open();
        var result = await first;
        Assert.Equal(values, result["y"].ToArray<float>());
        Assert.Equal(1, gated.Runs);
        Assert.Equal(1, statistics.Runs);
        // Over the raw TCP bulk port: two connections (the first run held one while the second ran on another).
        Assert.Equal(transport == "raw-tcp" ? 2 : 0, server.Services.GetRequiredService<BulkTcpListener>().Connections);
    }

    private async Task<(IReadOnlyDictionary<string, TensorValue> Large, IReadOnlyDictionary<string, TensorValue> Small)> RunAsync(
        ServerHost server, byte[] bytes, Dictionary<string, TensorValue> large, Dictionary<string, TensorValue> small, Action<GpuPoolOptions>? configure)
    {
        await using var sdk = Clients.Sdk(server.Address, Keys.Alpha, configure: configure);
        await using var lease = await sdk.GetRequiredService<IGpuPool>().LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(256), 500));
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(bytes, "linear"));
        var largeResult = await model.RunAsync(large);
        var smallResult = await model.RunAsync(small);
        output.WriteLine($"runs done for lease {lease.Id}");
        return (largeResult, smallResult);
    }

    private static Dictionary<string, TensorValue> Input(int batch) =>
        new() { ["x"] = TensorValue.FromArray(TestModels.Weights(11, batch * Features), batch, Features) };

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * Math.Max(1, Math.Abs(expected[i])), $"element {i}: {actual[i]}, expected {expected[i]}");
        }
    }

    private static int Queued(FairDeviceScheduler scheduler, GpuLease lease) =>
        scheduler.UsageOf(lease.Device.Id).Where(u => u.LeaseId == lease.Id).Sum(u => u.Queued);
}
