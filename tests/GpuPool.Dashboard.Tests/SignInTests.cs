using GpuPool.Dashboard.Tests.Support;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace GpuPool.Dashboard.Tests;

[Collection(BrowserGroup.Name)]
public sealed class SignInTests(BrowserFixture browser, ITestOutputHelper output)
{
    [Fact]
    public async Task SignIn_AdminKey_ShowsOverviewOfThePool()
    {
        await using var host = await DashboardHost.StartAsync(output, ["pool-a"]);
        var page = await Operator.OpenAsync(browser.Browser, host);

        await Operator.SignInAsync(page, Keys.Admin);

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
        await Expect(Operator.Row(page, "Pools", "pool-a")).ToContainTextAsync("Up");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToBeVisibleAsync();
    }

    [Theory]
    [InlineData(Keys.Wrong, "not known to any pool")]
    [InlineData(Keys.Alpha, "a tenant key cannot sign in")]
    public async Task SignIn_KeyWithoutAdminRole_Refused(string key, string message)
    {
        await using var host = await DashboardHost.StartAsync(output, ["pool-a"]);
        var page = await Operator.OpenAsync(browser.Browser, host);

        await Operator.SignInAsync(page, key);

        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync(message);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        Assert.DoesNotContain(key, page.Url, StringComparison.Ordinal);
        await page.GotoAsync("/Leases");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Pages_Anonymous_SentToSignIn()
    {
        await using var host = await DashboardHost.StartAsync(output, ["pool-a"]);
        var page = await Operator.OpenAsync(browser.Browser, host);

        foreach (var path in new[] { "/", "/Devices", "/Leases", "/Tenants", "/Leases?handler=Live" })
        {
            await page.GotoAsync(path);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
            await Expect(page.GetByText("pool-a")).ToHaveCountAsync(0);
        }
    }

    [Fact]
    public async Task SignOut_SessionEnded_PagesNeedSignInAgain()
    {
        await using var host = await DashboardHost.StartAsync(output, ["pool-a"]);
        var page = await Operator.OpenAsync(browser.Browser, host);
        await Operator.SignInAsync(page, Keys.Admin);

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.GotoAsync("/Devices");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
    }
}
