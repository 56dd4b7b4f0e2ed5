using GpuPool.Cluster.Store;
using GpuPool.Runtime.Placement;

namespace GpuPool.Cluster.Leasing;

/// <summary>
/// One full read of the pool as an allocator, kept up to date lease by lease: the allocator over every live
/// node's devices (with the node's CPU and host memory) and, by lease id, what each live lease it knows of
/// holds. A later full read of the same nodes and devices is reconciled into it in place, so that the placement
/// policy keeps what it learned and its index. Not thread-safe (<see cref="PoolView"/> locks).
/// </summary>
internal sealed class PoolSnapshot
{
    private readonly Dictionary<string, int> _nodes;

    // The alternative is chosen by best fit, not by the pool's policy: asking the policy a second time would
    // teach it the request twice (the default policy learns the mix from what it is asked) and move its random
    // tie-breaking, so that the pool would place differently from a single server given the same requests.
    private readonly BestFitPolicy _alternatives = new();

    private PoolSnapshot(SliceAllocator allocator, Dictionary<string, int> nodes, IReadOnlyList<PoolDevice> devices, DateTimeOffset readAt)
    {
        Allocator = allocator;
        _nodes = nodes;
        Devices = devices;
        ReadAt = readAt;
    }

    public SliceAllocator Allocator { get; }

    /// <summary>What each known live lease holds.</summary>
    public Dictionary<string, Allocation> Leases { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<PoolDevice> Devices { get; private set; }

    public DateTimeOffset ReadAt { get; private set; }

    /// <summary>Counts the changes that may have freed capacity (a placement that found nothing need not be tried again without one).</summary>
    public long Freed { get; private set; }

    /// <summary>
    /// The earliest expiry (Unix milliseconds, the database's clock) of a lease this view counted since its last
    /// full read; 0 when one was unknown. Until then no lease it counts can have ended unannounced.
    /// </summary>
    public long EarliestExpiryMs { get; private set; } = long.MaxValue;

    /// <summary>The allocator over <paramref name="devices"/>, holding <paramref name="leases"/>; draining devices marked after.</summary>
    public static PoolSnapshot Build(IReadOnlyList<PoolDevice> devices, IReadOnlyList<LiveLeaseUsage> leases, IPlacementPolicy policy, DateTimeOffset readAt)
    {
        ArgumentNullException.ThrowIfNull(devices);
        ArgumentNullException.ThrowIfNull(leases);
        var byNode = devices.GroupBy(d => d.NodeId, StringComparer.Ordinal).ToList();
        var allocator = new SliceAllocator([.. byNode.Select(Capacity)], policy);
        var nodes = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var n = 0; n < byNode.Count; n++)
        {
            nodes[byNode[n].Key] = n;
        }

        var snapshot = new PoolSnapshot(allocator, nodes, devices, readAt);
        snapshot.EarliestExpiryMs = Earliest(leases);
        foreach (var lease in leases)
        {
            snapshot.Add(lease); // a lease the devices cannot hold (inconsistent rows) is left out: the grant re-checks
        }

        foreach (var device in devices.Where(d => d.Draining))
        {
            allocator.SetDraining(device.NodeId, device.Descriptor.Id, draining: true);
        }

        return snapshot;
    }

    /// <summary>
    /// Takes a later full read in place when it has the same nodes, devices and capacities (else false: build a
    /// new snapshot): leases it lacks are freed, leases it adds are counted, draining marks follow it. Places
    /// reserved and not yet confirmed stay held. Returns whether anything changed.
    /// </summary>
    public bool? Reconcile(IReadOnlyList<PoolDevice> devices, IReadOnlyList<LiveLeaseUsage> leases, DateTimeOffset readAt)
    {
        ArgumentNullException.ThrowIfNull(devices);
        ArgumentNullException.ThrowIfNull(leases);
        if (!SameShape(devices))
        {
            return null;
        }

        var changed = false;
        var read = new HashSet<string>(leases.Count, StringComparer.Ordinal);
        foreach (var lease in leases)
        {
            read.Add(lease.LeaseId);
        }

        foreach (var gone in Leases.Keys.Where(id => !read.Contains(id)).ToList())
        {
            Remove(gone);
            changed = true;
        }

        foreach (var lease in leases)
        {
            changed |= !Leases.ContainsKey(lease.LeaseId) && Add(lease);
        }

        for (var i = 0; i < devices.Count; i++)
        {
            if (Allocator.FindDevice(devices[i].NodeId, devices[i].Descriptor.Id)?.Draining != devices[i].Draining)
            {
                Allocator.SetDraining(devices[i].NodeId, devices[i].Descriptor.Id, devices[i].Draining);
                Freed += devices[i].Draining ? 0 : 1;
                changed = true;
            }
        }

        Devices = devices;
        ReadAt = readAt;
        EarliestExpiryMs = Earliest(leases);
        return changed;
    }

    /// <summary>Notes that a lease this view counts expires at <paramref name="expiresAtMs"/> (Unix milliseconds; 0 = unknown).</summary>
    public void Expires(long expiresAtMs) => EarliestExpiryMs = Math.Min(EarliestExpiryMs, expiresAtMs);

    /// <summary>Counts a live lease; true when counted now or already; false when this view cannot hold it (it is wrong).</summary>
    public bool Add(LiveLeaseUsage lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (Leases.ContainsKey(lease.LeaseId))
        {
            return true;
        }

        if (!_nodes.TryGetValue(lease.NodeId, out var node))
        {
            return false;
        }

        var slot = Allocator.Nodes[node];
        var indexes = new int[lease.DeviceIds.Length];
        for (var i = 0; i < indexes.Length; i++)
        {
            indexes[i] = IndexOf(slot, lease.DeviceIds[i]);
            if (indexes[i] < 0)
            {
                return false;
            }
        }

        // Counted as it holds the devices (a whole-device lease holds all of their compute) and the node's CPU
        // and host memory, checked like any placement.
        var holds = new PlacementRequest
        {
            MemoryBytes = lease.MemoryBytes,
            Milli = lease.Milli,
            DeviceCount = indexes.Length,
            CpuMilli = lease.CpuMilli,
            HostMemoryBytes = lease.HostMemoryBytes,
        };
        if (Allocator.TryAllocateOn(new PlacementChoice(node, indexes), holds) is not { } allocation)
        {
            return false;
        }

        Leases[lease.LeaseId] = allocation;
        Expires(lease.ExpiresAtMs);
        return true;
    }

    /// <summary>Frees what a lease held, if this view counted it.</summary>
    public void Remove(string leaseId)
    {
        if (Leases.Remove(leaseId, out var allocation))
        {
            Free(allocation);
        }
    }

    /// <summary>Frees a place held on this view.</summary>
    public void Free(Allocation allocation)
    {
        Allocator.Free(allocation);
        Freed++;
    }

    /// <summary>
    /// Where the request would go if <paramref name="first"/>'s devices could not take it (they are left out as
    /// if draining), by best fit; nothing is held there. Null when nothing else fits.
    /// </summary>
    public PlacementDecision? Alternative(in PlacementRequest request, Allocation first)
    {
        ArgumentNullException.ThrowIfNull(first);
        var node = Allocator.Nodes[first.Node].Name;
        var leftOut = first.Descriptors.Where(d => Allocator.FindDevice(node, d.Id) is { Draining: false }).ToList();
        foreach (var device in leftOut)
        {
            Allocator.SetDraining(node, device.Id, draining: true);
        }

        PlacementDecision? next = null;
        if (_alternatives.Choose(request, Allocator) is { } choice && Allocator.TryAllocateOn(choice, request) is { } held)
        {
            next = Decision(held);
            Allocator.Free(held);
        }

        foreach (var device in leftOut)
        {
            Allocator.SetDraining(node, device.Id, draining: false);
        }

        return next;
    }

    /// <summary>The node and device ids of an allocation on this view.</summary>
    public PlacementDecision Decision(Allocation allocation)
    {
        ArgumentNullException.ThrowIfNull(allocation);
        return new PlacementDecision(Allocator.Nodes[allocation.Node].Name, [.. allocation.Descriptors.Select(d => d.Id)], allocation.MemoryBytes);
    }

    private static long Earliest(IReadOnlyList<LiveLeaseUsage> leases)
    {
        var earliest = long.MaxValue;
        foreach (var lease in leases)
        {
            earliest = Math.Min(earliest, lease.ExpiresAtMs);
        }

        return earliest;
    }

    private static NodeCapacity Capacity(IGrouping<string, PoolDevice> node)
    {
        var first = node.First();
        return new NodeCapacity(node.Key, [.. node.Select(d => d.Descriptor)], first.NodeCpuMilli, first.NodeHostMemoryBytes);
    }

    // The same nodes and devices in the same order, with the same capacities (the allocator's slots stay valid).
    private bool SameShape(IReadOnlyList<PoolDevice> devices)
    {
        if (devices.Count != Devices.Count)
        {
            return false;
        }

        for (var i = 0; i < devices.Count; i++)
        {
            var (now, then) = (devices[i], Devices[i]);
            if (now.NodeId != then.NodeId || now.NodeCpuMilli != then.NodeCpuMilli || now.NodeHostMemoryBytes != then.NodeHostMemoryBytes
                || now.Descriptor.Id != then.Descriptor.Id || now.Descriptor.Model != then.Descriptor.Model || now.Descriptor.Kind != then.Descriptor.Kind
                || now.Descriptor.Vendor != then.Descriptor.Vendor || now.Descriptor.TotalMemoryBytes != then.Descriptor.TotalMemoryBytes)
            {
                return false;
            }
        }

        return true;
    }

    private static int IndexOf(NodeSlot node, string deviceId)
    {
        for (var d = 0; d < node.Devices.Count; d++)
        {
            if (node.Devices[d].Descriptor.Id == deviceId)
            {
                return d;
            }
        }

        return -1;
    }
}
