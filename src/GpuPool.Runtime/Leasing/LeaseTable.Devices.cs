namespace GpuPool.Runtime.Leasing;

public sealed partial class LeaseTable
{
    /// <summary>Stops (or resumes) new leases on a device. Returns <see langword="false"/> for an unknown device.</summary>
    public bool SetDraining(string node, string deviceId, bool draining)
    {
        bool found;
        lock (_lock)
        {
            found = _allocator.SetDraining(node, deviceId, draining);
            if (found && !draining)
            {
                GrantWaitersLocked();
            }
        }

        if (found)
        {
            RuntimeLog.DeviceDrained(_logger, deviceId, draining);
        }

        return found;
    }

    /// <summary>Records memory used on a device outside the pool (telemetry), so it is not handed out.</summary>
    public void SetExternalMemory(string node, string deviceId, long bytes)
    {
        lock (_lock)
        {
            _allocator.SetExternalMemory(node, deviceId, bytes);
            GrantWaitersLocked();
        }
    }

    /// <summary>A snapshot of every device and its allocation.</summary>
    public PoolInventory GetInventory()
    {
        lock (_lock)
        {
            var devices = new List<DeviceStatus>();
            foreach (var node in _allocator.Nodes)
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

            return new PoolInventory { Devices = devices, TakenAt = _time.GetUtcNow() };
        }
    }
}
