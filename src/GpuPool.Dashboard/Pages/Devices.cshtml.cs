using GpuPool.Dashboard.Pools;
using GpuPool.Dashboard.Views;

namespace GpuPool.Dashboard.Pages;

/// <summary>Every device of every pool, with drain and undrain.</summary>
internal sealed class DevicesModel(PoolDirectory directory) : LivePageModel<DevicesView>("_Devices")
{
    protected override DevicesView Read() => DevicesView.From(directory.Snapshots);
}
