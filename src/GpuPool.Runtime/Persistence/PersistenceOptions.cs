using System.ComponentModel.DataAnnotations;

namespace GpuPool.Runtime.Persistence;

/// <summary>
/// The durable lease journal (section <c>GpuPool:Runtime:Persistence</c>). When enabled, every grant,
/// renewal and end is written to a SQLite database in <see cref="DataDirectory"/> before it takes effect,
/// and the lease table restores the live leases from it at start-up.
/// </summary>
public sealed class PersistenceOptions
{
    /// <summary>The journal's file name inside <see cref="DataDirectory"/>.</summary>
    public const string JournalFileName = "leases.db";

    /// <summary>Whether leases are journaled. Off by default; the server turns it on.</summary>
    public bool Enabled { get; set; }

    /// <summary>The directory that holds the journal (created when missing). Required when <see cref="Enabled"/> is set.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>
    /// When <see langword="false"/> (the default) every change is committed to the journal's write-ahead log
    /// before it takes effect, so it survives the server process dying at any point (including SIGKILL), and
    /// the log is flushed to the disk at checkpoints (SQLite <c>synchronous=NORMAL</c>). When
    /// <see langword="true"/>, every change is also flushed to the disk first (<c>synchronous=FULL</c>), so it
    /// survives a power loss too, at the price of one disk flush per grant, renewal and release (see
    /// <c>docs/durability.md</c> for the measured cost).
    /// </summary>
    public bool FlushToDisk { get; set; }

    /// <summary>
    /// The most the journal may grow to, in bytes (0 = no limit). When it is full, new leases are refused
    /// with <see cref="PoolUnavailableException"/>, exactly as on a full disk.
    /// </summary>
    [Range(0L, long.MaxValue)]
    public long MaxJournalBytes { get; set; }

    /// <summary>How long a write waits for a lock held by another process before it fails.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The full path of the journal database.</summary>
    public string JournalPath => Path.Combine(DataDirectory ?? throw new InvalidOperationException("GpuPool:Runtime:Persistence:DataDirectory is not set."), JournalFileName);
}
