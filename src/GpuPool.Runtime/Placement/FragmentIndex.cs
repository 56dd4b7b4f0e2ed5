namespace GpuPool.Runtime.Placement;

/// <summary>
/// Incremental per-node state for fragmentation-aware policies. For every node and every shape of the
/// mix it keeps how much free GPU milli that shape could use on the node (<c>U</c>) and on how many
/// devices (<c>N</c>); a node's fragmentation for a shape is then O(1): all its free milli when the shape
/// cannot run there (host resources, device count, model), otherwise the free milli it cannot use. Only
/// the node that changed is recomputed after an allocation or release, so a decision costs
/// O(nodes × candidate devices × shapes) additions and no allocation.
/// </summary>
internal sealed partial class FragmentIndex
{
    private readonly SliceAllocator _allocator;
    private readonly ShapeMix _mix;
    private readonly int[] _deviceOffset;
    private readonly long[] _free;
    private readonly int[] _typeOf;
    private int _shapes;
    private int[] _milli = [];
    private int[] _need = [];
    private bool[] _whole = [];
    private int[] _cpu = [];
    private long[] _host = [];
    private long[] _memory = [];
    private bool[]?[] _accepts = [];
    private int[][] _usable;
    private int[][] _count;
    private double[] _weights = [];
    private double[] _scratch = [];
    private int[] _active = [];
    private int _activeCount;

    public FragmentIndex(SliceAllocator allocator, ShapeMix mix)
    {
        _allocator = allocator;
        _mix = mix;
        var nodes = allocator.Nodes;
        _deviceOffset = new int[nodes.Count + 1];
        for (var n = 0; n < nodes.Count; n++)
        {
            _deviceOffset[n + 1] = _deviceOffset[n] + nodes[n].Devices.Count;
        }

        _free = new long[nodes.Count];
        _typeOf = NodeTypes(nodes);
        _nodeStamp = new long[nodes.Count];
        _usable = new int[nodes.Count][];
        _count = new int[nodes.Count][];
        for (var n = 0; n < nodes.Count; n++)
        {
            _usable[n] = [];
            _count[n] = [];
            _free[n] = PlacementMath.FreeMilli(nodes[n]);
        }
    }

    /// <summary>The allocator the index describes.</summary>
    public SliceAllocator Allocator => _allocator;

    /// <summary>
    /// Brings the index up to date with the mix: materialises new shapes and takes the current weights
    /// (shapes of host-only requests weigh nothing: they never use GPU capacity). Shapes whose weight is
    /// under <paramref name="minShare"/> of the total are left out of the sum, which bounds the cost of a
    /// decision. Cached scores are dropped when a weight changed.
    /// </summary>
    public void Refresh(Func<int, double>? weightOf = null, double minShare = 0)
    {
        if (_mix.Count > _shapes)
        {
            AddShapes();
        }

        var total = 0.0;
        for (var m = 0; m < _shapes; m++)
        {
            var weight = _need[m] == 0 ? 0 : (weightOf?.Invoke(m) ?? _mix.Weight(m));
            _scratch[m] = weight;
            total += weight;
        }

        var changed = false;
        _activeCount = 0;
        ActiveWeight = 0;
        for (var m = 0; m < _shapes; m++)
        {
            var weight = _scratch[m] > 0 && _scratch[m] >= minShare * total ? _scratch[m] : 0;
            changed |= weight != _weights[m];
            _weights[m] = weight;
            if (weight > 0)
            {
                _active[_activeCount++] = m;
                ActiveWeight += weight;
            }
        }

        if (changed)
        {
            Invalidate();
        }
    }

    /// <summary>Drops every cached score (the policy's scoring changed).</summary>
    public void Invalidate() => _epochStamp = ++_clock;

    /// <summary>Sum of the weights of the shapes that use GPUs (as last refreshed).</summary>
    public double ActiveWeight { get; private set; }

    /// <summary>Recomputes one node after it changed.</summary>
    public void Update(int node)
    {
        _nodeStamp[node] = ++_clock;
        var slot = _allocator.NodeArray[node];
        _free[node] = PlacementMath.FreeMilli(slot);
        var usable = _usable[node];
        var count = _count[node];
        for (var m = 0; m < _shapes; m++)
        {
            (usable[m], count[m]) = Measure(slot, m);
        }
    }

    /// <summary>The node's expected fragmentation: free milli the mix cannot use, weighted (weights as last refreshed).</summary>
    public double Fragmentation(int node)
    {
        var slot = _allocator.NodeArray[node];
        double total = 0;
        for (var i = 0; i < _activeCount; i++)
        {
            var m = _active[i];
            total += _weights[m] * Fragment(m, slot.FreeCpuMilli, slot.FreeHostMemoryBytes, slot, _free[node], _usable[node][m], _count[node][m]);
        }

        return total;
    }

    private long Fragment(int m, long cpu, long host, NodeSlot slot, long free, int usable, int count) =>
        !HostFits(m, slot, cpu, host) || count < _need[m] ? free : free - usable;

    private bool HostFits(int m, NodeSlot slot, long cpu, long host) =>
        (slot.CpuMilliTotal == 0 || cpu >= _cpu[m]) && (slot.HostMemoryTotal == 0 || host >= _host[m]);

    private (int Usable, int Count) Measure(NodeSlot slot, int m)
    {
        int usable = 0, count = 0;
        var accepts = _accepts[m];
        var offset = _deviceOffset[slot.Index];
        var devices = slot.DeviceArray;
        for (var d = 0; d < devices.Length; d++)
        {
            var device = devices[d];
            if ((accepts is null || accepts[offset + d]) && Usable(m, device.Draining, device.IsEntirelyFree, device.FreeMilli, device.FreeMemoryBytes))
            {
                usable += device.FreeMilli;
                count++;
            }
        }

        return (usable, count);
    }

    private bool Usable(int m, bool draining, bool entirelyFree, int freeMilli, long freeMemory) =>
        !draining && freeMemory >= _memory[m] && (_whole[m] ? entirelyFree : freeMilli >= _milli[m]);

    private void AddShapes()
    {
        var total = _mix.Count;
        Array.Resize(ref _milli, total);
        Array.Resize(ref _need, total);
        Array.Resize(ref _whole, total);
        Array.Resize(ref _cpu, total);
        Array.Resize(ref _host, total);
        Array.Resize(ref _memory, total);
        Array.Resize(ref _accepts, total);
        Array.Resize(ref _weights, total);
        Array.Resize(ref _scratch, total);
        Array.Resize(ref _active, total);
        var nodes = _allocator.Nodes;
        for (var m = _shapes; m < total; m++)
        {
            var shape = _mix.Shape(m);
            _milli[m] = shape.Milli;
            _need[m] = shape.DeviceCount;
            _whole[m] = shape.WholeDevices;
            _cpu[m] = shape.CpuMilli;
            _host[m] = shape.HostMemoryBytes;
            _memory[m] = shape.MemoryBytes;
            _accepts[m] = AcceptanceOf(_mix.Constraints(m));
        }

        for (var n = 0; n < nodes.Count; n++)
        {
            Array.Resize(ref _usable[n], total);
            Array.Resize(ref _count[n], total);
        }

        var first = _shapes;
        _shapes = total;
        for (var n = 0; n < nodes.Count; n++)
        {
            for (var m = first; m < total; m++)
            {
                (_usable[n][m], _count[n][m]) = Measure(nodes[n], m);
            }
        }
    }

    // Nodes of one type have the same capacities and device descriptors (apart from names and ids).
    private static int[] NodeTypes(IReadOnlyList<NodeSlot> nodes)
    {
        var types = new Dictionary<string, int>(StringComparer.Ordinal);
        var typeOf = new int[nodes.Count];
        for (var n = 0; n < nodes.Count; n++)
        {
            var node = nodes[n];
            var key = string.Join(
                ';',
                node.DeviceArray.Select(d => $"{d.Descriptor.Model}/{d.Descriptor.TotalMemoryBytes}/{d.Descriptor.Kind}/{d.Descriptor.Vendor}/{d.Descriptor.ComputeCapability}"))
                + $"|{node.CpuMilliTotal}|{node.HostMemoryTotal}";
            if (!types.TryGetValue(key, out var type))
            {
                type = types.Count;
                types.Add(key, type);
            }

            typeOf[n] = type;
        }

        return typeOf;
    }

    private bool[]? AcceptanceOf(DeviceConstraints? constraints)
    {
        if (constraints is null)
        {
            return null;
        }

        var accepts = new bool[_deviceOffset[^1]];
        var nodes = _allocator.Nodes;
        for (var n = 0; n < nodes.Count; n++)
        {
            for (var d = 0; d < nodes[n].Devices.Count; d++)
            {
                accepts[_deviceOffset[n] + d] = constraints.Accepts(nodes[n].Devices[d].Descriptor);
            }
        }

        return accepts;
    }
}
