using GpuPool.Dashboard.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace GpuPool.Dashboard.Tests;

[Collection(BrowserGroup.Name)]
public sealed class DevicesTests(BrowserFixture browser, ITestOutputHelper output)
{
    [Fact]
    public async Task Drain_ConfirmedOnPage_ShowsDrainingAndBlocksAcquires()
    {
        await using var host = await DashboardHost.StartAsync(output, ["pool-a"]);
        await using var client = host.Client("pool-a", Keys.Alpha);
        var pool = client.GetRequiredService<IGpuPool>();
        var page = await Operator.OpenAsync(browser.Browser, host);
        await Operator.SignInAsync(page, Keys.Admin);
        await page.GetByRole(AriaRole.Link, new() { Name = "Devices" }).ClickAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Drain cpu0 of pool-a" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Drain device" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Device cpu0 is draining");
        await Expect(Operator.Row(page, "Devices", "cpu0")).ToContainTextAsync("Draining");
        await Screenshots.SaveAsync(page, "dashboard-devices");
        Assert.Null(pool.TryLease(SliceRequest.ForShare(ByteSize.MiB(64), 250)));

        await page.GetByRole(AriaRole.Link, new() { Name = "Undrain cpu0 of pool-a" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Undrain device" }).ClickAsync();

        await Expect(Operator.Row(page, "Devices", "cpu0")).ToContainTextAsync("Accepting leases");
        await using var lease = pool.TryLease(SliceRequest.ForShare(ByteSize.MiB(64), 250));
        Assert.NotNull(lease);
    }
}
