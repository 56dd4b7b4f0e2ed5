using GpuPool.Dashboard.Pools;

namespace GpuPool.Dashboard.Views;

/// <summary>
/// Every lease of the pools that answered, newest first, and the tenants the filter offers: what the leases page
/// needs from one set of snapshots. The snapshots change once per read of a pool (every refresh interval) while
/// the page may be asked for many times in between, so this is built once per set (<see cref="LeaseCatalogCache"/>)
/// and each request only cuts its page out of it.
/// </summary>
internal sealed class LeaseCatalog
{
    private LeaseCatalog(IReadOnlyList<PoolSnapshot> source, LeaseEntry[] leases, IReadOnlyList<string> tenantNames)
    {
        Source = source;
        Leases = leases;
        TenantNames = tenantNames;
    }

    /// <summary>The snapshots this was built from (compared by reference: a new read is a new list).</summary>
    public IReadOnlyList<PoolSnapshot> Source { get; }

    /// <summary>Newest first; leases granted in the same millisecond keep the pools' order.</summary>
    public IReadOnlyList<LeaseEntry> Leases { get; }

    /// <summary>Every tenant with a lease or known to a pool, in ordinal order.</summary>
    public IReadOnlyList<string> TenantNames { get; }

    public static LeaseCatalog Build(IReadOnlyList<PoolSnapshot> snapshots)
    {
        var entries = new List<LeaseEntry>();
        var tenants = new HashSet<string>(StringComparer.Ordinal);
        foreach (var snapshot in snapshots)
        {
            foreach (var tenant in snapshot.Tenants)
            {
                tenants.Add(tenant.Name);
            }

            foreach (var lease in snapshot.Leases)
            {
                tenants.Add(lease.Tenant);
                if (snapshot.IsUp)
                {
                    entries.Add(new LeaseEntry(snapshot.Name, lease, snapshot.Usage.Leases.GetValueOrDefault(lease.Id)));
                }
            }
        }

        // OrderBy is stable: leases granted in the same millisecond keep the order the pools listed them in.
        LeaseEntry[] byAge = [.. entries.OrderByDescending(e => e.Lease.GrantedAtUnixMs)];
        var tenantNames = tenants.ToArray();
        Array.Sort(tenantNames, StringComparer.Ordinal);
        return new LeaseCatalog(snapshots, byAge, tenantNames);
    }
}
