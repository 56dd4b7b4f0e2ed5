namespace GpuPool;

/// <summary>Where a slice may be placed. Every constraint that is set must hold.</summary>
public sealed record DeviceConstraints
{
    /// <summary>Only devices of this kind.</summary>
    public DeviceKind? Kind { get; init; }

    /// <summary>Only devices of this vendor.</summary>
    public DeviceVendor? Vendor { get; init; }

    /// <summary>Only these device models (case-insensitive); empty or null accepts any.</summary>
    public IReadOnlyList<string>? Models { get; init; }

    /// <summary>Only devices with at least this much total memory.</summary>
    public long? MinDeviceMemoryBytes { get; init; }

    /// <summary>Only devices of this node.</summary>
    public string? Node { get; init; }

    /// <summary>Only this device (by id).</summary>
    public string? DeviceId { get; init; }

    /// <summary>Whether a device satisfies every constraint.</summary>
    public bool Accepts(DeviceDescriptor device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return (Kind is null || device.Kind == Kind)
            && (Vendor is null || device.Vendor == Vendor)
            && (MinDeviceMemoryBytes is null || device.TotalMemoryBytes >= MinDeviceMemoryBytes)
            && (Node is null || string.Equals(device.Node, Node, StringComparison.Ordinal))
            && (DeviceId is null || string.Equals(device.Id, DeviceId, StringComparison.Ordinal))
            && AcceptsModel(device.Model);
    }

    /// <summary>Whether a device model is among <see cref="Models"/> (or any model when none are listed).</summary>
    public bool AcceptsModel(string model)
    {
        if (Models is null || Models.Count == 0)
        {
            return true;
        }

        foreach (var accepted in Models)
        {
            if (string.Equals(accepted, model, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Lists everything wrong with the constraints.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MinDeviceMemoryBytes is < 0)
        {
            errors.Add($"MinDeviceMemoryBytes must not be negative; got {MinDeviceMemoryBytes}.");
        }

        if (Kind is { } kind && !Enum.IsDefined(kind))
        {
            errors.Add($"Device kind {(int)kind} is not defined.");
        }

        if (Vendor is { } vendor && !Enum.IsDefined(vendor))
        {
            errors.Add($"Device vendor {(int)vendor} is not defined.");
        }

        if (Models is not null && Models.Any(string.IsNullOrWhiteSpace))
        {
            errors.Add("Accepted device models must not be empty strings.");
        }

        return errors;
    }
}
