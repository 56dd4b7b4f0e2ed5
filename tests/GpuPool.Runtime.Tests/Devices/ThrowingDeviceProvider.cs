using GpuPool.Runtime.Devices;

namespace GpuPool.Runtime.Tests.Devices;

/// <summary>A provider whose discovery throws, and one that offers an id the CPU provider already took.</summary>
public sealed class ThrowingDeviceProvider : IDeviceProvider
{
    public string Name => "throwing";

    public IReadOnlyList<DeviceDescriptor> Discover(string node) =>
        node == "node-dup"
            ? [new DeviceDescriptor { Id = "cpu0", Node = node, Kind = DeviceKind.Cpu, Vendor = DeviceVendor.Other, Model = "Impostor", TotalMemoryBytes = 1 }]
            : throw new InvalidOperationException("vendor library exploded");
}
