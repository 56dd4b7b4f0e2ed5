namespace GpuPool.Runtime.Models;

/// <summary>
/// What makes two loads the same model: the device, the format and the content hash. Display name and
/// batching do not change the loaded instance, so leases that differ only in those share it.
/// </summary>
internal readonly record struct SharedModelKey(string DeviceId, ModelFormat Format, string ContentHash);
