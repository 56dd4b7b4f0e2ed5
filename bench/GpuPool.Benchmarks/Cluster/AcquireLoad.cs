using System.Collections.Concurrent;
using System.Diagnostics;
using GpuPool.Protocol;
using GpuPool.Protocol.Conversion;
using Grpc.Core;
using Grpc.Net.Client;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Benchmarks.Cluster;

/// <summary>
/// Clients acquiring and releasing (unary gRPC, no waiting) as fast as they can for a fixed time, spread
/// over the given servers; measures each acquire + release pair, and checks from the grants that no device
/// is ever held beyond its compute. The channels stay open from one run to the next (a warm-up run, then the
/// measured one).
/// </summary>
internal sealed class AcquireLoad(IReadOnlyList<Uri> servers, string apiKey, int clients) : IDisposable
{
    private static readonly V1.SliceRequest Slice = WireFormat.ToWire(SliceRequest.ForShare(ByteSize.GiB(1), 50) with { TimeToLive = TimeSpan.FromMinutes(1) });

    private readonly GrpcChannel[] _channels = [.. servers.Select(s => GrpcChannel.ForAddress(s, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true } }))];

    /// <summary>Devices held beyond their compute, over every run.</summary>
    public int Violations { get; private set; }

    /// <summary>Acquires answered with no lease, over every run.</summary>
    public int Empty { get; private set; }

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }

    /// <summary>Runs the load; returns the pair latencies in microseconds (sorted) and the seconds it ran.</summary>
    public async Task<(double[] Pairs, double Seconds)> RunAsync(TimeSpan duration, TimeSpan warmup, CancellationToken cancellationToken)
    {
        var channels = _channels;
        var headers = new Metadata { { ErrorKinds.ApiKeyHeader, apiKey } };
        var held = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var samples = new ConcurrentBag<double[]>();
        var violations = 0;
        var empty = 0;
        var clock = Stopwatch.StartNew();
        var measureFrom = warmup;
        var until = warmup + duration;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(i => Task.Run(
            async () =>
            {
                var client = new V1.Leases.LeasesClient(channels[i % channels.Length]);
                var mine = new List<double>();
                while (clock.Elapsed < until && !cancellationToken.IsCancellationRequested)
                {
                    var start = Stopwatch.GetTimestamp();
                    var lease = (await client.AcquireAsync(new V1.AcquireRequest { Slice = Slice }, headers, cancellationToken: cancellationToken)).Lease;
                    if (lease is null)
                    {
                        Interlocked.Increment(ref empty);
                        continue;
                    }

                    var device = lease.Devices[0].Node + "/" + lease.Devices[0].Id;
                    if (held.AddOrUpdate(device, lease.ComputeMilli, (_, m) => m + lease.ComputeMilli) > SliceRequest.FullDeviceMilli)
                    {
                        Interlocked.Increment(ref violations);
                    }

                    held.AddOrUpdate(device, 0, (_, m) => m - lease.ComputeMilli);
                    await client.ReleaseAsync(new V1.ReleaseRequest { LeaseId = lease.Id, FencingToken = lease.FencingToken }, headers, cancellationToken: cancellationToken);
                    if (clock.Elapsed >= measureFrom)
                    {
                        mine.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                    }
                }

                samples.Add([.. mine]);
            },
            cancellationToken)));
        Violations += violations;
        Empty += empty;
        var pairs = samples.SelectMany(s => s).ToArray();
        Array.Sort(pairs);
        return (pairs, duration.TotalSeconds);
    }
}
