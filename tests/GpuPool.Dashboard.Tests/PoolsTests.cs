using GpuPool.Dashboard.Tests.Support;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace GpuPool.Dashboard.Tests;

[Collection(BrowserGroup.Name)]
public sealed class PoolsTests(BrowserFixture browser, ITestOutputHelper output)
{
    [Fact]
    public async Task Overview_TwoPools_ShowsBothSideBySideWithTotal()
    {
        await using var host = await DashboardHost.StartAsync(output, ["pool-a", "pool-b"]);
        var page = await Operator.OpenAsync(browser.Browser, host);
        await Operator.SignInAsync(page, Keys.Admin);

        await Expect(Operator.Row(page, "Pools", "pool-a")).ToContainTextAsync("Up");
        await Expect(Operator.Row(page, "Pools", "pool-b")).ToContainTextAsync("Up");
        await Expect(Operator.Row(page, "Pools", "All pools")).ToContainTextAsync("2 of 2 up");
        await Screenshots.SaveAsync(page, "dashboard-overview");

        await page.GetByRole(AriaRole.Link, new() { Name = "Devices" }).ClickAsync();
        await Expect(Operator.Row(page, "Devices", "pool-a-node")).ToContainTextAsync("Accepting leases");
        await Expect(Operator.Row(page, "Devices", "pool-b-node")).ToContainTextAsync("Accepting leases");
    }

    [Fact]
    public async Task Overview_OnePoolDown_SaysSoAndShowsTheOthers()
    {
        await using var host = await DashboardHost.StartAsync(output, ["pool-a"], downPool: "pool-down");
        var page = await Operator.OpenAsync(browser.Browser, host);
        await Operator.SignInAsync(page, Keys.Admin);

        await Expect(Operator.Row(page, "Pools", "pool-down")).ToContainTextAsync("Down");
        await Expect(Operator.Row(page, "Pools", "pool-down")).ToContainTextAsync("Unreachable");
        await Expect(Operator.Row(page, "Pools", "pool-a")).ToContainTextAsync("Up");
        await Expect(Operator.Row(page, "Pools", "All pools")).ToContainTextAsync("1 of 2 up");
        await Screenshots.SaveAsync(page, "dashboard-pool-down");

        await page.GetByRole(AriaRole.Link, new() { Name = "Leases" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Pool pool-down is down");
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Leases" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Overview_PoolStopsWhileShown_TurnsDownWithoutReload()
    {
        await using var host = await DashboardHost.StartAsync(output, ["pool-a", "pool-b"]);
        var page = await Operator.OpenAsync(browser.Browser, host);
        await Operator.SignInAsync(page, Keys.Admin);
        await Expect(Operator.Row(page, "Pools", "pool-b")).ToContainTextAsync("Up");

        await host.StopPoolAsync("pool-b");

        await Expect(Operator.Row(page, "Pools", "pool-b")).ToContainTextAsync("Down", new() { Timeout = 15000 });
        await Expect(Operator.Row(page, "Pools", "pool-a")).ToContainTextAsync("Up");
    }
}
