using System.Text.Json;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Persistence.Internal;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace GpuPool.Runtime.Persistence;

/// <summary>
/// The lease table's journal in a SQLite database (WAL mode) in the configured data directory. Each
/// grant, renewal and end is one statement, committed (and by default flushed to the disk) before the
/// table lets the change take effect; a failed write makes the table refuse the grant or renewal.
/// </summary>
/// <remarks>
/// The table calls <see cref="Load"/> once, from its constructor. Until it has succeeded, every write
/// fails, so nothing is granted on top of leases that could not be restored. An end that cannot be
/// written is kept in memory and written before the next successful write.
/// </remarks>
internal sealed partial class SqliteLeaseJournal : ILeaseJournal, IDisposable
{
    private readonly Lock _lock = new();
    private readonly PersistenceOptions _options;
    private readonly ILogger _logger;
    private readonly HashSet<string> _pendingEnds = new(StringComparer.Ordinal);
    private SqliteConnection? _connection;
    private FileStream? _directoryLock;
    private SqliteCommand? _insert;
    private SqliteCommand? _renew;
    private SqliteCommand? _delete;
    private SqliteCommand? _drain;
    private SqliteCommand? _undrain;
    private Exception? _loadFailure;
    private bool _disposed;

    /// <summary>Creates the journal; nothing touches the disk until <see cref="Load"/>.</summary>
    /// <exception cref="ArgumentException"><see cref="PersistenceOptions.DataDirectory"/> is not set.</exception>
    public SqliteLeaseJournal(PersistenceOptions options, ILogger<SqliteLeaseJournal> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            throw new ArgumentException("The lease journal needs a data directory (GpuPool:Runtime:Persistence:DataDirectory).", nameof(options));
        }

        _options = options;
        _logger = logger;
        JournalPath = Path.GetFullPath(options.JournalPath);
    }

    /// <summary>The journal database file.</summary>
    public string JournalPath { get; }

    /// <summary>Number of lease ends that could not be written yet.</summary>
    public int PendingEnds
    {
        get
        {
            lock (_lock)
            {
                return _pendingEnds.Count;
            }
        }
    }

    /// <inheritdoc />
    public void Granted(LeaseEntry lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        lock (_lock)
        {
            var insert = Writable(_insert);
            var a = lease.Allocation;
            insert.Parameters["$id"].Value = lease.Id;
            insert.Parameters["$tenant"].Value = lease.Tenant;
            insert.Parameters["$fencing"].Value = lease.FencingToken;
            insert.Parameters["$node"].Value = a.Descriptors[0].Node;
            insert.Parameters["$devices"].Value = JsonSerializer.Serialize([.. a.Descriptors.Select(d => d.Id)], JournalJsonContext.Default.StringArray);
            insert.Parameters["$memory"].Value = a.MemoryBytes;
            insert.Parameters["$milli"].Value = a.Milli;
            insert.Parameters["$cpu"].Value = a.CpuMilli;
            insert.Parameters["$host"].Value = a.HostMemoryBytes;
            insert.Parameters["$request"].Value = JsonSerializer.Serialize(lease.Request, JournalJsonContext.Default.SliceRequest);
            insert.Parameters["$granted"].Value = lease.GrantedAt.UtcTicks;
            insert.Parameters["$ttl"].Value = lease.TimeToLive.Ticks;
            insert.Parameters["$expires"].Value = lease.ExpiresAt.UtcTicks;
            Execute(insert, "grant", lease.Id);
        }
    }

    /// <inheritdoc />
    public void Renewed(LeaseEntry lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        lock (_lock)
        {
            var renew = Writable(_renew);
            renew.Parameters["$id"].Value = lease.Id;
            renew.Parameters["$ttl"].Value = lease.TimeToLive.Ticks;
            renew.Parameters["$expires"].Value = lease.ExpiresAt.UtcTicks;
            Execute(renew, "renewal", lease.Id);
        }
    }

    /// <inheritdoc />
    public void Ended(LeaseEntry lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        lock (_lock)
        {
            try
            {
                var delete = Writable(_delete);
                delete.Parameters["$id"].Value = lease.Id;
                Execute(delete, "end", lease.Id);
            }
            catch
            {
                // Written before the next successful write; until then a restart would restore it.
                _pendingEnds.Add(lease.Id);
                throw;
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            CloseLocked();
        }
    }

    private SqliteCommand Writable(SqliteCommand? command)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_loadFailure is not null)
        {
            throw new InvalidOperationException($"The lease journal {JournalPath} could not be read at start-up; fix it and restart the pool.", _loadFailure);
        }

        if (command is null)
        {
            throw new InvalidOperationException($"The lease journal {JournalPath} has not been loaded; the lease table loads it when it starts.");
        }

        WritePendingEndsLocked();
        return command;
    }

    private void Execute(SqliteCommand command, string operation, string leaseId)
    {
        try
        {
            command.ExecuteNonQuery();
        }
        catch (SqliteException ex)
        {
            RuntimeLog.JournalWriteFailed(_logger, operation, leaseId, ex);
            throw;
        }
    }

    private void WritePendingEndsLocked()
    {
        if (_pendingEnds.Count == 0)
        {
            return;
        }

        var count = _pendingEnds.Count;
        foreach (var id in _pendingEnds.ToArray())
        {
            _delete!.Parameters["$id"].Value = id;
            Execute(_delete, "end", id);
            _pendingEnds.Remove(id);
        }

        RuntimeLog.JournalPendingEndsWritten(_logger, count);
    }
}
