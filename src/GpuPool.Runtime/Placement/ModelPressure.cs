namespace GpuPool.Runtime.Placement;

/// <summary>
/// How much of each device model's free capacity the learned mix expects model-restricted requests to
/// need. Restricted demand is spread over the models a shape accepts in proportion to their supply and
/// projected onto the cluster's free capacity (demand is assumed to keep arriving until the pool is full).
/// A model's pressure is that reserve over its own free capacity, at most 1.
/// </summary>
internal sealed class ModelPressure
{
    private readonly int[] _modelOf;
    private readonly string[] _models;
    private readonly double[] _supply;
    private readonly double[] _free;
    private readonly long[] _nodeFree;
    private double[] _share;
    private double _totalFree;

    public ModelPressure(SliceAllocator allocator)
    {
        var ids = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var nodes = allocator.NodeArray;
        _modelOf = new int[nodes.Length];
        _nodeFree = new long[nodes.Length];
        for (var n = 0; n < nodes.Length; n++)
        {
            var model = nodes[n].DeviceArray.Length > 0 ? nodes[n].DeviceArray[0].Descriptor.Model : string.Empty;
            if (!ids.TryGetValue(model, out var id))
            {
                id = ids.Count;
                ids.Add(model, id);
            }

            _modelOf[n] = id;
        }

        _models = new string[ids.Count];
        foreach (var (model, id) in ids)
        {
            _models[id] = model;
        }

        _supply = new double[ids.Count];
        _free = new double[ids.Count];
        _share = new double[ids.Count];
        for (var n = 0; n < nodes.Length; n++)
        {
            _supply[_modelOf[n]] += (double)nodes[n].DeviceArray.Length * SliceRequest.FullDeviceMilli;
            Update(nodes[n]);
        }
    }

    /// <summary>Takes a node's new free capacity.</summary>
    public void Update(NodeSlot node)
    {
        var free = PlacementMath.FreeMilli(node);
        var delta = free - _nodeFree[node.Index];
        _nodeFree[node.Index] = free;
        _free[_modelOf[node.Index]] += delta;
        _totalFree += delta;
    }

    /// <summary>Re-learns each model's share of restricted demand from the mix (weights: request counts × GPU milli).</summary>
    public void Learn(ShapeMix mix)
    {
        var share = new double[_models.Length];
        double total = 0;
        for (var m = 0; m < mix.Count; m++)
        {
            var demand = mix.Weight(m) * mix.Shape(m).GpuMilli;
            total += demand;
            if (demand == 0 || mix.Constraints(m) is not { Models.Count: > 0 } constraints)
            {
                continue;
            }

            double accepted = 0;
            for (var c = 0; c < _models.Length; c++)
            {
                accepted += constraints.AcceptsModel(_models[c]) ? _supply[c] : 0;
            }

            for (var c = 0; c < _models.Length && accepted > 0; c++)
            {
                share[c] += constraints.AcceptsModel(_models[c]) ? demand * _supply[c] / accepted : 0;
            }
        }

        for (var c = 0; c < share.Length; c++)
        {
            share[c] = total > 0 ? share[c] / total : 0;
        }

        _share = share;
    }

    /// <summary>The share of the node's model's free capacity that restricted requests are expected to need (0–1).</summary>
    public double Of(int node)
    {
        var c = _modelOf[node];
        return _free[c] <= 0 ? 0 : Math.Min(1, _share[c] * _totalFree / _free[c]);
    }
}
