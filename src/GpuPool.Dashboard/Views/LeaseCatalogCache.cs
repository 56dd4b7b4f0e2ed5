using GpuPool.Dashboard.Pools;

namespace GpuPool.Dashboard.Views;

/// <summary>
/// The <see cref="LeaseCatalog"/> of the latest snapshots, built on the first request after a pool was read again
/// and shared by every request until the next read: a page is never staler than without it.
/// </summary>
internal sealed class LeaseCatalogCache(PoolDirectory directory)
{
    private LeaseCatalog? _latest;

    public LeaseCatalog Current
    {
        get
        {
            var snapshots = directory.Snapshots;
            var latest = Volatile.Read(ref _latest);
            if (latest is not null && ReferenceEquals(latest.Source, snapshots))
            {
                return latest;
            }

            // Requests racing after a read may each build one; the last written stays, all are equally fresh.
            latest = LeaseCatalog.Build(snapshots);
            Volatile.Write(ref _latest, latest);
            return latest;
        }
    }
}
