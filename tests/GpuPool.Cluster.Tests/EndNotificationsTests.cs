using GpuPool.Cluster.Store;
using GpuPool.Cluster.Tests.Support;
using GpuPool.Server.TestHost;

namespace GpuPool.Cluster.Tests;

[Collection(PostgresDefinition.Name)]
public sealed class EndNotificationsTests(PostgresFixture postgres)
{
    [PostgresFact]
    public async Task EndManyAsync_ReleasesAndARevoke_OneNotificationPerKindNamingEveryEndedLease()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var node = await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 10)]);
        var leases = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            leases.Add((await pool.Grants.GrantAsync(node, Pool.Share("n1", "d0", 1, 100))).Lease!.LeaseId);
        }

        var payloads = new List<string>();
        await using var listener = await pool.ListenAsync(payloads);

        var ended = await pool.Leases.EndManyAsync(
        [
            (leases[0], LeaseLostReason.Released), (leases[1], LeaseLostReason.Released), (leases[0], LeaseLostReason.Released),
            (leases[2], LeaseLostReason.Revoked), (leases[3], LeaseLostReason.Released), ("ls_never_granted", LeaseLostReason.Released),
        ]);
        using var cap = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (payloads.Count < 2)
        {
            await listener.WaitAsync(cap.Token);
        }

        var notices = payloads.Select(PoolNotification.Parse).OrderBy(n => n.Kind, StringComparer.Ordinal).ToList();
        Assert.Equal([true, true, false, true, true, false], ended);
        Assert.Equal([PoolNotification.Ended, PoolNotification.Released], notices.Select(n => n.Kind));
        Assert.Equal([leases[2]], notices[0].EndedLeases);
        Assert.Equal(new[] { leases[0], leases[1], leases[3] }.Order(StringComparer.Ordinal), notices[1].EndedLeases.Order(StringComparer.Ordinal));
        Assert.True(notices[0].CallsForReconciling);
        Assert.False(notices[1].CallsForReconciling);
    }

    [PostgresFact]
    public async Task EndManyAsync_MoreLeasesThanOneNotificationNames_EveryLeaseAnnouncedOnce()
    {
        await using var pool = await Pool.CreateAsync(postgres.Server);
        var node = await pool.Nodes.RegisterAsync("n1", "http://n1", [Pool.Gpu("n1", "d0", 1000)]);
        var leases = new List<string>();
        for (var i = 0; i < 250; i++)
        {
            leases.Add((await pool.Grants.GrantAsync(node, Pool.Share("n1", "d0", 1, 1))).Lease!.LeaseId);
        }

        var payloads = new List<string>();
        await using var listener = await pool.ListenAsync(payloads);

        var ended = await pool.Leases.EndManyAsync([.. leases.Select(id => (id, LeaseLostReason.Released))]);
        using var cap = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (payloads.Sum(p => PoolNotification.Parse(p).EndedLeases.Length) < leases.Count)
        {
            await listener.WaitAsync(cap.Token);
        }

        Assert.All(ended, Assert.True);
        Assert.Equal(3, payloads.Count);
        Assert.All(payloads, p => Assert.True(p.Length < 8000));
        Assert.Equal(leases.Order(StringComparer.Ordinal), payloads.SelectMany(p => PoolNotification.Parse(p).EndedLeases).Order(StringComparer.Ordinal));
    }
}
