using GpuPool.Runtime.Diagnostics;
using GpuPool.Runtime.JournalHost;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Persistence;
using GpuPool.Runtime.Placement;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace GpuPool.Runtime.Tests.Persistence;

/// <summary>A temporary data directory, and lease tables journaled into it (each "start" is a new journal and table).</summary>
internal sealed class JournalDirectory : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    public JournalDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "gpupool-journal-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string DatabasePath => System.IO.Path.Combine(Path, PersistenceOptions.JournalFileName);

    public static DeviceDescriptor[] Devices => JournalHostDevices.All;

    public PersistenceOptions Options(long maxBytes = 0, TimeSpan? busyTimeout = null) => new()
    {
        Enabled = true,
        DataDirectory = Path,
        MaxJournalBytes = maxBytes,
        BusyTimeout = busyTimeout ?? TimeSpan.FromSeconds(2),
    };

    /// <summary>Starts a journaled table, as a server does at start-up.</summary>
    public (LeaseTable Table, SqliteLeaseJournal Journal) Start(TimeProvider time, PersistenceOptions? options = null, DeviceDescriptor[]? devices = null)
    {
        var journal = new SqliteLeaseJournal(options ?? Options(), NullLogger<SqliteLeaseJournal>.Instance);
        var table = new LeaseTable(
            [new NodeCapacity("node-a", devices ?? Devices)],
            new BestFitPolicy(),
            new LeaseTableSettings(),
            time,
            NullLogger<LeaseTable>.Instance,
            RuntimeMetrics.CreateDetached(),
            journal);
        _owned.Add(table);
        _owned.Add(journal);
        return (table, journal);
    }

    /// <summary>Stops a table cleanly (dispose, as on host shutdown).</summary>
    public static void Stop((LeaseTable Table, SqliteLeaseJournal Journal) pool)
    {
        pool.Table.Dispose();
        pool.Journal.Dispose();
    }

    public static FakeTimeProvider Clock() => new(new DateTimeOffset(2026, 11, 29, 3, 0, 0, TimeSpan.Zero));

    public void Dispose()
    {
        foreach (var item in _owned)
        {
            item.Dispose();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A child process may still be releasing the files; the temp directory is cleaned by the OS.
        }
    }
}
