using GpuPool.Dashboard.Pools;
using GpuPool.Dashboard.Views;

namespace GpuPool.Dashboard.Pages;

/// <summary>Every tenant of every pool: quotas against usage.</summary>
internal sealed class TenantsModel(PoolDirectory directory) : LivePageModel<TenantsView>("_Tenants")
{
    protected override TenantsView Read() => TenantsView.From(directory.Snapshots);
}
