namespace GpuPool.Runtime.Models;

/// <summary>The memory loaded models occupy on each device, as the model host books it (shown in the inventory).</summary>
internal interface IDeviceMemoryBook
{
    /// <summary>On <paramref name="deviceId"/>: what the leases' models are charged, and what the models occupy (a shared model once).</summary>
    (long ChargedBytes, long ModelBytes) MemoryOf(string deviceId);
}
