using GpuPool.Dashboard.Pools;
using GpuPool.Dashboard.Views;

namespace GpuPool.Dashboard.Pages;

/// <summary>The overview: every pool and the total, with the last hour's trends.</summary>
internal sealed class IndexModel(PoolDirectory directory, TrendHistory trends, TimeProvider time) : LivePageModel<OverviewView>("_Overview")
{
    protected override OverviewView Read() => OverviewView.From(directory.Snapshots, trends, time.GetUtcNow());
}
