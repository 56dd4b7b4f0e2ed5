namespace GpuPool.Runtime.Placement;

/// <summary>
/// How common each request shape is: the "task mix" that fragmentation is measured against. It is
/// either given up front (the FGD baseline receives the trace's mix) or learned online by counting
/// requests as they arrive (the default policy).
/// </summary>
internal sealed class ShapeMix
{
    private readonly Dictionary<RequestShape, int> _index = [];
    private readonly List<RequestShape> _shapes = [];
    private readonly List<DeviceConstraints?> _constraints = [];
    private readonly List<double> _weights = [];

    /// <summary>The most shapes a learned mix keeps (requests of further new shapes are not counted), bounding memory and decision time.</summary>
    public const int MaxShapes = 4096;

    /// <summary>Number of distinct shapes seen.</summary>
    public int Count => _shapes.Count;

    /// <summary>Sum of all weights.</summary>
    public double TotalWeight { get; private set; }

    /// <summary>The shape at <paramref name="index"/>.</summary>
    public RequestShape Shape(int index) => _shapes[index];

    /// <summary>The constraints of the shape at <paramref name="index"/> (the first instance seen).</summary>
    public DeviceConstraints? Constraints(int index) => _constraints[index];

    /// <summary>The weight of the shape at <paramref name="index"/>.</summary>
    public double Weight(int index) => _weights[index];

    private readonly Func<PlacementRequest, PlacementRequest>? _coarsen;

    /// <summary>Creates an empty mix.</summary>
    /// <param name="coarsen">Maps a request to the shape it is counted as (for example, CPU rounded up), or null to count exact shapes.</param>
    public ShapeMix(Func<PlacementRequest, PlacementRequest>? coarsen = null)
    {
        _coarsen = coarsen;
    }

    /// <summary>Builds a mix from requests, each counting once.</summary>
    public static ShapeMix From(IEnumerable<PlacementRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var mix = new ShapeMix();
        foreach (var request in requests)
        {
            mix.Add(request, 1);
        }

        return mix;
    }

    /// <summary>Whether the request's shape is in the mix.</summary>
    public bool Contains(in PlacementRequest request) => _index.ContainsKey(RequestShape.Of(_coarsen is null ? request : _coarsen(request)));

    /// <summary>Adds <paramref name="weight"/> to the request's shape; returns the shape's index.</summary>
    public int Add(in PlacementRequest request, double weight)
    {
        var counted = _coarsen is null ? request : _coarsen(request);
        var shape = RequestShape.Of(counted);
        if (!_index.TryGetValue(shape, out var index))
        {
            index = _shapes.Count;
            _index.Add(shape, index);
            _shapes.Add(shape);
            _constraints.Add(counted.Constraints);
            _weights.Add(0);
        }

        _weights[index] += weight;
        TotalWeight += weight;
        return index;
    }
}
