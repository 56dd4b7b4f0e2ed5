using GpuPool.Dashboard.Tests.Support;
using GpuPool.Server.TestHost;
using GpuPool.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;
using V1 = GpuPool.Protocol.V1;

namespace GpuPool.Dashboard.Tests;

/// <summary>
/// A pool of two servers sharing a real PostgreSQL, watched through one node's address: the whole pool once,
/// each node's own measurements, and actions on what another node owns.
/// </summary>
[Collection(BrowserGroup.Name)]
public sealed class ClusterTests(BrowserFixture browser, ITestOutputHelper output)
{
    [Fact]
    public async Task Cluster_OneNodeConfigured_ShowsWholePoolOnceAndActsOnOtherNode()
    {
        Assert.True(PostgresServer.Missing is null, PostgresServer.Missing);
        await using var postgres = await PostgresServer.StartAsync();
        await using var host = await DashboardHost.StartClusterAsync(output, postgres, nodes: 2);
        await using var here = host.Client("node-0", Keys.Alpha);
        await using var there = host.Client("node-1", Keys.Alpha);
        await using var local = await here.GetRequiredService<IGpuPool>().LeaseAsync(OnNode("node-0"));
        var remote = await there.GetRequiredService<IGpuPool>().LeaseAsync(OnNode("node-1"));
        var lost = new TaskCompletionSource();
        using var registration = remote.LeaseLost.Register(lost.SetResult);
        var model = await remote.LoadModelAsync(ModelSource.FromBytes(TestModels.Linear(4, 2)), new ModelOptions { Name = "far-model" });
        await model.RunAsync(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(new float[] { 1, 2, 3, 4 }, 1, 4) });

        var page = await Operator.OpenAsync(browser.Browser, host);
        await Operator.SignInAsync(page, Keys.Admin);
        await Expect(await Operator.CellAsync(page, "Pools", "cluster", "Devices")).ToHaveTextAsync("4", new() { Timeout = 15000 });
        await Expect(await Operator.CellAsync(page, "Pools", "cluster", "Leases")).ToHaveTextAsync("2");

        // An acquire waiting on node-1 (both its devices whole, one is leased) counts in the pool's total.
        using (var stop = new CancellationTokenSource())
        {
            var waiting = there.GetRequiredService<IGpuPool>().LeaseAsync(SliceRequest.ForDevices(2) with { Constraints = new DeviceConstraints { Node = "node-1" } }, stop.Token).AsTask();
            await Expect(await Operator.CellAsync(page, "Pools", "cluster", "Waiting")).ToHaveTextAsync("1", new() { Timeout = 15000 });
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        }

        await Expect(await Operator.CellAsync(page, "Pools", "cluster", "Waiting")).ToHaveTextAsync("0", new() { Timeout = 15000 });

        await page.GetByRole(AriaRole.Link, new() { Name = "Leases" }).ClickAsync();
        await Expect(page.GetByText("2 lease(s)")).ToBeVisibleAsync();
        await Expect(Operator.Row(page, "Leases", local.Id)).ToHaveCountAsync(1);
        await Expect(Operator.Row(page, "Leases", remote.Id)).ToHaveCountAsync(1);
        await Expect(await Operator.CellAsync(page, "Leases", remote.Id, "Node")).ToHaveTextAsync("node-1");
        // Measured by node-1, which serves the lease: read from node-1 although only node-0 is configured.
        await Expect(await Operator.CellAsync(page, "Leases", remote.Id, "Models")).ToHaveTextAsync("far-model");
        await Expect(await Operator.CellAsync(page, "Leases", remote.Id, "Runs")).ToHaveTextAsync("1");
        await Expect(await Operator.CellAsync(page, "Leases", remote.Id, "In use")).Not.ToHaveTextAsync("0 B");
        await Screenshots.SaveAsync(page, "dashboard-cluster-leases");

        await page.GetByRole(AriaRole.Link, new() { Name = $"Revoke {remote.Id}" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke lease" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Lease {remote.Id} was revoked");
        await lost.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(LeaseLostReason.Revoked, remote.LostReason);
        await model.DisposeAsync();
        await remote.DisposeAsync();
        await Expect(Operator.Row(page, "Leases", remote.Id)).ToHaveCountAsync(0);
        await Expect(Operator.Row(page, "Leases", local.Id)).ToHaveCountAsync(1);

        await page.GetByRole(AriaRole.Link, new() { Name = "Devices" }).ClickAsync();
        foreach (var node in new[] { "node-0", "node-1" })
        {
            await Expect(Operator.Row(page, "Devices", node)).ToHaveCountAsync(2);
        }

        var target = Operator.Row(page, "Devices", "node-1").Filter(new() { HasText = "sim0" });
        await Expect(target).ToHaveCountAsync(1);
        // The run measured by node-1's scheduler shows on the node-1 device that ran it, once.
        await Expect(Operator.Row(page, "Devices", "node-1").Filter(new() { HasText = "1 run)" })).ToHaveCountAsync(1);
        await target.GetByRole(AriaRole.Link, new() { Name = "Drain" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Drain device" }).ClickAsync();
        await Expect(target).ToContainTextAsync("Draining");
        await Screenshots.SaveAsync(page, "dashboard-cluster-devices");

        // node-1 itself sees its device draining (the drain went to the pool, not to node-0 only).
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(host.Pools["node-1"].Address);
        var inventory = await new V1.Admin.AdminClient(channel).GetInventoryAsync(new V1.AdminGetInventoryRequest(), new Grpc.Core.Metadata { { "x-api-key", Keys.Admin } });
        Assert.Contains(inventory.Devices, d => d.Device.Node == "node-1" && d.Draining);
    }

    private static SliceRequest OnNode(string node) =>
        SliceRequest.ForShare(ByteSize.MiB(64), 100) with { Constraints = new DeviceConstraints { Node = node } };
}
