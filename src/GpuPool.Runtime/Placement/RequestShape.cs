using System.Runtime.CompilerServices;

namespace GpuPool.Runtime.Placement;

/// <summary>
/// The shape of a request as the fragmentation model sees it: what one task of this kind needs.
/// Two requests with equal shapes are interchangeable for placement.
/// </summary>
internal readonly record struct RequestShape(
    int Milli,
    int DeviceCount,
    bool WholeDevices,
    int CpuMilli,
    long HostMemoryBytes,
    long MemoryBytes,
    string? ConstraintKey)
{
    /// <summary>The shape of <paramref name="request"/>.</summary>
    public static RequestShape Of(in PlacementRequest request) => new(
        request.Milli,
        request.DeviceCount,
        request.WholeDevices,
        request.CpuMilli,
        request.HostMemoryBytes,
        request.MemoryBytes,
        KeyOf(request.Constraints));

    /// <summary>GPU milli the shape takes in all (0 for a host-only request).</summary>
    public long GpuMilli => (long)Milli * DeviceCount;

    private static readonly ConditionalWeakTable<DeviceConstraints, string> Keys = [];

    /// <summary>A canonical text for constraints, so that equal constraints built separately compare equal.</summary>
    public static string? KeyOf(DeviceConstraints? constraints)
    {
        if (constraints is null)
        {
            return null;
        }

        var key = Keys.GetValue(constraints, BuildKey);
        return key.Length == 0 ? null : key;
    }

    private static string BuildKey(DeviceConstraints constraints)
    {
        var models = constraints.Models is { Count: > 0 } list
            ? string.Join('|', list.Select(m => m.ToUpperInvariant()).Order(StringComparer.Ordinal))
            : string.Empty;
        var key = $"{constraints.Kind}/{constraints.Vendor}/{models}/{constraints.MinDeviceMemoryBytes}/{constraints.Node}/{constraints.DeviceId}";
        return key == "/////" ? string.Empty : key;
    }
}
