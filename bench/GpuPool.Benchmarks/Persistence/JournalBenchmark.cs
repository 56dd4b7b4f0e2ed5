using System.Diagnostics;
using GpuPool.Benchmarks.Infrastructure;
using GpuPool.Runtime.Diagnostics;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Persistence;
using GpuPool.Runtime.Placement;
using Microsoft.Extensions.Logging.Abstractions;

namespace GpuPool.Benchmarks.Persistence;

/// <summary>
/// Lease + release pairs per second on the lease table without a journal, with the SQLite journal as
/// configured by default (committed to the WAL, flushed at checkpoints), and with a disk flush per change.
/// </summary>
internal sealed class JournalBenchmark : IBenchmark
{
    public string Name => "journal";

    public string Description => "lease+release pairs/s on the lease table: no journal vs SQLite journal (fsync per change, and synchronous=NORMAL); --seconds N --dir PATH";

    public Task<int> RunAsync(BenchArgs args, CancellationToken cancellationToken)
    {
        var seconds = args.GetDouble("seconds", 3);
        var root = args.Get("dir") ?? Path.Combine(Path.GetTempPath(), "gpupool-journal-bench-" + Environment.ProcessId);
        try
        {
            var memory = Measure("no journal", null, seconds, cancellationToken);
            var full = Measure("journal, fsync", new PersistenceOptions { Enabled = true, DataDirectory = Path.Combine(root, "full"), FlushToDisk = true }, seconds, cancellationToken);
            var normal = Measure("journal, no fsync", new PersistenceOptions { Enabled = true, DataDirectory = Path.Combine(root, "normal") }, seconds, cancellationToken);
            JsonLine.Write(new Dictionary<string, object?>
            {
                ["bench"] = Name,
                ["pairs_per_s_no_journal"] = Math.Round(memory.PairsPerSecond),
                ["pairs_per_s_journal_fsync"] = Math.Round(full.PairsPerSecond),
                ["pairs_per_s_journal_nofsync"] = Math.Round(normal.PairsPerSecond),
                ["grant_p50_us_fsync"] = Math.Round(full.GrantP50, 1),
                ["grant_p99_us_fsync"] = Math.Round(full.GrantP99, 1),
                ["release_p50_us_fsync"] = Math.Round(full.ReleaseP50, 1),
                ["grant_p50_us_nofsync"] = Math.Round(normal.GrantP50, 1),
                ["grant_p99_us_nofsync"] = Math.Round(normal.GrantP99, 1),
            });
            return Task.FromResult(0);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (Directory.Exists(root) && !args.Has("dir"))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    private static Result Measure(string label, PersistenceOptions? persistence, double seconds, CancellationToken cancellationToken)
    {
        using var journal = persistence is null ? null : new SqliteLeaseJournal(persistence, NullLogger<SqliteLeaseJournal>.Instance);
        using var table = new LeaseTable(
            [new NodeCapacity("bench", [.. Enumerable.Range(0, 4).Select(Device)])],
            new BestFitPolicy(),
            new LeaseTableSettings(),
            TimeProvider.System,
            NullLogger<LeaseTable>.Instance,
            RuntimeMetrics.CreateDetached(),
            journal);
        var request = SliceRequest.ForShare(ByteSize.MiB(512), 250);

        // Warm-up: JIT, SQLite statement preparation, WAL file growth.
        for (var i = 0; i < 200; i++)
        {
            table.Release(table.TryGrant(request)!);
        }

        var grants = new List<double>();
        var releases = new List<double>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds && !cancellationToken.IsCancellationRequested)
        {
            var start = Stopwatch.GetTimestamp();
            var lease = table.TryGrant(request)!;
            var granted = Stopwatch.GetTimestamp();
            table.Release(lease);
            grants.Add(Stopwatch.GetElapsedTime(start, granted).TotalMicroseconds);
            releases.Add(Stopwatch.GetElapsedTime(granted).TotalMicroseconds);
        }

        var result = new Result(
            grants.Count / clock.Elapsed.TotalSeconds,
            Percentiles.Of(Percentiles.Sorted(grants), 50),
            Percentiles.Of(Percentiles.Sorted(grants), 99),
            Percentiles.Of(Percentiles.Sorted(releases), 50));
        Console.WriteLine($"{label,-18} {grants.Count,9} pairs in {clock.Elapsed.TotalSeconds:F1} s: {result.PairsPerSecond,10:F0} pairs/s; grant p50 {result.GrantP50:F1} us, p99 {result.GrantP99:F1} us; release p50 {result.ReleaseP50:F1} us");
        return result;
    }

    private static DeviceDescriptor Device(int i) => new()
    {
        Id = $"sim{i}",
        Node = "bench",
        Kind = DeviceKind.Gpu,
        Vendor = DeviceVendor.Nvidia,
        Model = "A100",
        TotalMemoryBytes = ByteSize.GiB(80),
        IsSimulated = true,
    };

    private readonly record struct Result(double PairsPerSecond, double GrantP50, double GrantP99, double ReleaseP50);
}
