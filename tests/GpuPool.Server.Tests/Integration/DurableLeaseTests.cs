using GpuPool.Protocol;
using GpuPool.Runtime.Leasing;
using GpuPool.Server.Tests.Support;
using GpuPool.Testing;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using V1 = GpuPool.Protocol.V1;
using Xunit.Abstractions;

namespace GpuPool.Server.Tests.Integration;

/// <summary>Persistence on: the server journals leases and models and a restarted server carries on with them.</summary>
public sealed class DurableLeaseTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gpupool-server-journal-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task ServerRestarts_PersistenceOn_ClientKeepsItsLeaseIdAndModel()
    {
        var server = await ServerHost.StartAsync(output, settings: Durable(_dir));
        var port = server.GrpcPort;
        await using var client = Clients.Sdk(server.Address, Keys.Alpha);
        var pool = client.GetRequiredService<IGpuPool>();
        await KeepAliveTests.WaitForSession(pool);
        var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(256), 250) with { TimeToLive = TimeSpan.FromMinutes(5) });
        var model = await lease.LoadModelAsync(ModelSource.FromBytes(TestModels.Linear(8, 4), "linear"));
        var input = TestModels.Weights(3, 2 * 8);
        var inputs = new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(input, 2, 8) };
        var before = (await model.RunAsync(inputs))["y"].ToArray<float>();
        var session = ((Remote.RemoteGpuPool)pool).Session;
        var oldInstance = session.ServerInstance;

        // The port stays held while the stopped server's services are disposed; released for the restart.
        var hold = await server.StopHoldingPortAsync();
        hold.Dispose();
        await using var restarted = await ServerHost.StartAsync(output, settings: Durable(_dir), grpcPort: port);
        var table = restarted.Services.GetRequiredService<LeaseTable>();
        Assert.True(table.TryGet(lease.Id, out var restored));
        Assert.Equal(lease.FencingToken, restored.FencingToken);
        Assert.True(restored.MemoryUsedBytes > 0); // the model was reloaded before the server served

        // The client's session reconnects and re-attaches: the lease is renewed, not reported lost.
        await Signals.Until(() => session.IsConnected && session.ServerInstance != oldInstance);
        await lease.RenewAsync();
        Assert.False(lease.LeaseLost.IsCancellationRequested);
        Assert.Equal(LeaseLostReason.None, lease.LostReason);
        var after = (await model.RunAsync(inputs))["y"].ToArray<float>();
        Assert.Equal(before, after);
        Approx.Equal(TestModels.LinearReference(input, 2, 8, 4), after);

        // The session pings renew it on the new server too, and the lease still ends normally.
        await lease.ReleaseAsync();
        Assert.False(table.TryGet(lease.Id, out _));
    }

    [Fact]
    public async Task ServerRestarts_LeaseExpiredWhileDown_ReportedAsExpiredNotUnknown()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        string leaseId;
        await using (var server = await ServerHost.StartAsync(output, time, Durable(_dir)))
        {
            using var raw = Clients.RawClient(server.Address, Keys.Alpha);
            var granted = await raw.Leases.AcquireAsync(Acquire(TimeSpan.FromSeconds(10)), raw.Headers);
            leaseId = granted.Lease.Id;
        }

        time.Advance(TimeSpan.FromSeconds(30));
        await using var restarted = await ServerHost.StartAsync(output, time, Durable(_dir));
        using var client = Clients.RawClient(restarted.Address, Keys.Alpha);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.Leases.RenewAsync(new V1.RenewRequest { LeaseId = leaseId }, client.Headers).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal(ErrorKinds.LeaseLost, error.Trailers.GetValue(ErrorKinds.Trailer));
        Assert.Contains("Expired", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Acquire_JournalCannotBeOpened_Unavailable()
    {
        // Root ignores read-only permissions, so the data directory is made unusable by placing it below a file.
        var blocker = Path.Combine(_dir, "not-a-directory");
        await File.WriteAllTextAsync(blocker, "x");
        await using var server = await ServerHost.StartAsync(output, settings: Durable(Path.Combine(blocker, "data")));
        using var client = Clients.RawClient(server.Address, Keys.Alpha);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.Leases.AcquireAsync(Acquire(TimeSpan.FromMinutes(1)), client.Headers).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(ErrorKinds.Unavailable, error.Trailers.GetValue(ErrorKinds.Trailer));
        Assert.Equal(0, server.Services.GetRequiredService<LeaseTable>().Count);
    }

    [Fact]
    public async Task ServerRestarts_DeviceDrainedByAdmin_StaysDraining()
    {
        V1.Device device;
        var server = await ServerHost.StartAsync(output, settings: Durable(_dir));
        var port = server.GrpcPort;
        using (var admin = Clients.RawClient(server.Address, Keys.Admin))
        {
            device = Assert.Single((await admin.Admin.GetInventoryAsync(new V1.AdminGetInventoryRequest(), admin.Headers)).Devices).Device;
            await admin.Admin.DrainDeviceAsync(new V1.DrainDeviceRequest { Node = device.Node, DeviceId = device.Id, Draining = true }, admin.Headers);
        }

        // The port stays held while the stopped server's services are disposed; released for the restart.
        var hold = await server.StopHoldingPortAsync();
        hold.Dispose();
        await using var restarted = await ServerHost.StartAsync(output, settings: Durable(_dir), grpcPort: port);
        await using var client = Clients.Sdk(restarted.Address, Keys.Alpha);
        var pool = client.GetRequiredService<IGpuPool>();

        Assert.True(Assert.Single((await pool.GetInventoryAsync()).Devices).Draining);
        Assert.Null(pool.TryLease(SliceRequest.ForShare(ByteSize.MiB(64), 100)));

        using var reopen = Clients.RawClient(restarted.Address, Keys.Admin);
        await reopen.Admin.DrainDeviceAsync(new V1.DrainDeviceRequest { Node = device.Node, DeviceId = device.Id, Draining = false }, reopen.Headers);
        await using var lease = pool.TryLease(SliceRequest.ForShare(ByteSize.MiB(64), 100));
        Assert.NotNull(lease);
    }

    internal static Dictionary<string, string?> Durable(string directory) => new()
    {
        ["GpuPool:Runtime:Persistence:Enabled"] = "true",
        ["GpuPool:Runtime:Persistence:DataDirectory"] = directory,
    };

    private static V1.AcquireRequest Acquire(TimeSpan ttl) => new()
    {
        Slice = new V1.SliceRequest { MemoryBytes = ByteSize.MiB(64), ComputeMilli = 100, TimeToLiveMs = (long)ttl.TotalMilliseconds },
    };
}
