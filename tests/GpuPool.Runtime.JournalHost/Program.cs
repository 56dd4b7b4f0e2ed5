using System.Globalization;
using GpuPool;
using GpuPool.Runtime.Diagnostics;
using GpuPool.Runtime.JournalHost;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Persistence;
using GpuPool.Runtime.Placement;
using Microsoft.Extensions.Logging.Abstractions;

// Usage: JournalHost <dataDirectory> <leaseCount>
// Grants <leaseCount> leases (client request ids req-0, req-1, ...) through a journaled lease table, prints
// "lease <id> <fencingToken> <clientRequestId> <deviceId>" for each, then "ready", and blocks until killed.
if (args.Length != 2 || !int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
{
    await Console.Error.WriteLineAsync("usage: JournalHost <dataDirectory> <leaseCount>");
    return 2;
}

using var journal = new SqliteLeaseJournal(new PersistenceOptions { Enabled = true, DataDirectory = args[0] }, NullLogger<SqliteLeaseJournal>.Instance);
using var table = new LeaseTable(
    [new NodeCapacity("node-a", JournalHostDevices.All)],
    new BestFitPolicy(),
    new LeaseTableSettings(),
    TimeProvider.System,
    NullLogger<LeaseTable>.Instance,
    RuntimeMetrics.CreateDetached(),
    journal);
for (var i = 0; i < count; i++)
{
    var request = i % 4 == 3
        ? new SliceRequest { WholeDevices = 1, TimeToLive = TimeSpan.FromMinutes(10), ClientRequestId = $"req-{i}" }
        : new SliceRequest { MemoryBytes = ByteSize.GiB(1), ComputeMilli = 100, TimeToLive = TimeSpan.FromMinutes(10), ClientRequestId = $"req-{i}" };
    var lease = table.TryGrant(request, "tenant-a") ?? throw new InvalidOperationException($"Lease {i} did not fit.");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"lease {lease.Id} {lease.FencingToken} req-{i} {lease.Devices[0].Id}"));
}

Console.WriteLine("ready");
Console.Out.Flush();

// Hold the leases until the test kills this process (SIGKILL: no disposal, no clean shutdown).
await Console.In.ReadLineAsync();
return 0;
