namespace GpuPool.Dashboard.Tests.Support;

/// <summary>The browser tests share one chromium and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class BrowserGroup : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}
