namespace GpuPool.Cli.Commands;

/// <summary>One device as <c>status</c> shows it (and writes it in JSON).</summary>
internal sealed record DeviceRow(
    string Node,
    string Id,
    string Model,
    string Kind,
    string? Uuid,
    long TotalMemoryBytes,
    long AllocatedMemoryBytes,
    long ExternalMemoryBytes,
    long FreeMemoryBytes,
    int AllocatedMilli,
    int ActiveLeases,
    bool Draining)
{
    public static DeviceRow From(DeviceStatus status) => new(
        status.Device.Node,
        status.Device.Id,
        status.Device.Model,
        status.Device.Kind.ToString(),
        status.Device.Uuid,
        status.Device.TotalMemoryBytes,
        status.AllocatedMemoryBytes,
        status.ExternalMemoryBytes,
        status.FreeMemoryBytes,
        status.AllocatedMilli,
        status.ActiveLeases,
        status.Draining);
}
