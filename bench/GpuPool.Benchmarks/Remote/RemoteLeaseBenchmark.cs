using System.Diagnostics;
using GpuPool.Benchmarks.Infrastructure;
using GpuPool.Protocol;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.Benchmarks.Remote;

/// <summary>
/// Lease + release through the SDK against a real server on TCP loopback, and a bare unary echo call on the
/// same server measured in the same run, interleaved so that all see the same machine. The headline figure
/// is what <c>await using</c> costs (LeaseAsync + DisposeAsync, whose release is pipelined); the confirmed
/// figure waits for the server's answer to the release too (LeaseAsync + ReleaseAsync).
/// </summary>
internal sealed class RemoteLeaseBenchmark : IBenchmark
{
    public string Name => "remote-lease";

    public string Description => "remote LeaseAsync + DisposeAsync (and + confirmed ReleaseAsync) over TCP loopback vs a bare unary gRPC echo: p50/p99 and ratios";

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

        // Each iteration: two lease + dispose pairs back to back (the second finds the first's release still
        // on its way, as a loop does), then an untimed wait until the server has answered that release, so
        // that its remaining work does not fall into the echo measured next; then a lease + confirmed release.
        var releases = ((GpuPool.Remote.RemoteGpuPool)pool).Session.Releases;
        var lease = new double[2 * iterations];
        var backToBack = new double[iterations];
        var confirmed = new double[iterations];
        var bare = new double[iterations];
        for (var i = 0; i < iterations; i++)
        {
            for (var k = 0; k < 2; k++)
            {
                var pairStart = Stopwatch.GetTimestamp();
                var pipelined = await pool.LeaseAsync(request, cancellationToken);
                await pipelined.DisposeAsync();
                lease[(2 * i) + k] = Stopwatch.GetElapsedTime(pairStart).TotalMicroseconds;
            }

            backToBack[i] = lease[(2 * i) + 1];
            await releases.WhenSettledAsync(TimeSpan.FromSeconds(10), cancellationToken);

            var start = Stopwatch.GetTimestamp();
            await echo.EchoAsync(message, headers, cancellationToken: cancellationToken);
            bare[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;

            start = Stopwatch.GetTimestamp();
            var held = await pool.LeaseAsync(request, cancellationToken);
            await held.ReleaseAsync(cancellationToken);
            confirmed[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        Array.Sort(lease);
        Array.Sort(backToBack);
        Array.Sort(confirmed);
        Array.Sort(bare);
        var p50 = Percentiles.Of(lease, 50);
        var p99 = Percentiles.Of(lease, 99);
        var confirmedP50 = Percentiles.Of(confirmed, 50);
        var echoP50 = Percentiles.Of(bare, 50);
        Console.WriteLine($"lease + dispose (pipelined release): {lease.Length} pairs, p50 {p50:F1} us, p99 {p99:F1} us; back to back p50 {Percentiles.Of(backToBack, 50):F1} us");
        Console.WriteLine($"lease + confirmed release: p50 {confirmedP50:F1} us, p99 {Percentiles.Of(confirmed, 99):F1} us");
        Console.WriteLine($"unary echo: p50 {echoP50:F1} us, p99 {Percentiles.Of(bare, 99):F1} us");
        JsonLine.Write(new Dictionary<string, object?>
        {
            ["bench"] = Name,
            ["p50_us"] = Math.Round(p50, 1),
            ["p99_us"] = Math.Round(p99, 1),
            ["echo_p50_us"] = Math.Round(echoP50, 1),
            ["ratio_p50"] = Math.Round(p50 / echoP50, 3),
            ["back_to_back_p50_us"] = Math.Round(Percentiles.Of(backToBack, 50), 1),
            ["confirmed_p50_us"] = Math.Round(confirmedP50, 1),
            ["confirmed_ratio_p50"] = Math.Round(confirmedP50 / echoP50, 3),
        });
        return 0;
    }
}
