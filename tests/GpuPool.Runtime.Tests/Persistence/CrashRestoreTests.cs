using System.Diagnostics;
using System.Globalization;
using GpuPool.Runtime.JournalHost;
using Microsoft.Extensions.Time.Testing;

namespace GpuPool.Runtime.Tests.Persistence;

/// <summary>A real child process grants leases through the journal and is killed with SIGKILL while holding them.</summary>
public sealed class CrashRestoreTests : IDisposable
{
    private readonly JournalDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Start_AfterHolderKilledWithSigkill_RestoresEveryLeaseAndGrantsNothingTwice()
    {
        var reported = await RunHostAndKillAsync(leaseCount: 12);
        Assert.Equal(12, reported.Count);

        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var pool = _dir.Start(time);

        Assert.Equal(reported.Select(r => r.Id).Order(), pool.Table.List().Select(l => l.Id).Order());
        foreach (var r in reported)
        {
            Assert.True(pool.Table.TryGet(r.Id, out var lease));
            Assert.Equal(r.Token, lease.FencingToken);
            Assert.Equal(r.DeviceId, lease.Devices[0].Id);
            Assert.Equal("tenant-a", lease.Tenant);
            Assert.True(lease.ExpiresAt > time.GetUtcNow());
        }

        // Fencing continues above every token the killed process issued.
        var fresh = pool.Table.TryGrant(SliceRequest.ForShare(ByteSize.GiB(1), 10), "tenant-b")!;
        Assert.True(fresh.FencingToken > reported.Max(r => r.Token));

        // A client retrying its acquire after the crash gets its lease back, not a second one.
        var retry = pool.Table.TryGrant(new SliceRequest { WholeDevices = 1, TimeToLive = TimeSpan.FromMinutes(10), ClientRequestId = "req-3" }, "tenant-a")!;
        Assert.Equal(reported.Single(r => r.RequestId == "req-3").Id, retry.Id);

        // The three whole devices and the shares are held again: nothing is granted twice.
        var inventory = pool.Table.GetInventory();
        Assert.Equal(3, inventory.Devices.Count(d => d.AllocatedMilli == SliceRequest.FullDeviceMilli && d.ActiveLeases == 1));
        Assert.Null(pool.Table.TryGrant(SliceRequest.ForDevices(1)));
        Assert.Equal(13, inventory.Devices.Sum(d => d.ActiveLeases));
    }

    private async Task<List<(string Id, long Token, string RequestId, string DeviceId)>> RunHostAndKillAsync(int leaseCount)
    {
        var hostDll = Path.Combine(AppContext.BaseDirectory, typeof(JournalHostDevices).Assembly.GetName().Name + ".dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(hostDll);
        start.ArgumentList.Add(_dir.Path);
        start.ArgumentList.Add(leaseCount.ToString(CultureInfo.InvariantCulture));
        using var host = Process.Start(start)!;
        var reported = new List<(string, long, string, string)>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            while (await host.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line == "ready")
                {
                    break;
                }

                var parts = line.Split(' ');
                Assert.Equal("lease", parts[0]);
                reported.Add((parts[1], long.Parse(parts[2], CultureInfo.InvariantCulture), parts[3], parts[4]));
            }

            if (host.HasExited)
            {
                Assert.Fail("The journal host exited before it was killed: " + await host.StandardError.ReadToEndAsync(timeout.Token));
            }
        }
        finally
        {
            host.Kill(); // SIGKILL on Unix: no disposal, no flush, no shutdown hooks.
            await host.WaitForExitAsync(timeout.Token);
        }

        Assert.Equal(137, host.ExitCode);
        return reported;
    }
}
