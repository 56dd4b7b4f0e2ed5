using System.Globalization;
using Google.Protobuf;
using GpuPool.Protocol;
using GpuPool.Server.HostileTests.Infrastructure;
using GpuPool.Server.Services;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.HostileTests.Hostile;

/// <summary>Uploads held open to make the server keep their bytes: bounded per lease, per tenant and per server.</summary>
public sealed class ClientMemoryBudgetTests
{
    private const int MiB = 1 << 20;

    [Fact]
    public async Task LoadModel_UploadLargerThanTheLease_IsRefusedBeforeItEnds()
    {
        await using var server = await PoolServer.StartAsync(Setup(budget: 256L * MiB, share: 128L * MiB));
        using var channel = server.Channel();
        var lease = await LeaseAsync(channel, TestKeys.Alpha, 16L * MiB);
        using var upload = new V1.Inference.InferenceClient(channel).LoadModel(PoolServer.Key(TestKeys.Alpha), deadline: DateTime.UtcNow.AddSeconds(30));

        // 17 MiB into a 16 MiB lease, and the client never says it is done.
        await upload.RequestStream.WriteAsync(new V1.LoadModelChunk { Header = new V1.ModelHeader { LeaseId = lease.Id } });
        await WriteChunksAsync(upload.RequestStream, 17);
        var error = await Assert.ThrowsAsync<RpcException>(() => upload.ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal(ErrorKinds.QuotaExceeded, error.Trailers.GetValue(ErrorKinds.Trailer));
    }

    [Fact]
    public async Task LoadModel_StalledUploadsOverTheTenantShare_AreRefusedWithRetryAfterWhileOtherTenantsUpload()
    {
        await using var server = await PoolServer.StartAsync(Setup(budget: 48L * MiB, share: 24L * MiB));
        var budget = server.Services.GetRequiredService<ClientMemoryBudget>();
        using var channel = server.Channel();
        var inference = new V1.Inference.InferenceClient(channel);
        var first = await LeaseAsync(channel, TestKeys.Alpha, 1L << 30);
        var second = await LeaseAsync(channel, TestKeys.Alpha, 1L << 30);

        // Two stalled uploads of one tenant: 16 MiB held by the first, the second passes the 24 MiB share.
        using var stalled = inference.LoadModel(PoolServer.Key(TestKeys.Alpha), deadline: DateTime.UtcNow.AddSeconds(60));
        await stalled.RequestStream.WriteAsync(new V1.LoadModelChunk { Header = new V1.ModelHeader { LeaseId = first.Id } });
        await WriteChunksAsync(stalled.RequestStream, 16);
        Assert.True(await Eventually.Until(() => budget.UsedBy("alpha") == 16L * MiB), $"alpha holds {budget.UsedBy("alpha")} bytes");
        using var over = inference.LoadModel(PoolServer.Key(TestKeys.Alpha), deadline: DateTime.UtcNow.AddSeconds(30));
        await over.RequestStream.WriteAsync(new V1.LoadModelChunk { Header = new V1.ModelHeader { LeaseId = second.Id } });
        await WriteChunksAsync(over.RequestStream, 16);
        var error = await Assert.ThrowsAsync<RpcException>(() => over.ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal(ErrorKinds.QuotaExceeded, error.Trailers.GetValue(ErrorKinds.Trailer));
        Assert.True(long.Parse(error.Trailers.GetValue(ErrorKinds.RetryAfterTrailer)!, CultureInfo.InvariantCulture) > 0);
        Assert.True(budget.UsedBy("alpha") <= 24L * MiB);

        // Another tenant's share is untouched: beta uploads and runs as usual.
        var betaLease = await LeaseAsync(channel, TestKeys.Beta, 64L * MiB);
        var model = await HostileContext.UploadAsync(inference, TestKeys.Beta, betaLease.Id);
        await inference.RunAsync(HostileContext.RunRequest(betaLease, model), PoolServer.Key(TestKeys.Beta));

        // The stalled upload gives its bytes back when it ends.
        stalled.Dispose();
        Assert.True(await Eventually.Until(() => budget.Used == 0), $"{budget.Used} bytes still held");
    }

    [Fact]
    public async Task Start_TenantShareSmallerThanTheLargestModel_IsRefusedNamingTheValues()
    {
        var setup = Setup(budget: 64L * MiB, share: 8L * MiB);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => PoolServer.StartAsync(setup));

        Assert.Contains("GpuPoolServer:TenantClientMemoryBytes (8388608)", error.Message, StringComparison.Ordinal);
        Assert.Contains("20971520", error.Message, StringComparison.Ordinal);
    }

    private static PoolServerSetup Setup(long budget, long share) => new()
    {
        Settings = new Dictionary<string, string>
        {
            ["GpuPoolServer:MaxModelBytes"] = (20L * MiB).ToString(CultureInfo.InvariantCulture),
            ["GpuPoolServer:MaxMessageBytes"] = (2 * MiB).ToString(CultureInfo.InvariantCulture),
            ["GpuPoolServer:ClientMemoryBytes"] = budget.ToString(CultureInfo.InvariantCulture),
            ["GpuPoolServer:TenantClientMemoryBytes"] = share.ToString(CultureInfo.InvariantCulture),
        },
    };

    private static async Task<V1.Lease> LeaseAsync(Grpc.Net.Client.GrpcChannel channel, string key, long memory) =>
        (await new V1.Leases.LeasesClient(channel).AcquireAsync(new V1.AcquireRequest { Slice = HostileContext.Slice(memory) }, PoolServer.Key(key))).Lease;

    /// <summary>Writes 1 MiB chunks; stops quietly when the server has already ended the call.</summary>
    private static async Task WriteChunksAsync(IClientStreamWriter<V1.LoadModelChunk> stream, int count)
    {
        var chunk = new V1.LoadModelChunk { Data = ByteString.CopyFrom(new byte[MiB]) };
        try
        {
            for (var i = 0; i < count; i++)
            {
                await stream.WriteAsync(chunk);
            }
        }
        catch (Exception ex) when (ex is RpcException or IOException or InvalidOperationException)
        {
            // The server refused the upload part-way; the test reads its status.
        }
    }
}
