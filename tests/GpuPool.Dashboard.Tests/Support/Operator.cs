using Microsoft.Playwright;

namespace GpuPool.Dashboard.Tests.Support;

/// <summary>What an operator does on the pages, by label and role.</summary>
internal static class Operator
{
    /// <summary>
    /// Within this a change on a pool must show without a reload: the promise of docs/dashboard.md (the dashboard
    /// reads its pools every 0.5 s, the page asks for changes every 0.5 s), kept at 2 s on purpose where other
    /// checks wait longer (<see cref="BrowserFixture"/>).
    /// </summary>
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

    /// <summary>The cell under the column headed <paramref name="column"/> in the row that shows <paramref name="text"/>.</summary>
    public static async Task<ILocator> CellAsync(IPage page, string table, string text, string column)
    {
        var headers = await page.GetByRole(AriaRole.Table, new() { Name = table }).Locator("thead th").AllInnerTextsAsync();
        var index = headers.Select(h => h.Trim()).ToList().IndexOf(column);
        Assert.True(index >= 0, $"Table {table} has no column '{column}' (columns: {string.Join(", ", headers)}).");
        return Row(page, table, text).Locator("th, td").Nth(index);
    }
}
