using System.Diagnostics;
using GpuPool.Protocol;
using GpuPool.Server.HostileTests.Infrastructure;
using Grpc.Core;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.HostileTests.Faults;

/// <summary>A real client process holding leases is killed with SIGKILL: its slices come back once the time-to-live runs out, not before and not never.</summary>
public sealed class ClientKillTests
{
    private const int Leases = 3;
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ClientKilledWhileHoldingLeases_SlicesComeBackWithinTheTtl()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var logs = new CapturingLoggerProvider();
        await using var server = await PoolServer.StartAsync(new PoolServerSetup { Time = time, Logs = logs });
        using var channel = server.Channel();
        var admin = new V1.Admin.AdminClient(channel);
        var adminKey = PoolServer.Key(TestKeys.Admin);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));

        using var holder = StartHolder(server.Address);
        var held = new List<string>();
        try
        {
            while (await holder.StandardOutput.ReadLineAsync(timeout.Token) is { } line && line != "READY")
            {
                held.Add(line["LEASE ".Length..]);
            }

            Assert.Equal(Leases, held.Count);
            var before = await admin.GetInventoryAsync(new V1.AdminGetInventoryRequest(), adminKey);
            Assert.Equal(Leases * (256L << 20), before.Devices.Sum(d => d.AllocatedMemoryBytes));
        }
        finally
        {
            holder.Kill();
            await holder.WaitForExitAsync(timeout.Token);
        }

        Assert.Equal(128 + 9, holder.ExitCode);

        // Once the server has seen the stream end no ping can renew the leases any more; they stay until their TTL.
        // (A stream cut by a dying client currently ends in CallFailed/CallRejected rather than SessionClosed; either
        // is logged after the session has detached its leases.)
        while (!logs.Entries.Any(e => e.EventId.Name == "SessionClosed"
            || (e.EventId.Name is "CallFailed" or "CallRejected" && e.Text.Contains("/gpupool.v1.Leases/Session", StringComparison.Ordinal))))
        {
            await Task.Delay(20, timeout.Token);
        }

        time.Advance(Ttl - TimeSpan.FromSeconds(1));
        Assert.Equal(held.Order(), (await admin.ListAllLeasesAsync(new V1.ListAllLeasesRequest { Tenant = "alpha" }, adminKey)).Leases.Select(l => l.Id).Order());

        time.Advance(TimeSpan.FromSeconds(1));
        var after = await admin.GetInventoryAsync(new V1.AdminGetInventoryRequest(), adminKey);
        Assert.All(after.Devices, d => Assert.Equal(0, d.AllocatedMemoryBytes));
        Assert.All(after.Devices, d => Assert.Equal(0, d.ActiveLeases));
        Assert.Empty((await admin.ListAllLeasesAsync(new V1.ListAllLeasesRequest(), adminKey)).Leases);
        var leases = new V1.Leases.LeasesClient(channel);
        var gone = await Assert.ThrowsAsync<RpcException>(() => leases.GetAsync(new V1.GetLeaseRequest { LeaseId = held[0] }, PoolServer.Key(TestKeys.Alpha)).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, gone.StatusCode);
        Assert.Equal(((int)LeaseLostReason.Expired).ToString(System.Globalization.CultureInfo.InvariantCulture), gone.Trailers.GetValue(ErrorKinds.LostReasonTrailer));
    }

    private static Process StartHolder(Uri server)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(LeaseHolder).Assembly.Location);
        start.ArgumentList.Add("hold-leases");
        start.ArgumentList.Add(server.ToString());
        start.ArgumentList.Add(Leases.ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.ArgumentList.Add(((long)Ttl.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.Environment[LeaseHolderProgram.KeyVariable] = TestKeys.Alpha;
        return Process.Start(start) ?? throw new InvalidOperationException("The lease holder did not start.");
    }
}
