using Microsoft.Playwright;

namespace GpuPool.Dashboard.Tests.Support;

/// <summary>Saves what the page shows: to GPUPOOL_SCREENSHOTS (docs/images when refreshing the docs) or next to the test binaries.</summary>
internal static class Screenshots
{
    public static async Task SaveAsync(IPage page, string name)
    {
        var folder = Environment.GetEnvironmentVariable("GPUPOOL_SCREENSHOTS") is { Length: > 0 } configured
            ? configured
            : Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = true });
    }
}
