using System.Diagnostics;
using GpuPool.Benchmarks.Infrastructure;
using GpuPool.Benchmarks.Remote;
using GpuPool.Server.TestHost;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace GpuPool.Benchmarks.LargeTensors;

/// <summary>
/// Moves large tensors through an identity-like model (as many bytes out as in) in-process (the embedded pool)
/// and through a real server over TCP loopback, a Unix socket and shared memory, in the same run. For each
/// size: the median time of a run per transport, the bytes moved (in + out) per second of it, and what the
/// transport adds over the in-process run. Rounds alternate between transports so all see the same machine.
/// </summary>
internal sealed class LargeTensorsBenchmark : IBenchmark
{
    private static readonly int[] DefaultSizesKiB = [64, 1024, 4096, 16384];

    public string Name => "large-tensors";

    public string Description => "large tensors through an identity-like model: MB/s and ms added over in-process per size for tcp and uds (what the SDK does: bulk runs from 256 KiB; tcp over the raw TCP bulk port), tcp-http (bulk runs over HTTP/1.1, a server without the raw port), tcp-grpc / uds-grpc (gRPC only, the baseline), shm, tcp-default-http2 (gRPC with the HTTP/2 stacks' defaults); --transports tcp-grpc,tcp-http,tcp,uds-grpc,uds,shm --sizes-kib 64,1024,4096,16384 --runs 30";

    public async Task<int> RunAsync(BenchArgs args, CancellationToken cancellationToken)
    {
        var runs = args.GetInt("runs", 30);
        var sizes = args.Get("sizes-kib") is { } list ? [.. list.Split(',').Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture))] : DefaultSizesKiB;
        var transports = (args.Get("transports") ?? "tcp-grpc,tcp-http,tcp,uds-grpc,uds,shm").Split(',');
        var socket = Path.Combine(Path.GetTempPath(), $"gpupool-bench-{Environment.ProcessId}.sock");
        // The raw TCP bulk port on (any free port): "tcp" runs over it; "tcp-http" runs over the HTTP/1.1 bulk path of a
        // second server without it (the bulk path before the raw port).
        await using var server = await BenchServer.StartAsync(new Dictionary<string, string?> { ["GpuPoolServer:UnixSocketPath"] = socket, ["GpuPoolServer:Bulk:TcpPort"] = "0" });
        await using var httpBulk = await BenchServer.StartAsync(new Dictionary<string, string?>());
        // The baseline for TCP: a second server and a client with the HTTP/2 stacks' default windows and frames.
        await using var defaults = await LoopbackServer.StartAsync(BenchServer.Settings(), configure: b => b.WebHost.ConfigureKestrel(DefaultHttp2.Restore));
        var model = IdentityModel.Build();
        // The remote leases share the server's CPU device (the embedded pool has its own): each an equal part of its
        // compute and of the memory it lends (half the host's), so that all of them fit at once. A long time-to-live:
        // on a loaded machine a missed keep-alive must not end the run.
        var remote = transports.Count(t => t != "tcp-default-http2");
        var request = SliceRequest.ForShare(ByteSize.GiB(3) / Math.Max(1, remote), 1000 / Math.Max(1, remote)) with { TimeToLive = TimeSpan.FromMinutes(30) };
        var defaultsRequest = request with { ComputeMilli = 1000 };

        var embedded = new ServiceCollection().AddLogging();
        embedded.AddGpuPool().AddOnnxRuntime().ConfigureRuntime(o => o.Cpu.HostMemoryBytes = ByteSize.GiB(8));
        await using var rigs = new TransportRigs();
        await rigs.AddAsync("inproc", embedded, request, model, shared: false, cancellationToken);
        foreach (var transport in transports)
        {
            var services = new ServiceCollection().AddLogging();
            // The -grpc baselines send every run over gRPC, as the SDK did before bulk runs.
            var builder = services.AddGpuPool(o => o.BulkRunMinBytes = transport.EndsWith("-grpc", StringComparison.Ordinal) ? 0 : o.BulkRunMinBytes);
            _ = transport switch
            {
                "tcp" or "tcp-grpc" => builder.UseServer(server.Address, BenchServer.ApiKey),
                "tcp-http" => builder.UseServer(httpBulk.Address, BenchServer.ApiKey),
                "tcp-default-http2" => builder.UseServer(defaults.Address, BenchServer.ApiKey),
                _ => builder.UseServerUnixSocket(socket, BenchServer.ApiKey),
            };
            GpuPool.Remote.PoolChannel.StreamWindowBytes = transport == "tcp-default-http2" ? DefaultHttp2.ClientStreamWindowBytes : GpuPool.Remote.PoolChannel.Http2StreamWindowBytes;
            await rigs.AddAsync(transport, services, transport == "tcp-default-http2" ? defaultsRequest : request, model, shared: transport == "shm", cancellationToken);
            GpuPool.Remote.PoolChannel.StreamWindowBytes = GpuPool.Remote.PoolChannel.Http2StreamWindowBytes;
        }

        foreach (var kib in sizes)
        {
            var bytes = kib * 1024;
            var input = IdentityModel.Input(bytes);
            var samples = rigs.All.ToDictionary(r => r.Name, _ => new List<double>());
            // CPU time of the whole process (client and server both run here) per run: what a transport costs
            // apart from waiting for a core, which on a loaded machine dominates the wall time.
            var cpu = rigs.All.ToDictionary(r => r.Name, _ => 0.0);
            var gcPause = rigs.All.ToDictionary(r => r.Name, _ => 0.0);
            var kernel = rigs.All.ToDictionary(r => r.Name, _ => 0.0);
            var allocated = rigs.All.ToDictionary(r => r.Name, _ => 0L);
            foreach (var rig in rigs.All)
            {
                await rig.PrepareAsync(input, cancellationToken);
                for (var i = 0; i < 3; i++)
                {
                    await rig.RunAsync(cancellationToken); // warm-up: JIT, flow-control windows, ONNX Runtime's first runs
                }
            }

            for (var i = 0; i < runs; i++)
            {
                foreach (var rig in rigs.All)
                {
                    var cpuStart = Environment.CpuUsage.TotalTime;
                    var kernelStart = Environment.CpuUsage.PrivilegedTime;
                    var pauseStart = GC.GetTotalPauseDuration();
                    var allocatedStart = GC.GetTotalAllocatedBytes();
                    var start = Stopwatch.GetTimestamp();
                    await rig.RunAsync(cancellationToken);
                    samples[rig.Name].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    cpu[rig.Name] += (Environment.CpuUsage.TotalTime - cpuStart).TotalMilliseconds;
                    gcPause[rig.Name] += (GC.GetTotalPauseDuration() - pauseStart).TotalMilliseconds;
                    kernel[rig.Name] += (Environment.CpuUsage.PrivilegedTime - kernelStart).TotalMilliseconds;
                    allocated[rig.Name] += GC.GetTotalAllocatedBytes() - allocatedStart;
                }
            }

            var inproc = Percentiles.Of(Percentiles.Sorted(samples["inproc"]), 50);
            var inprocCpu = cpu["inproc"] / runs;
            Console.WriteLine($"{kib} KiB: in-process p50 {inproc:F3} ms, {inprocCpu:F3} CPU ms, GC pauses {gcPause["inproc"] / runs:F3} ms, {allocated["inproc"] / runs / 1048576.0:F2} MiB allocated a run");
            foreach (var rig in rigs.All.Where(r => r.Name != "inproc"))
            {
                var p50 = Percentiles.Of(Percentiles.Sorted(samples[rig.Name]), 50);
                JsonLine.Write(new Dictionary<string, object?>
                {
                    ["bench"] = Name,
                    ["transport"] = rig.Name,
                    ["mib"] = Math.Round(kib / 1024.0, 4),
                    ["mb_per_s"] = Math.Round(2.0 * bytes / 1e6 / (p50 / 1000), 1),
                    ["added_ms"] = Math.Round(p50 - inproc, 3),
                    ["p50_ms"] = Math.Round(p50, 3),
                    ["inproc_p50_ms"] = Math.Round(inproc, 3),
                    ["cpu_ms"] = Math.Round(cpu[rig.Name] / runs, 3),
                    ["added_cpu_ms"] = Math.Round((cpu[rig.Name] / runs) - inprocCpu, 3),
                    ["kernel_cpu_ms"] = Math.Round(kernel[rig.Name] / runs, 3),
                    ["gc_pause_ms"] = Math.Round(gcPause[rig.Name] / runs, 3),
                    ["alloc_mib"] = Math.Round(allocated[rig.Name] / runs / 1048576.0, 2),
                });
            }
        }

        var bulk = server.App.Services.GetRequiredService<GpuPool.Server.Bulk.BulkRunStatistics>();
        var http = httpBulk.App.Services.GetRequiredService<GpuPool.Server.Bulk.BulkRunStatistics>();
        Console.WriteLine($"bulk runs the server answered: {bulk.Runs} ({bulk.Bytes / 1048576.0:F0} MiB in), refused: {bulk.RefusedRuns}; the HTTP-only server: {http.Runs}, refused: {http.RefusedRuns}");
        return 0;
    }
}
