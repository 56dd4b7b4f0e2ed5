using System.Diagnostics;
using GpuPool.Benchmarks.Infrastructure;
using GpuPool.Protocol;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.Benchmarks.Remote;

/// <summary>
/// Lease + release round trips through the SDK against a real server on TCP loopback, and a bare unary
/// echo call on the same server measured in the same run, alternating so that both see the same machine.
/// </summary>
internal sealed class RemoteLeaseBenchmark : IBenchmark
{
    public string Name => "remote-lease";

    public string Description => "remote LeaseAsync + DisposeAsync over TCP loopback vs a bare unary gRPC echo: p50/p99 and ratio";

    public async Task<int> RunAsync(BenchArgs args, CancellationToken cancellationToken)
    {
        var iterations = args.GetInt("iterations", 5000);
        var warmup = args.GetInt("warmup", 2000);
        await using var server = await BenchServer.StartAsync();
        var services = new ServiceCollection().AddLogging();
        services.AddGpuPool().UseServer(server.Address, BenchServer.ApiKey);
        await using var provider = services.BuildServiceProvider();
        var pool = provider.GetRequiredService<IGpuPool>();
        using var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true } });
        var echo = new Echo.EchoService.EchoServiceClient(channel);
        var headers = new Metadata { { ErrorKinds.ApiKeyHeader, BenchServer.ApiKey } };
        var message = new Echo.EchoMessage { Text = "ping" };
        var request = SliceRequest.ForShare(ByteSize.MiB(256), 100);

        for (var i = 0; i < warmup; i++)
        {
            await using (await pool.LeaseAsync(request, cancellationToken))
            {
            }

            await echo.EchoAsync(message, headers, cancellationToken: cancellationToken);
        }

        var lease = new double[iterations];
        var bare = new double[iterations];
        for (var i = 0; i < iterations; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var held = await pool.LeaseAsync(request, cancellationToken);
            await held.DisposeAsync();
            lease[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;

            start = Stopwatch.GetTimestamp();
            await echo.EchoAsync(message, headers, cancellationToken: cancellationToken);
            bare[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        Array.Sort(lease);
        Array.Sort(bare);
        var p50 = Percentiles.Of(lease, 50);
        var p99 = Percentiles.Of(lease, 99);
        var echoP50 = Percentiles.Of(bare, 50);
        Console.WriteLine($"remote lease+release: {iterations} pairs, p50 {p50:F1} us, p99 {p99:F1} us; unary echo p50 {Percentiles.Of(bare, 50):F1} us, p99 {Percentiles.Of(bare, 99):F1} us");
        JsonLine.Write(new Dictionary<string, object?>
        {
            ["bench"] = Name,
            ["p50_us"] = Math.Round(p50, 1),
            ["p99_us"] = Math.Round(p99, 1),
            ["echo_p50_us"] = Math.Round(echoP50, 1),
            ["ratio_p50"] = Math.Round(p50 / echoP50, 3),
        });
        return 0;
    }
}
