using GpuPool.Server.HostileTests.Infrastructure;
using Grpc.Net.Client;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.HostileTests.Faults;

/// <summary>
/// A client process that acquires leases over a session stream, prints <c>LEASE id</c> for each and then
/// <c>READY</c>, and keeps them alive with pings until it is killed.
/// </summary>
internal static class LeaseHolder
{
    public static async Task<int> RunAsync(Uri server, string apiKey, int count, long ttlMs)
    {
        using var channel = GrpcChannel.ForAddress(server);
        var client = new V1.Leases.LeasesClient(channel);
        using var session = client.Session(PoolServer.Key(apiKey));
        for (var i = 1; i <= count; i++)
        {
            var slice = new V1.SliceRequest { MemoryBytes = 256L << 20, ComputeMilli = 100, TimeToLiveMs = ttlMs };
            await session.RequestStream.WriteAsync(new V1.SessionRequest { CallId = i, Acquire = new V1.AcquireRequest { Slice = slice } });
        }

        var granted = 0;
        while (granted < count && await session.ResponseStream.MoveNext(CancellationToken.None))
        {
            var reply = session.ResponseStream.Current.Reply;
            if (reply?.Acquired?.Lease is { } lease)
            {
                Console.WriteLine($"LEASE {lease.Id}");
                granted++;
            }
            else if (reply?.Error is { } error)
            {
                await Console.Error.WriteLineAsync($"acquire failed: {error.Code} {error.Message}");
                return 1;
            }
        }

        Console.WriteLine("READY");
        await Console.Out.FlushAsync();
        var events = Task.Run(async () =>
        {
            while (await session.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        });
        for (long call = count + 1; !events.IsCompleted; call++)
        {
            await session.RequestStream.WriteAsync(new V1.SessionRequest { CallId = call, Ping = new V1.Ping() });
            await Task.WhenAny(events, Task.Delay(200));
        }

        return 0;
    }
}
