using GpuPool.Dashboard.Pools;

namespace GpuPool.Dashboard.Views;

/// <summary>Every device of every pool that answered, and a notice for each pool that did not.</summary>
internal sealed record DevicesView(IReadOnlyList<DeviceRow> Devices, IReadOnlyList<PoolNotice> Notices)
{
    public static DevicesView From(IReadOnlyList<PoolSnapshot> snapshots)
    {
        var rows = new List<DeviceRow>();
        foreach (var snapshot in snapshots.Where(s => s.IsUp))
        {
            foreach (var status in snapshot.Devices)
            {
                var device = status.Device;
                var leases = snapshot.Leases.Where(l => l.Devices.Any(d => d.Id == device.Id && d.Node == device.Node)).ToList();
                // What the leases' models are charged here (the serving node's figure) plus what is used outside leases.
                var inUse = leases.Sum(l => snapshot.Usage.Leases.TryGetValue(l.Id, out var u) ? u.MemoryUsedBytes : l.MemoryUsedBytes) + status.ExternalMemoryBytes;
                var op = status.Draining ? "undrain" : "drain";
                var key = PoolUsage.DeviceKey(device.Node, device.Id);
                var usage = snapshot.Usage.Devices.GetValueOrDefault(key);
                rows.Add(new DeviceRow
                {
                    Pool = snapshot.Name,
                    Node = device.Node,
                    Id = device.Id,
                    Model = device.Model.Length == 0 ? "(not reported)" : device.Model,
                    Uuid = device.Uuid.Length == 0 ? "(none)" : device.Uuid,
                    MemoryTotal = Units.Bytes(device.TotalMemoryBytes),
                    MemoryAllocated = $"{Units.Bytes(status.AllocatedMemoryBytes)} ({Units.Percent(status.AllocatedMemoryBytes, device.TotalMemoryBytes)})",
                    MemoryInUse = Units.Bytes(inUse),
                    MemoryUsedElsewhere = Units.Bytes(status.ExternalMemoryBytes),
                    ComputeAllocated = $"{Units.Devices(status.AllocatedMilli)} of 1",
                    Busy = UsageText.Busy(usage, snapshot.Busy.TryGetValue(key, out var busy) ? busy : null),
                    VendorUtilization = UsageText.VendorUtilization(usage),
                    Temperature = UsageText.Temperature(usage),
                    Power = UsageText.Power(usage),
                    Leases = $"{status.ActiveLeases}",
                    Draining = status.Draining,
                    ActionUrl = ConfirmUrl.Device(op, snapshot.Name, device.Node, device.Id),
                    LeaseIds = string.Join(", ", leases.Select(l => l.Id)),
                });
            }
        }

        return new DevicesView(rows, PoolNotice.For(snapshots));
    }
}
