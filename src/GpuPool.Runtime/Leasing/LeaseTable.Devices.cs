namespace GpuPool.Runtime.Leasing;

public sealed partial class LeaseTable
{
    /// <summary>
    /// Stops (or resumes) new leases on a device; with a journal the state survives a restart. Returns
    /// <see langword="false"/> for an unknown device.
    /// </summary>
    /// <exception cref="PoolUnavailableException">The journal cannot record the change (nothing changed).</exception>
    public bool SetDraining(string node, string deviceId, bool draining)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var device = _allocator.FindDevice(node, deviceId);
            if (device is null)
            {
                return false;
            }

            if (device.Draining != draining)
            {
                try
                {
                    _journal?.DrainingChanged(new DrainedDevice(node, deviceId), draining);
                }
                catch (Exception ex)
                {
                    throw new PoolUnavailableException($"The lease journal cannot record that device {deviceId} is {(draining ? "draining" : "open")}; nothing changed.", TimeSpan.FromSeconds(5), ex);
                }
            }

            _allocator.SetDraining(node, deviceId, draining);
            if (!draining)
            {
                GrantWaitersLocked();
            }
        }

        RuntimeLog.DeviceDrained(_logger, deviceId, draining);
        return true;
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
