using GpuPool.Runtime.Placement;

namespace GpuPool.Runtime.Leasing;

public sealed partial class LeaseTable
{
    /// <summary>Number of leases restored from the journal when the table started.</summary>
    public int RestoredCount { get; private set; }

    /// <summary>
    /// Puts every live journaled lease back: same id, tenant, fencing token and expiry, on exactly the
    /// devices it had. Newest grants go first, so a lease whose end the journal missed (and whose slice
    /// was granted again) is the one dropped; nothing is held twice. Fencing continues above the highest
    /// token ever issued.
    /// </summary>
    private void RestoreFromJournal()
    {
        if (_journal is null)
        {
            return;
        }

        JournalSnapshot snapshot;
        try
        {
            snapshot = _journal.Load();
        }
        catch (Exception ex)
        {
            // The journal refuses every write from now on, so every grant is refused as unavailable.
            RuntimeLog.JournalLoadFailed(_logger, ex);
            return;
        }

        var dropped = 0;
        lock (_lock)
        {
            _fencing = Math.Max(_fencing, snapshot.HighestFencingToken);
            var now = _time.GetUtcNow();
            foreach (var record in snapshot.Leases.OrderByDescending(l => l.FencingToken))
            {
                _fencing = Math.Max(_fencing, record.FencingToken);
                var reason = record.ExpiresAt <= now ? $"it expired at {record.ExpiresAt:O}, while the pool was down" : null;
                var allocation = reason is null ? PlaceRestored(record, out reason) : null;
                if (allocation is null)
                {
                    _droppedAtRestore[record.Id] = record.ExpiresAt <= now ? LeaseLostReason.Expired : LeaseLostReason.ServerRestarted;
                    DropRestored(record, reason!);
                    dropped++;
                    continue;
                }

                var entry = new LeaseEntry(record.Id, record.Tenant, record.Request, allocation, record.GrantedAt, record.TimeToLive, record.FencingToken)
                {
                    ExpiresAt = record.ExpiresAt,
                };
                _leases.Add(entry.Id, entry);
                if (record.Request.ClientRequestId is { } requestId)
                {
                    _byRequestId[(entry.Tenant, requestId)] = entry;
                }

                _usage[entry.Tenant] = _usage.GetValueOrDefault(entry.Tenant).Add(allocation.MemoryBytes * allocation.Devices.Count, (long)allocation.Milli * allocation.Devices.Count, 1);
                ScheduleExpiryLocked(entry);
                _metrics.Granted(entry.Tenant, allocation.Descriptors[0].Id, TimeSpan.Zero);
                RuntimeLog.LeaseRestored(_logger, entry.Id, entry.Tenant, allocation.Descriptors[0].Id, entry.FencingToken, entry.ExpiresAt);
            }

            RestoredCount = _leases.Count;
            foreach (var drained in snapshot.DrainedDevices)
            {
                if (_allocator.SetDraining(drained.Node, drained.DeviceId, draining: true))
                {
                    RuntimeLog.DrainRestored(_logger, drained.Node, drained.DeviceId);
                }
                else
                {
                    RuntimeLog.DrainedDeviceGone(_logger, drained.Node, drained.DeviceId);
                }
            }
        }

        RuntimeLog.LeasesRestored(_logger, RestoredCount, dropped, _fencing);
    }

    private Allocation? PlaceRestored(JournaledLease record, out string? reason)
    {
        if (record.DeviceIds.Count == 0)
        {
            reason = "the record names no device";
            return null;
        }

        var indices = new int[record.DeviceIds.Count];
        var node = -1;
        for (var i = 0; i < indices.Length; i++)
        {
            // A single node may have been renamed (a container's host name changes on restart): find the device there.
            var device = _allocator.FindDevice(record.Node, record.DeviceIds[i])
                ?? (_allocator.Nodes.Count == 1 ? _allocator.Nodes[0].Devices.FirstOrDefault(d => string.Equals(d.Descriptor.Id, record.DeviceIds[i], StringComparison.Ordinal)) : null);
            if (device is null || (node >= 0 && device.Node != node))
            {
                reason = $"device {record.Node}/{record.DeviceIds[i]} is no longer in the inventory";
                return null;
            }

            node = device.Node;
            indices[i] = device.Index;
        }

        var placement = new PlacementRequest
        {
            MemoryBytes = record.MemoryBytes,
            Milli = record.Milli,
            DeviceCount = indices.Length,
            WholeDevices = record.Request.IsWholeDevice,
            CpuMilli = record.CpuMilli,
            HostMemoryBytes = record.HostMemoryBytes,
        };
        var allocation = _allocator.TryAllocateOn(new PlacementChoice(node, indices), placement);
        reason = allocation is null
            ? $"its devices ({string.Join(", ", record.DeviceIds)}) cannot hold {ByteSize.Format(record.MemoryBytes)} and {record.Milli} milli next to newer leases"
            : null;
        return allocation;
    }

    private void DropRestored(JournaledLease record, string reason)
    {
        RuntimeLog.LeaseNotRestored(_logger, record.Id, record.Tenant, reason);

        // The journal only needs the id to forget the lease; the allocation was never taken.
        var unplaced = new Allocation { Node = -1, Devices = [], Descriptors = [], MemoryBytes = record.MemoryBytes, Milli = record.Milli };
        var entry = new LeaseEntry(record.Id, record.Tenant, record.Request, unplaced, record.GrantedAt, record.TimeToLive, record.FencingToken);
        try
        {
            _journal!.Ended(entry);
        }
        catch (Exception ex)
        {
            RuntimeLog.JournalEndFailed(_logger, record.Id, ex);
        }
    }
}
