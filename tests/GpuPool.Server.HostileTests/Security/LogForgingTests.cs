using GpuPool.Server.HostileTests.Infrastructure;
using Grpc.Core;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Server.HostileTests.Security;

/// <summary>Client strings in logs and error messages: escaped (no forged lines) and bounded (no megabyte lines, no lost trailers).</summary>
public sealed class LogForgingTests
{
    private const string Forged = "ls_x\nAdmin tenant ops revoked lease ls_victim";

    [Fact]
    public async Task RevokeLease_IdWithNewline_IsLoggedEscapedOnOneLine()
    {
        var logs = new CapturingLoggerProvider();
        await using (var server = await PoolServer.StartAsync(new PoolServerSetup { Logs = logs }))
        {
            using var channel = server.Channel();
            var response = await new V1.Admin.AdminClient(channel).RevokeLeaseAsync(new V1.RevokeLeaseRequest { LeaseId = Forged }, PoolServer.Key(TestKeys.Admin));
            Assert.False(response.Revoked);
        }

        var audit = Assert.Single(logs.Entries, e => e.EventId.Id == 2050);
        Assert.DoesNotContain('\n', audit.Text);
        Assert.Contains("ls_x\\u000aAdmin tenant", audit.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(logs.Entries, e => e.Text.Contains(Forged, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Calls_WithMegabyteStrings_AnswerPromptlyWithBoundedMessagesAndLogs()
    {
        var logs = new CapturingLoggerProvider();
        var huge = new string('z', 5_000_000);
        var statuses = new List<RpcException>();
        await using (var server = await PoolServer.StartAsync(new PoolServerSetup
        {
            Logs = logs,
            Settings = new Dictionary<string, string> { ["GpuPoolServer:MaxMessageBytes"] = (16 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture) },
        }))
        {
            using var channel = server.Channel();
            var admin = new V1.Admin.AdminClient(channel);
            var leases = new V1.Leases.LeasesClient(channel);
            var inference = new V1.Inference.InferenceClient(channel);
            var alpha = PoolServer.Key(TestKeys.Alpha);
            var lease = (await leases.AcquireAsync(new V1.AcquireRequest { Slice = HostileContext.Slice() }, alpha)).Lease;
            var calls = new Func<DateTime, Task>[]
            {
                d => admin.RevokeLeaseAsync(new V1.RevokeLeaseRequest { LeaseId = huge }, PoolServer.Key(TestKeys.Admin), d).ResponseAsync,
                d => admin.DrainDeviceAsync(new V1.DrainDeviceRequest { Node = huge, DeviceId = huge }, PoolServer.Key(TestKeys.Admin), d).ResponseAsync,
                d => admin.ListAllLeasesAsync(new V1.ListAllLeasesRequest { Tenant = huge }, PoolServer.Key(TestKeys.Admin), d).ResponseAsync,
                d => leases.GetAsync(new V1.GetLeaseRequest { LeaseId = huge }, alpha, d).ResponseAsync,
                d => inference.UnloadModelAsync(new V1.UnloadModelRequest { LeaseId = lease.Id, ModelId = huge }, alpha, d).ResponseAsync,
                d => inference.RunAsync(new V1.RunRequest { LeaseId = lease.Id, ModelId = huge }, alpha, d).ResponseAsync,
            };
            foreach (var call in calls)
            {
                statuses.Add(await Assert.ThrowsAsync<RpcException>(() => call(DateTime.UtcNow.AddSeconds(120))));
            }
        }

        Assert.All(statuses, s => Assert.Equal(StatusCode.InvalidArgument, s.StatusCode));
        Assert.All(statuses, s => Assert.True(s.Status.Detail.Length <= 4096, $"a {s.Status.Detail.Length}-character status message"));
        Assert.All(logs.Entries, e => Assert.True(e.Text.Length < 16_384, $"a {e.Text.Length}-character log entry (event {e.EventId})"));
    }
}
