namespace GpuPool.Runtime.Leasing;

/// <summary>A device an operator set draining (no new leases), as a journal records it.</summary>
/// <param name="Node">The device's node.</param>
/// <param name="DeviceId">The device id.</param>
internal sealed record DrainedDevice(string Node, string DeviceId);
