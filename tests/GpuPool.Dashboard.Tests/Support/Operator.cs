using Microsoft.Playwright;

namespace GpuPool.Dashboard.Tests.Support;

/// <summary>What an operator does on the pages, by label and role.</summary>
internal static class Operator
{
    /// <summary>Within this a change on a pool must show without a reload.</summary>
    public static readonly LocatorAssertionsToBeVisibleOptions Live = new() { Timeout = 2000 };

    public static async Task<IPage> OpenAsync(IBrowser browser, DashboardHost host)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = host.BaseUrl.ToString(), ViewportSize = new ViewportSize { Width = 1500, Height = 700 } });
        return await context.NewPageAsync();
    }

    public static async Task SignInAsync(IPage page, string key)
    {
        await page.GotoAsync("/");
        await page.GetByLabel("Admin key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    public static ILocator Row(IPage page, string table, string text) =>
        page.GetByRole(AriaRole.Table, new() { Name = table }).GetByRole(AriaRole.Row).Filter(new() { HasText = text });
}
