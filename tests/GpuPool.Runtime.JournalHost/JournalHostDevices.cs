namespace GpuPool.Runtime.JournalHost;

/// <summary>The devices the journal host and the crash tests share.</summary>
public static class JournalHostDevices
{
    /// <summary>Four simulated 80 GiB devices on node-a.</summary>
    public static DeviceDescriptor[] All { get; } = [.. Enumerable.Range(0, 4).Select(i => new DeviceDescriptor
    {
        Id = $"sim{i}",
        Node = "node-a",
        Kind = DeviceKind.Gpu,
        Vendor = DeviceVendor.Nvidia,
        Model = "A100",
        TotalMemoryBytes = ByteSize.GiB(80),
        IsSimulated = true,
    })];
}
