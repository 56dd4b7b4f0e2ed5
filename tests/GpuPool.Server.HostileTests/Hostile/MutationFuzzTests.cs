using System.Collections.Concurrent;
using Google.Protobuf;
using GpuPool.Runtime.Models;
using GpuPool.Server.HostileTests.Infrastructure;
using GpuPool.Testing;
using Grpc.Core;
using Xunit.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.HostileTests.Hostile;

/// <summary>
/// 10 000 mutated requests (fixed seed) against every method, sent as raw gRPC frames with random keys; then the
/// server must be healthy, a normal lease and run must work, nothing may be over-committed, and once every lease
/// has ended no slice or model may be left behind.
/// </summary>
public sealed class MutationFuzzTests(ITestOutputHelper output)
{
    private const int Seed = 20261129;
    private const int Requests = 10_000;

    [Fact]
    public async Task MutatedRequests_TenThousand_ServerStaysHealthyAndInvariantsHold()
    {
        await using var server = await PoolServer.StartAsync();
        using var channel = server.Channel();
        using var raw = new RawGrpcClient(server.Address);
        var leases = new V1.Leases.LeasesClient(channel);
        var inference = new V1.Inference.InferenceClient(channel);
        var admin = new V1.Admin.AdminClient(channel);
        var alpha = PoolServer.Key(TestKeys.Alpha);
        var lease = (await leases.AcquireAsync(new V1.AcquireRequest { Slice = HostileContext.Slice() }, alpha)).Lease;
        var model = await UploadAsync(inference, TestKeys.Alpha, lease.Id);
        var seeds = Seeds(lease, model);
        var random = new Random(Seed);
        var mutator = new RequestMutator(random);
        string?[] keys = [TestKeys.Alpha, TestKeys.Alpha, TestKeys.Beta, TestKeys.Admin, null, "gp-forged-key"];
        var plan = Enumerable.Range(0, Requests).Select(_ =>
        {
            var (method, messages) = seeds[random.Next(seeds.Count)];
            var body = messages.SelectMany(m => RawGrpcClient.Frame(random.Next(10) == 0 ? m : mutator.Mutate(m))).ToArray();
            return (method, body, key: keys[random.Next(keys.Length)]);
        }).ToArray();
        var statuses = new ConcurrentDictionary<StatusCode, int>();
        var leaks = new ConcurrentBag<string>();
        var internals = new ConcurrentDictionary<string, int>();
        var unanswered = new ConcurrentBag<string>();

        await Parallel.ForEachAsync(plan, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (call, ct) =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(120));
            RawResult result;
            try
            {
                result = await raw.CallAsync(call.method, call.body, call.key, cancellationToken: timeout.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // A request the server never answers is a finding, reported with the others below, not an abort of the run.
                unanswered.Add(call.method);
                return;
            }

            statuses.AddOrUpdate(result.Status ?? StatusCode.Unknown, 1, (_, n) => n + 1);
            if (result.Status == StatusCode.Internal)
            {
                internals.AddOrUpdate($"{call.method}: {result.Message}", 1, (_, n) => n + 1);
            }
            if (result.Message is { } message && (message.Contains("Exception:", StringComparison.Ordinal) || message.Contains(" at ", StringComparison.Ordinal)))
            {
                leaks.Add($"{call.method}: {message}");
            }
        });

        output.WriteLine($"{Requests} mutated requests (seed {Seed}): " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}={s.Value}")));
        Assert.True(unanswered.IsEmpty, $"{unanswered.Count} requests got no answer in 120 s: " + string.Join(", ", unanswered.GroupBy(m => m).Select(g => $"{g.Count()} x {g.Key}")));
        Assert.Equal(Requests, statuses.Values.Sum());
        Assert.Empty(leaks);
        Assert.False(statuses.ContainsKey(StatusCode.Internal), "INTERNAL means an unexpected exception in the server: " + string.Join(", ", statuses.Select(s => $"{s.Key}={s.Value}")) + "\n" + string.Join("\n", internals.Select(i => $"{i.Value} x {i.Key}")));

        // Healthy: the readiness endpoint and a normal lease + upload + run with the right outputs.
        using (var http = new HttpClient { BaseAddress = server.HttpAddress })
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync(new Uri(GpuPoolServerApp.ReadyPath, UriKind.Relative))).StatusCode);
        }

        var inventory = await PacedAsync(() => admin.GetInventoryAsync(new V1.AdminGetInventoryRequest(), PoolServer.Key(TestKeys.Admin)).ResponseAsync);
        AssertNotOverCommitted(inventory);
        foreach (var device in inventory.Devices.Where(d => d.Draining))
        {
            // A mutated admin call may legitimately have drained a device; the operator would resume it.
            await PacedAsync(() => admin.DrainDeviceAsync(new V1.DrainDeviceRequest { Node = device.Device.Node, DeviceId = device.Device.Id, Draining = false }, PoolServer.Key(TestKeys.Admin)).ResponseAsync);
        }

        var fresh = (await leases.AcquireAsync(new V1.AcquireRequest { Slice = HostileContext.Slice() }, alpha)).Lease;
        var freshModel = await UploadAsync(inference, TestKeys.Alpha, fresh.Id);
        var x = new float[] { 0.5f, -1f, 2f, 0.25f };
        var result = await inference.RunAsync(HostileContext.RunRequest(fresh, freshModel, HostileContext.FloatTensor([1, 4], x)), alpha);
        Assert.Equal(TestModels.LinearReference(x, 1, 4, 3), System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(result.Outputs["y"].Data.Span).ToArray());

        // No leaks: end every lease (whoever holds it); then nothing is allocated and no model is left.
        var live = (await PacedAsync(() => admin.ListAllLeasesAsync(new V1.ListAllLeasesRequest(), PoolServer.Key(TestKeys.Admin)).ResponseAsync)).Leases;
        foreach (var held in live)
        {
            Assert.True((await PacedAsync(() => admin.RevokeLeaseAsync(new V1.RevokeLeaseRequest { LeaseId = held.Id }, PoolServer.Key(TestKeys.Admin)).ResponseAsync)).Revoked);
        }

        var after = await PacedAsync(() => admin.GetInventoryAsync(new V1.AdminGetInventoryRequest(), PoolServer.Key(TestKeys.Admin)).ResponseAsync);
        Assert.All(after.Devices, d =>
        {
            Assert.Equal(0, d.AllocatedMemoryBytes);
            Assert.Equal(0, d.AllocatedMilli);
            Assert.Equal(0, d.ActiveLeases);
        });
        Assert.Empty((await PacedAsync(() => admin.ListAllLeasesAsync(new V1.ListAllLeasesRequest(), PoolServer.Key(TestKeys.Admin)).ResponseAsync)).Leases);
        var host = server.Services.GetRequiredService<ModelHost>();
        Assert.All(live.Select(l => l.Id).Append(lease.Id), id => Assert.Empty(host.ModelsOf(id)));
    }

    /// <summary>
    /// An admin call made as an operator's tool makes it: the fuzz spent the admin rate limit
    /// (<c>GpuPoolServer:AdminCallsPerSecond</c>), so a refusal is waited out for the retry-after the server sends.
    /// </summary>
    private static async Task<T> PacedAsync<T>(Func<Task<T>> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted && attempt < 100
                && e.Trailers.GetValue(GpuPool.Protocol.ErrorKinds.RetryAfterTrailer) is { } retryAfterMs)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(long.Parse(retryAfterMs, System.Globalization.CultureInfo.InvariantCulture)));
            }
        }
    }

    internal static void AssertNotOverCommitted(V1.Inventory inventory)
    {
        foreach (var device in inventory.Devices)
        {
            Assert.InRange(device.AllocatedMemoryBytes, 0, device.Device.TotalMemoryBytes);
            Assert.InRange(device.AllocatedMilli, 0, 1000);
        }
    }

    private static async Task<V1.Model> UploadAsync(V1.Inference.InferenceClient inference, string key, string leaseId)
    {
        using var call = inference.LoadModel(PoolServer.Key(key));
        await call.RequestStream.WriteAsync(new V1.LoadModelChunk { Header = new V1.ModelHeader { LeaseId = leaseId, Name = "linear", TotalBytes = HostileContext.ModelBytes.Length } });
        await call.RequestStream.WriteAsync(new V1.LoadModelChunk { Data = ByteString.CopyFrom(HostileContext.ModelBytes) });
        await call.RequestStream.CompleteAsync();
        return await call;
    }

    /// <summary>A valid request (or request stream) for every method, naming the real lease and model so mutations reach deep code.</summary>
    private static List<(string Method, byte[][] Messages)> Seeds(V1.Lease lease, V1.Model model)
    {
        var header = new V1.ModelHeader { LeaseId = lease.Id, Name = "m", TotalBytes = HostileContext.ModelBytes.Length, Sha256 = model.Sha256 };
        var slice = HostileContext.Slice();
        slice.TimeToLiveMs = 30_000;
        slice.Constraints = new V1.DeviceConstraints { Kind = V1.DeviceKind.Gpu, MinDeviceMemoryBytes = 1 << 20 };
        slice.ClientRequestId = "fuzz";
        var run = HostileContext.RunRequest(lease, model);
        return
        [
            ("/gpupool.v1.Leases/Acquire", [new V1.AcquireRequest { Slice = slice }.ToByteArray()]),
            ("/gpupool.v1.Leases/Acquire", [new V1.AcquireRequest { Slice = new V1.SliceRequest { WholeDevices = 1, MemoryBytes = 0 } }.ToByteArray()]),
            ("/gpupool.v1.Leases/Renew", [new V1.RenewRequest { LeaseId = lease.Id, TimeToLiveMs = 60_000, FencingToken = lease.FencingToken }.ToByteArray()]),
            ("/gpupool.v1.Leases/Release", [new V1.ReleaseRequest { LeaseId = lease.Id, FencingToken = lease.FencingToken + 1 }.ToByteArray()]),
            ("/gpupool.v1.Leases/Get", [new V1.GetLeaseRequest { LeaseId = lease.Id }.ToByteArray()]),
            ("/gpupool.v1.Leases/List", [new V1.ListLeasesRequest().ToByteArray()]),
            ("/gpupool.v1.Leases/GetInventory", [new V1.GetInventoryRequest().ToByteArray()]),
            ("/gpupool.v1.Leases/Session", [
                new V1.SessionRequest { CallId = 1, Ping = new V1.Ping() }.ToByteArray(),
                new V1.SessionRequest { CallId = 2, Attach = new V1.Attach { LeaseIds = { lease.Id, "ls_x" } } }.ToByteArray(),
                new V1.SessionRequest { CallId = 3, Acquire = new V1.AcquireRequest { Slice = slice } }.ToByteArray(),
                new V1.SessionRequest { CallId = 4, Detach = new V1.Detach { LeaseIds = { lease.Id } } }.ToByteArray()]),
            ("/gpupool.v1.Inference/Run", [run.ToByteArray()]),
            ("/gpupool.v1.Inference/RunStream", [run.ToByteArray(), run.ToByteArray()]),
            ("/gpupool.v1.Inference/LoadModel", [new V1.LoadModelChunk { Header = header }.ToByteArray(), new V1.LoadModelChunk { Data = ByteString.CopyFrom(HostileContext.ModelBytes) }.ToByteArray()]),
            ("/gpupool.v1.Inference/LoadCached", [new V1.LoadCachedRequest { Header = header }.ToByteArray()]),
            ("/gpupool.v1.Inference/UnloadModel", [new V1.UnloadModelRequest { LeaseId = lease.Id, ModelId = "md_0" }.ToByteArray()]),
            ("/gpupool.v1.Admin/GetInventory", [new V1.AdminGetInventoryRequest().ToByteArray()]),
            ("/gpupool.v1.Admin/ListAllLeases", [new V1.ListAllLeasesRequest { Tenant = "alpha" }.ToByteArray()]),
            ("/gpupool.v1.Admin/DrainDevice", [new V1.DrainDeviceRequest { Node = "node-a", DeviceId = lease.Devices[0].Id, Draining = false }.ToByteArray()]),
            ("/gpupool.v1.Admin/RevokeLease", [new V1.RevokeLeaseRequest { LeaseId = "ls_not_the_fuzz_lease" }.ToByteArray()]),
        ];
    }
}
