using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GpuPool.Runtime.Devices;

/// <summary>The devices of this node, collected once from every registered provider.</summary>
internal sealed class DeviceInventory
{
    /// <summary>Discovers the devices.</summary>
    public DeviceInventory(IEnumerable<IDeviceProvider> providers, IOptions<GpuPoolRuntimeOptions> options, ILogger<DeviceInventory> logger)
    {
        ArgumentNullException.ThrowIfNull(providers);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        Node = options.Value.ResolveNodeName();
        var devices = new List<DeviceDescriptor>();
        foreach (var provider in providers)
        {
            var found = provider.Discover(Node);
            RuntimeLog.DevicesDiscovered(logger, provider.Name, found.Count);
            devices.AddRange(found);
        }

        Devices = devices;
    }

    /// <summary>This node's name.</summary>
    public string Node { get; }

    /// <summary>Every device found.</summary>
    public IReadOnlyList<DeviceDescriptor> Devices { get; }
}
