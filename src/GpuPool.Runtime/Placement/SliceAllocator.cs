namespace GpuPool.Runtime.Placement;

/// <summary>
/// Places slices on devices and keeps the books. It never over-commits: whatever the policy picks
/// is checked against what is free before it is taken. Not thread-safe; the lease table serialises
/// access (and the trace benchmark drives it from one thread).
/// </summary>
internal sealed class SliceAllocator
{
    private readonly NodeSlot[] _nodes;
    private readonly Dictionary<string, DeviceSlot> _byId = new(StringComparer.Ordinal);

    /// <summary>Creates an allocator over <paramref name="nodes"/> with a placement policy.</summary>
    public SliceAllocator(IReadOnlyList<NodeCapacity> nodes, IPlacementPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(policy);
        Policy = policy;
        _nodes = new NodeSlot[nodes.Count];
        for (var n = 0; n < nodes.Count; n++)
        {
            var devices = new DeviceSlot[nodes[n].Devices.Count];
            for (var d = 0; d < devices.Length; d++)
            {
                devices[d] = new DeviceSlot(nodes[n].Devices[d], n, d);
                _byId.TryAdd(QualifiedId(nodes[n].Name, devices[d].Descriptor.Id), devices[d]);
            }

            _nodes[n] = new NodeSlot(nodes[n], n, devices);
        }
    }

    /// <summary>The placement policy.</summary>
    public IPlacementPolicy Policy { get; }

    /// <summary>Every node.</summary>
    public IReadOnlyList<NodeSlot> Nodes => _nodes;

    /// <summary>Every node, as an array (no interface dispatch on hot paths).</summary>
    internal NodeSlot[] NodeArray => _nodes;

    /// <summary>Whether one device could hold a single-device share now.</summary>
    public static bool Fits(DeviceSlot device, in PlacementRequest request)
    {
        ArgumentNullException.ThrowIfNull(device);
        return !device.Draining
            && device.FreeMilli >= request.Milli
            && device.FreeMemoryBytes >= request.MemoryBytes
            && (request.Constraints is null || request.Constraints.Accepts(device.Descriptor));
    }

    /// <summary>Whether a device is entirely free and acceptable for a whole-device request.</summary>
    public static bool FitsWhole(DeviceSlot device, in PlacementRequest request)
    {
        ArgumentNullException.ThrowIfNull(device);
        return !device.Draining
            && device.IsEntirelyFree
            && device.FreeMemoryBytes >= request.MemoryBytes
            && (request.Constraints is null || request.Constraints.Accepts(device.Descriptor));
    }

    /// <summary>Places the request, or returns <see langword="null"/> when no device can hold it now.</summary>
    public Allocation? TryAllocate(in PlacementRequest request)
    {
        var choice = Policy.Choose(request, this);
        return choice is { } c && IsValid(c, request) ? Commit(c, request) : null;
    }

    /// <summary>
    /// Places the request on exactly the chosen node and devices (restoring a journaled lease), or returns
    /// <see langword="null"/> when they cannot hold it now. The policy is not asked.
    /// </summary>
    public Allocation? TryAllocateOn(PlacementChoice choice, in PlacementRequest request) =>
        IsValid(choice, request) ? Commit(choice, request) : null;

    /// <summary>Returns an allocation's resources.</summary>
    public void Free(Allocation allocation)
    {
        ArgumentNullException.ThrowIfNull(allocation);
        var node = _nodes[allocation.Node];
        foreach (var index in allocation.Devices)
        {
            var device = (DeviceSlot)node.Devices[index];
            device.FreeMilli += allocation.Milli;
            device.FreeMemoryBytes += allocation.MemoryBytes;
            device.Allocations--;
        }

        node.FreeCpuMilli += allocation.CpuMilli;
        node.FreeHostMemoryBytes += allocation.HostMemoryBytes;
        Policy.OnChanged(this, allocation.Node);
    }

    /// <summary>
    /// Whether the request could be placed on an empty pool (ignoring draining); <see langword="false"/>
    /// means it can never be satisfied and waiting is pointless.
    /// </summary>
    public bool CouldEverFit(in PlacementRequest request)
    {
        foreach (var node in _nodes)
        {
            if ((node.CpuMilliTotal != 0 && node.CpuMilliTotal < request.CpuMilli)
                || (node.HostMemoryTotal != 0 && node.HostMemoryTotal < request.HostMemoryBytes))
            {
                continue;
            }

            var acceptable = 0;
            foreach (var device in node.Devices)
            {
                var d = device.Descriptor;
                if (d.TotalMemoryBytes >= request.MemoryBytes && (request.Constraints is null || request.Constraints.Accepts(d)))
                {
                    acceptable++;
                }
            }

            if (acceptable >= request.DeviceCount)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Finds a device by node name and device id.</summary>
    public DeviceSlot? FindDevice(string node, string deviceId) =>
        _byId.GetValueOrDefault(QualifiedId(node, deviceId));

    /// <summary>Stops (or resumes) new allocations on a device; existing ones stay.</summary>
    public bool SetDraining(string node, string deviceId, bool draining)
    {
        var device = FindDevice(node, deviceId);
        if (device is null)
        {
            return false;
        }

        device.Draining = draining;
        Policy.OnChanged(this, device.Node);
        return true;
    }

    /// <summary>
    /// Records memory that something outside the pool uses on a device (from telemetry), so that it is
    /// not handed out. Only the part not already granted is withheld.
    /// </summary>
    public void SetExternalMemory(string node, string deviceId, long bytes)
    {
        var device = FindDevice(node, deviceId) ?? throw new ArgumentException($"Unknown device {node}/{deviceId}.", nameof(deviceId));
        var delta = Math.Max(0, bytes) - device.ExternalMemoryBytes;
        device.ExternalMemoryBytes += delta;
        device.FreeMemoryBytes -= delta;
        Policy.OnChanged(this, device.Node);
    }

    private bool IsValid(PlacementChoice choice, in PlacementRequest request)
    {
        if ((uint)choice.Node >= (uint)_nodes.Length || choice.Devices is null || choice.Devices.Length != request.DeviceCount)
        {
            return false;
        }

        var node = _nodes[choice.Node];
        if (!node.HasHostResourcesFor(request))
        {
            return false;
        }

        for (var i = 0; i < choice.Devices.Length; i++)
        {
            var index = choice.Devices[i];
            if ((uint)index >= (uint)node.Devices.Count || Array.IndexOf(choice.Devices, index) != i)
            {
                return false;
            }

            var device = node.Devices[index];
            if (request.WholeDevices ? !FitsWhole(device, request) : !Fits(device, request))
            {
                return false;
            }
        }

        return true;
    }

    private Allocation Commit(PlacementChoice choice, in PlacementRequest request)
    {
        var node = _nodes[choice.Node];
        var descriptors = new DeviceDescriptor[choice.Devices.Length];
        var memory = request.WholeDevices && request.MemoryBytes == 0
            ? choice.Devices.Min(i => node.Devices[i].FreeMemoryBytes)
            : request.MemoryBytes;
        for (var i = 0; i < choice.Devices.Length; i++)
        {
            var device = node.Devices[choice.Devices[i]];
            device.FreeMilli -= request.Milli;
            device.FreeMemoryBytes -= memory;
            device.Allocations++;
            descriptors[i] = device.Descriptor;
        }

        node.FreeCpuMilli -= request.CpuMilli;
        node.FreeHostMemoryBytes -= request.HostMemoryBytes;
        Policy.OnChanged(this, choice.Node);
        return new Allocation
        {
            Node = choice.Node,
            Devices = choice.Devices,
            Descriptors = descriptors,
            MemoryBytes = memory,
            Milli = request.Milli,
            CpuMilli = request.CpuMilli,
            HostMemoryBytes = request.HostMemoryBytes,
        };
    }

    private static string QualifiedId(string node, string deviceId) => node + "/" + deviceId;
}
