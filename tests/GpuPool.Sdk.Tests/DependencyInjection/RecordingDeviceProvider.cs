using GpuPool.Runtime.Devices;

namespace GpuPool.Sdk.Tests.DependencyInjection;

/// <summary>A device provider that finds nothing and counts how often it was asked.</summary>
internal sealed class RecordingDeviceProvider : IDeviceProvider
{
    private int _discoveries;

    public string Name => "recording";

    public int Discoveries => Volatile.Read(ref _discoveries);

    public IReadOnlyList<DeviceDescriptor> Discover(string node)
    {
        Interlocked.Increment(ref _discoveries);
        return [];
    }
}
