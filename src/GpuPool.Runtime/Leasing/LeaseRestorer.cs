using GpuPool.Runtime.Diagnostics;
using GpuPool.Runtime.Placement;
using Microsoft.Extensions.Logging;

namespace GpuPool.Runtime.Leasing;

/// <summary>
/// Puts every live journaled lease back when the table starts: same id, tenant, fencing token and expiry,
/// on exactly the devices it had. Newest grants go first, so a lease whose end the journal missed (and
/// whose slice was granted again) is the one dropped; nothing is held twice. Fencing continues above the
/// highest token ever issued. Devices set draining stay draining.
/// </summary>
internal sealed class LeaseRestorer(ILeaseJournal journal, LeaseBooks books, TimeProvider time, ILogger logger, RuntimeMetrics metrics)
{
    /// <summary>Reads the journal; <see langword="null"/> when it cannot be read (it then refuses every write, so every grant is refused).</summary>
    public JournalSnapshot? Load()
    {
        try
        {
            return journal.Load();
        }
        catch (Exception ex)
        {
            RuntimeLog.JournalLoadFailed(logger, ex);
            return null;
        }
    }

    /// <summary>Restores <paramref name="snapshot"/> into the books; call under the table's lock.</summary>
    /// <param name="snapshot">What the journal holds.</param>
    /// <param name="restored">Called for every lease put back (to schedule its expiry).</param>
    /// <returns>The leases the journal held as live but that could not be kept, and why.</returns>
    public Dictionary<string, LeaseLostReason> Restore(JournalSnapshot snapshot, Action<LeaseEntry> restored)
    {
        var dropped = new Dictionary<string, LeaseLostReason>(StringComparer.Ordinal);
        books.RaiseFencingTo(snapshot.HighestFencingToken);
        var now = time.GetUtcNow();
        foreach (var record in snapshot.Leases.OrderByDescending(l => l.FencingToken))
        {
            books.RaiseFencingTo(record.FencingToken);
            var expired = record.ExpiresAt <= now;
            string? reason = expired ? $"it expired at {record.ExpiresAt:O}, while the pool was down" : null;
            var allocation = reason is null ? Place(books.Allocator, record, out reason) : null;
            if (allocation is null)
            {
                dropped[record.Id] = expired ? LeaseLostReason.Expired : LeaseLostReason.ServerRestarted;
                Drop(record, reason!);
                continue;
            }

            var entry = new LeaseEntry(record.Id, record.Tenant, record.Request, allocation, record.GrantedAt, record.TimeToLive, record.FencingToken)
            {
                ExpiresAt = record.ExpiresAt,
            };
            books.AddRestored(entry);
            restored(entry);
            metrics.Granted(entry, TimeSpan.Zero);
            RuntimeLog.LeaseRestored(logger, entry.Id, entry.Tenant, allocation.Descriptors[0].Id, entry.FencingToken, entry.ExpiresAt);
        }

        foreach (var drained in snapshot.DrainedDevices)
        {
            if (books.Allocator.SetDraining(drained.Node, drained.DeviceId, draining: true))
            {
                RuntimeLog.DrainRestored(logger, drained.Node, drained.DeviceId);
            }
            else
            {
                RuntimeLog.DrainedDeviceGone(logger, drained.Node, drained.DeviceId);
            }
        }

        return dropped;
    }

    /// <summary>Places a recorded lease on exactly its devices, or returns <see langword="null"/> (with why) when they cannot hold it.</summary>
    internal static Allocation? Place(SliceAllocator allocator, JournaledLease record, out string? reason)
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
            var device = allocator.FindDevice(record.Node, record.DeviceIds[i])
                ?? (allocator.Nodes.Count == 1 ? allocator.Nodes[0].Devices.FirstOrDefault(d => string.Equals(d.Descriptor.Id, record.DeviceIds[i], StringComparison.Ordinal)) : null);
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
        var allocation = allocator.TryAllocateOn(new PlacementChoice(node, indices), placement);
        reason = allocation is null
            ? $"its devices ({string.Join(", ", record.DeviceIds)}) cannot hold {ByteSize.Format(record.MemoryBytes)} and {record.Milli} milli next to newer leases"
            : null;
        return allocation;
    }

    private void Drop(JournaledLease record, string reason)
    {
        RuntimeLog.LeaseNotRestored(logger, record.Id, record.Tenant, reason);

        // The journal only needs the id to forget the lease; the allocation was never taken.
        var unplaced = new Allocation { Node = -1, Devices = [], Descriptors = [], MemoryBytes = record.MemoryBytes, Milli = record.Milli };
        var entry = new LeaseEntry(record.Id, record.Tenant, record.Request, unplaced, record.GrantedAt, record.TimeToLive, record.FencingToken);
        try
        {
            journal.Ended(entry);
        }
        catch (Exception ex)
        {
            RuntimeLog.JournalEndFailed(logger, record.Id, ex);
        }
    }
}
