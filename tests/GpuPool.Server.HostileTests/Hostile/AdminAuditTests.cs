using System.Globalization;
using GpuPool.Protocol;
using GpuPool.Server.HostileTests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.Time.Testing;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.HostileTests.Hostile;

/// <summary>Admin calls: each one audited whatever its outcome, and rate-limited per admin tenant.</summary>
public sealed class AdminAuditTests
{
    [Fact]
    public async Task AdminCalls_ReadsAndUnknownRevokes_AreAudited()
    {
        var logs = new CapturingLoggerProvider();
        await using (var server = await PoolServer.StartAsync(new PoolServerSetup { Logs = logs }))
        {
            using var channel = server.Channel();
            var admin = new V1.Admin.AdminClient(channel);
            var key = PoolServer.Key(TestKeys.Admin);
            await admin.RevokeLeaseAsync(new V1.RevokeLeaseRequest { LeaseId = "ls_unknown" }, key);
            await admin.ListAllLeasesAsync(new V1.ListAllLeasesRequest(), key);
            await admin.GetInventoryAsync(new V1.AdminGetInventoryRequest(), key);
        }

        var audit = logs.Entries.Where(e => e.EventId.Id is >= 2050 and < 2060).ToList();
        Assert.Contains(audit, e => e.EventId.Id == 2050 && e.Text.Contains("ls_unknown", StringComparison.Ordinal) && e.Text.Contains("not live", StringComparison.Ordinal));
        Assert.Contains(audit, e => e.EventId.Id == 2052);
        Assert.Contains(audit, e => e.EventId.Id == 2053);
        Assert.All(audit, e => Assert.Contains("ops", e.Text, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AdminCalls_OverTheRate_AreRefusedWithRetryAfterUntilTheBucketRefills()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await PoolServer.StartAsync(new PoolServerSetup
        {
            Time = time,
            Settings = new Dictionary<string, string> { ["GpuPoolServer:AdminCallsPerSecond"] = "5" },
        });
        using var channel = server.Channel();
        var admin = new V1.Admin.AdminClient(channel);
        var key = PoolServer.Key(TestKeys.Admin);

        // A burst of twice the rate passes; the next call is refused.
        for (var i = 0; i < 10; i++)
        {
            await admin.GetInventoryAsync(new V1.AdminGetInventoryRequest(), key);
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => admin.ListAllLeasesAsync(new V1.ListAllLeasesRequest(), key).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal(ErrorKinds.QuotaExceeded, error.Trailers.GetValue(ErrorKinds.Trailer));
        Assert.InRange(long.Parse(error.Trailers.GetValue(ErrorKinds.RetryAfterTrailer)!, CultureInfo.InvariantCulture), 1, 1000);

        time.Advance(TimeSpan.FromSeconds(1));
        await admin.GetInventoryAsync(new V1.AdminGetInventoryRequest(), key);
    }
}
