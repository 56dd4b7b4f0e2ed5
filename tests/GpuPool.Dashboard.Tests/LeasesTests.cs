using GpuPool.Dashboard.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace GpuPool.Dashboard.Tests;

[Collection(BrowserGroup.Name)]
public sealed class LeasesTests(BrowserFixture browser, ITestOutputHelper output)
{
    [Fact]
    public async Task Leases_LeaseTakenByClient_AppearsWithinTwoSecondsWithItsFigures()
    {
        await using var host = await DashboardHost.StartAsync(output, ["pool-a", "pool-b"]);
        var page = await Operator.OpenAsync(browser.Browser, host);
        await Operator.SignInAsync(page, Keys.Admin);
        await page.GetByRole(AriaRole.Link, new() { Name = "Leases" }).ClickAsync();
        await Expect(page.GetByText("0 lease(s)")).ToBeVisibleAsync();
        await using var client = host.Client("pool-b", Keys.Alpha);

        await using var lease = await client.GetRequiredService<IGpuPool>().LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 250));

        var row = Operator.Row(page, "Leases", lease.Id);
        await Expect(row).ToBeVisibleAsync(Operator.Live);
        await Expect(row).ToContainTextAsync("pool-b");
        await Expect(row).ToContainTextAsync("alpha");
        await Expect(row).ToContainTextAsync("pool-b-node");
        await Expect(row).ToContainTextAsync("64 MiB");
        await Expect(row).ToContainTextAsync("0.25");
        await Screenshots.SaveAsync(page, "dashboard-leases");

        await page.GetByRole(AriaRole.Link, new() { Name = "Overview" }).ClickAsync();
        await Expect(Operator.Row(page, "Pools", "pool-b")).ToContainTextAsync("64 MiB of");
        await page.GetByRole(AriaRole.Link, new() { Name = "Tenants" }).ClickAsync();
        await Expect(Operator.Row(page, "Tenants", "alpha").Filter(new() { HasText = "pool-b" })).ToContainTextAsync("1 of 4");
    }

    [Fact]
    public async Task Leases_FilteredByTenant_ShowsOnlyThatTenant()
    {
        await using var host = await DashboardHost.StartAsync(output, ["pool-a"]);
        await using var alpha = host.Client("pool-a", Keys.Alpha);
        await using var ops = host.Client("pool-a", Keys.Admin);
        await using var alphaLease = await alpha.GetRequiredService<IGpuPool>().LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(32), 100));
        await using var opsLease = await ops.GetRequiredService<IGpuPool>().LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(32), 100));
        var page = await Operator.OpenAsync(browser.Browser, host);
        await Operator.SignInAsync(page, Keys.Admin);
        await page.GetByRole(AriaRole.Link, new() { Name = "Leases" }).ClickAsync();

        await page.GetByLabel("Tenant").SelectOptionAsync("alpha");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();

        await Expect(Operator.Row(page, "Leases", alphaLease.Id)).ToBeVisibleAsync();
        await Expect(Operator.Row(page, "Leases", opsLease.Id)).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Revoke_ConfirmedOnPage_ClientLosesItsLease()
    {
        await using var host = await DashboardHost.StartAsync(output, ["pool-a"]);
        await using var client = host.Client("pool-a", Keys.Alpha);
        var lease = await client.GetRequiredService<IGpuPool>().LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 250));
        var lost = new TaskCompletionSource();
        using var registration = lease.LeaseLost.Register(lost.SetResult);
        var page = await Operator.OpenAsync(browser.Browser, host);
        await Operator.SignInAsync(page, Keys.Admin);
        await page.GetByRole(AriaRole.Link, new() { Name = "Leases" }).ClickAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = $"Revoke {lease.Id}" }).ClickAsync();
        await Expect(page.GetByText($"Revoke lease {lease.Id} on pool pool-a?")).ToBeVisibleAsync();
        await Screenshots.SaveAsync(page, "dashboard-confirm-revoke");
        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke lease" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Lease {lease.Id} was revoked");
        await Expect(Operator.Row(page, "Leases", lease.Id)).ToHaveCountAsync(0);
        await lost.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(LeaseLostReason.Revoked, lease.LostReason);
        await lease.DisposeAsync();
    }

    [Fact]
    public async Task Revoke_Cancelled_LeaseStays()
    {
        await using var host = await DashboardHost.StartAsync(output, ["pool-a"]);
        await using var client = host.Client("pool-a", Keys.Alpha);
        await using var lease = await client.GetRequiredService<IGpuPool>().LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 250));
        var page = await Operator.OpenAsync(browser.Browser, host);
        await Operator.SignInAsync(page, Keys.Admin);
        await page.GetByRole(AriaRole.Link, new() { Name = "Leases" }).ClickAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = $"Revoke {lease.Id}" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Cancel" }).ClickAsync();

        await Expect(Operator.Row(page, "Leases", lease.Id)).ToBeVisibleAsync();
        Assert.False(lease.LeaseLost.IsCancellationRequested);
    }

    [Fact]
    public async Task Confirm_PostWithoutAntiforgeryToken_RefusedAndLeaseStays()
    {
        await using var host = await DashboardHost.StartAsync(output, ["pool-a"]);
        await using var client = host.Client("pool-a", Keys.Alpha);
        await using var lease = await client.GetRequiredService<IGpuPool>().LeaseAsync(SliceRequest.ForShare(ByteSize.MiB(64), 250));
        var page = await Operator.OpenAsync(browser.Browser, host);
        await Operator.SignInAsync(page, Keys.Admin);

        // The signed-in session's cookie goes along; only the form's anti-forgery token is missing (a forged cross-site post).
        var response = await page.APIRequest.PostAsync("/Confirm", new() { Form = page.Context.APIRequest.CreateFormData().Set("op", "revoke").Set("pool", "pool-a").Set("lease", lease.Id) });

        Assert.Equal(400, response.Status);
        await page.GotoAsync("/Leases");
        await Expect(Operator.Row(page, "Leases", lease.Id)).ToBeVisibleAsync();
        Assert.False(lease.LeaseLost.IsCancellationRequested);
    }
}
