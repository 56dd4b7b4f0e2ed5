using GpuPool.Runtime.Placement;
using Microsoft.Extensions.Logging;

namespace GpuPool.Runtime.Leasing;

/// <summary>
/// What operators and telemetry do to the pool's devices: drain (journaled, so it survives a restart),
/// record memory used outside the pool, and take the inventory. Not thread-safe: <see cref="LeaseTable"/>
/// calls it under its lock and grants waiters when capacity opens.
/// </summary>
internal sealed class LeaseDeviceOperations(SliceAllocator allocator, ILeaseJournal? journal, TimeProvider time, ILogger logger)
{
    /// <summary>Stops (or resumes) new leases on a device; <see langword="false"/> for an unknown device.</summary>
    /// <exception cref="PoolUnavailableException">The journal cannot record the change (nothing changed).</exception>
    public bool SetDraining(string node, string deviceId, bool draining)
    {
        var device = allocator.FindDevice(node, deviceId);
        if (device is null)
        {
            return false;
        }

        if (device.Draining != draining)
        {
            try
            {
                journal?.DrainingChanged(new DrainedDevice(node, deviceId), draining);
            }
            catch (Exception ex)
            {
                throw new PoolUnavailableException($"The lease journal cannot record that device {deviceId} is {(draining ? "draining" : "open")}; nothing changed.", TimeSpan.FromSeconds(5), ex);
            }
        }

        allocator.SetDraining(node, deviceId, draining);
        return true;
    }

    /// <summary>Logs a drain change once the table's lock is released.</summary>
    public void LogDraining(string deviceId, bool draining) => RuntimeLog.DeviceDrained(logger, deviceId, draining);

    public void SetExternalMemory(string node, string deviceId, long bytes) => allocator.SetExternalMemory(node, deviceId, bytes);

    public PoolInventory GetInventory()
    {
        var devices = new List<DeviceStatus>();
        foreach (var node in allocator.Nodes)
        {
            foreach (var slot in node.Devices)
            {
                devices.Add(new DeviceStatus
                {
                    Device = slot.Descriptor,
                    AllocatedMemoryBytes = slot.Descriptor.TotalMemoryBytes - slot.FreeMemoryBytes - slot.ExternalMemoryBytes,
                    AllocatedMilli = SliceRequest.FullDeviceMilli - slot.FreeMilli,
                    ExternalMemoryBytes = slot.ExternalMemoryBytes,
                    ActiveLeases = slot.Allocations,
                    Draining = slot.Draining,
                });
            }
        }

        return new PoolInventory { Devices = devices, TakenAt = time.GetUtcNow() };
    }
}
