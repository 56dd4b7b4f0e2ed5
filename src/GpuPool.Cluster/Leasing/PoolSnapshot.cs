using GpuPool.Cluster.Store;
using GpuPool.Runtime.Placement;

namespace GpuPool.Cluster.Leasing;

/// <summary>
/// One full read of the pool as an allocator, kept up to date lease by lease: the allocator over every live
/// node's devices and, by lease id, what each live lease it knows of holds. Not thread-safe (<see cref="PoolView"/> locks).
/// </summary>
internal sealed class PoolSnapshot
{
    private readonly Dictionary<string, int> _nodes;

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

    public IReadOnlyList<PoolDevice> Devices { get; }

    public DateTimeOffset ReadAt { get; }

    /// <summary>The allocator over <paramref name="devices"/>, holding <paramref name="leases"/>; draining devices marked after.</summary>
    public static PoolSnapshot Build(IReadOnlyList<PoolDevice> devices, IReadOnlyList<LiveLeaseUsage> leases, IPlacementPolicy policy, DateTimeOffset readAt)
    {
        var byNode = devices.GroupBy(d => d.NodeId, StringComparer.Ordinal).ToList();
        var allocator = new SliceAllocator([.. byNode.Select(g => new NodeCapacity(g.Key, [.. g.Select(d => d.Descriptor)]))], policy);
        var nodes = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var n = 0; n < byNode.Count; n++)
        {
            nodes[byNode[n].Key] = n;
        }

        var snapshot = new PoolSnapshot(allocator, nodes, devices, readAt);
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

    /// <summary>Counts a live lease; true when counted now or already; false when this view cannot hold it (it is wrong).</summary>
    public bool Add(LiveLeaseUsage lease)
    {
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

        // Counted as it holds the devices (a whole-device lease holds all of their compute), checked like any placement.
        var holds = new PlacementRequest { MemoryBytes = lease.MemoryBytes, Milli = lease.Milli, DeviceCount = indexes.Length };
        if (Allocator.TryAllocateOn(new PlacementChoice(node, indexes), holds) is not { } allocation)
        {
            return false;
        }

        Leases[lease.LeaseId] = allocation;
        return true;
    }

    /// <summary>Frees what a lease held, if this view counted it.</summary>
    public void Remove(string leaseId)
    {
        if (Leases.Remove(leaseId, out var allocation))
        {
            Allocator.Free(allocation);
        }
    }

    /// <summary>
    /// Where placement would put the request if <paramref name="first"/>'s devices could not take it (they are
    /// left out as if draining); nothing is held there. Null when nothing else fits.
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

        var next = Allocator.TryAllocate(request);
        if (next is not null)
        {
            Allocator.Free(next);
        }

        foreach (var device in leftOut)
        {
            Allocator.SetDraining(node, device.Id, draining: false);
        }

        return next is null ? null : Decision(next);
    }

    /// <summary>The node and device ids of an allocation on this view.</summary>
    public PlacementDecision Decision(Allocation allocation)
    {
        ArgumentNullException.ThrowIfNull(allocation);
        return new PlacementDecision(Allocator.Nodes[allocation.Node].Name, [.. allocation.Descriptors.Select(d => d.Id)], allocation.MemoryBytes);
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
