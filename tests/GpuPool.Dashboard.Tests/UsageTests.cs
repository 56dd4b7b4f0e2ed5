using System.Text.RegularExpressions;
using GpuPool.Dashboard.Tests.Support;
using GpuPool.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace GpuPool.Dashboard.Tests;

/// <summary>What the engine measured (Admin.GetUsage) on the pages: busy time, runs, compute-seconds, models, refusals.</summary>
[Collection(BrowserGroup.Name)]
public sealed partial class UsageTests(BrowserFixture browser, ITestOutputHelper output)
{
    [Fact]
    public async Task Usage_ModelRunsAndQuotaRefusal_ShownPerLeaseDeviceAndTenant()
    {
        await using var host = await DashboardHost.StartAsync(output, ["pool-a"]);
        await using var client = host.Client("pool-a", Keys.Alpha);
        var pool = client.GetRequiredService<IGpuPool>();
        await using var lease = await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 250));
        await using var model = await lease.LoadModelAsync(ModelSource.FromBytes(TestModels.Linear(4, 2)), new ModelOptions { Name = "linear" });
        for (var i = 0; i < 3; i++)
        {
            await model.RunAsync(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(new float[] { 1, 2, 3, 4 }, 1, 4) });
        }

        // alpha may hold 4 leases: the fifth is refused for its quota.
        var more = new List<GpuLease>();
        for (var i = 0; i < 3; i++)
        {
            more.Add(await pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(16), 10)));
        }

        await Assert.ThrowsAsync<QuotaExceededException>(() => pool.LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(16), 10)).AsTask());
        var page = await Operator.OpenAsync(browser.Browser, host);
        await Operator.SignInAsync(page, Keys.Admin);

        await Expect(await Operator.CellAsync(page, "Pools", "pool-a", "Refused")).ToHaveTextAsync("1", new() { Timeout = 15000 });
        await Expect(await Operator.CellAsync(page, "Pools", "pool-a", "Compute busy")).ToHaveTextAsync(DevicesBusy(), new() { Timeout = 15000 });

        await page.GetByRole(AriaRole.Link, new() { Name = "Leases" }).ClickAsync();
        await Expect(await Operator.CellAsync(page, "Leases", lease.Id, "Models")).ToHaveTextAsync("linear");
        await Expect(await Operator.CellAsync(page, "Leases", lease.Id, "Runs")).ToHaveTextAsync("3");
        await Expect(await Operator.CellAsync(page, "Leases", lease.Id, "Compute-seconds")).ToHaveTextAsync(SecondsPattern());
        await Expect(await Operator.CellAsync(page, "Leases", more[0].Id, "Models")).ToHaveTextAsync("none");
        await Expect(await Operator.CellAsync(page, "Leases", more[0].Id, "Runs")).ToHaveTextAsync("0");
        await Screenshots.SaveAsync(page, "dashboard-leases-usage");

        await page.GetByRole(AriaRole.Link, new() { Name = "Devices" }).ClickAsync();
        await Expect(await Operator.CellAsync(page, "Devices", "cpu0", "Busy (measured)")).ToHaveTextAsync(BusyPattern());
        await Expect(await Operator.CellAsync(page, "Devices", "cpu0", "In use")).Not.ToHaveTextAsync("0 B"); // the model's charge
        // The CPU reports no temperature, power or vendor utilisation: a dash, not a zero.
        await Expect(await Operator.CellAsync(page, "Devices", "cpu0", "Temperature")).ToHaveTextAsync("—");
        await Expect(await Operator.CellAsync(page, "Devices", "cpu0", "Power")).ToHaveTextAsync("—");
        await Expect(await Operator.CellAsync(page, "Devices", "cpu0", "GPU utilisation")).ToHaveTextAsync("—");
        await Screenshots.SaveAsync(page, "dashboard-devices-usage");

        await page.GetByRole(AriaRole.Link, new() { Name = "Tenants" }).ClickAsync();
        await Expect(await Operator.CellAsync(page, "Tenants", "alpha", "Runs (compute-seconds)")).ToHaveTextAsync(TenantRunsPattern());
        await Expect(await Operator.CellAsync(page, "Tenants", "alpha", "Refused")).ToHaveTextAsync("quota 1");
        await Expect(await Operator.CellAsync(page, "Tenants", "ops", "Refused")).ToHaveTextAsync("none");
        await Screenshots.SaveAsync(page, "dashboard-tenants");

        foreach (var extra in more)
        {
            await extra.DisposeAsync();
        }
    }

    [Fact]
    public async Task Usage_LeaseEnds_ItsRowGoesButTheTenantKeepsItsRuns()
    {
        await using var host = await DashboardHost.StartAsync(output, ["pool-a"]);
        await using var client = host.Client("pool-a", Keys.Alpha);
        var lease = await client.GetRequiredService<IGpuPool>().LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 250));
        var model = await lease.LoadModelAsync(ModelSource.FromBytes(TestModels.Linear(4, 2)), new ModelOptions { Name = "linear" });
        await model.RunAsync(new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromArray(new float[] { 1, 2, 3, 4 }, 1, 4) });
        var page = await Operator.OpenAsync(browser.Browser, host);
        await Operator.SignInAsync(page, Keys.Admin);
        await page.GetByRole(AriaRole.Link, new() { Name = "Tenants" }).ClickAsync();
        await Expect(await Operator.CellAsync(page, "Tenants", "alpha", "Leases")).ToHaveTextAsync("1 of 4");

        await model.DisposeAsync();
        await lease.DisposeAsync();

        // Allocated figures drop when the workload ends; what it used stays counted for its tenant.
        await Expect(await Operator.CellAsync(page, "Tenants", "alpha", "Leases")).ToHaveTextAsync("0 of 4", new() { Timeout = 15000 });
        await Expect(await Operator.CellAsync(page, "Tenants", "alpha", "Runs (compute-seconds)")).ToHaveTextAsync(new Regex(@"^1 run, [1-9]"));
    }

    // Three runs took some time: never "0 s".
    [GeneratedRegex(@"^[1-9]\d*(\.\d+)? (µs|ms|s)$")]
    private static partial Regex SecondsPattern();

    [GeneratedRegex(@"^\d+% \([1-9]\d*(\.\d+)? (µs|ms|s), 3 runs\)$")]
    private static partial Regex BusyPattern();

    [GeneratedRegex(@"^3 runs, [1-9]\d*(\.\d+)? (µs|ms|s)$")]
    private static partial Regex TenantRunsPattern();

    [GeneratedRegex(@"^\d+(\.\d+)? of 1 device\(s\)$")]
    private static partial Regex DevicesBusy();
}
