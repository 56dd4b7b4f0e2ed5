using System.Globalization;
using System.Text.Json;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Persistence.Internal;
using Microsoft.Data.Sqlite;

namespace GpuPool.Runtime.Persistence;

internal sealed partial class SqliteLeaseJournal
{
    // 1: leases and models; 2: drained devices (a version 1 journal is upgraded in place).
    private const int SchemaVersion = 2;

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
        INSERT OR IGNORE INTO meta (key, value) VALUES ('fencing', 0);
        CREATE TABLE IF NOT EXISTS leases (
            id TEXT PRIMARY KEY,
            tenant TEXT NOT NULL,
            fencing INTEGER NOT NULL,
            node TEXT NOT NULL,
            devices TEXT NOT NULL,
            memory_bytes INTEGER NOT NULL,
            milli INTEGER NOT NULL,
            cpu_milli INTEGER NOT NULL,
            host_memory_bytes INTEGER NOT NULL,
            request TEXT NOT NULL,
            granted_at INTEGER NOT NULL,
            ttl INTEGER NOT NULL,
            expires_at INTEGER NOT NULL);
        CREATE TRIGGER IF NOT EXISTS leases_fencing AFTER INSERT ON leases
        BEGIN
            UPDATE meta SET value = max(value, NEW.fencing) WHERE key = 'fencing';
        END;
        """;

    /// <summary>Opens (creating when missing) the journal and reads the live leases and the highest fencing token.</summary>
    /// <exception cref="InvalidOperationException">Called a second time.</exception>
    /// <exception cref="SqliteException">The database cannot be opened, created or read.</exception>
    /// <exception cref="IOException">The data directory cannot be created.</exception>
    public JournalSnapshot Load()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connection is not null || _loadFailure is not null)
            {
                throw new InvalidOperationException("The lease journal is loaded once, by the lease table that owns it.");
            }

            try
            {
                OpenLocked();
                var snapshot = ReadLocked();
                ReadModelsLocked();
                RuntimeLog.JournalOpened(_logger, JournalPath, snapshot.Leases.Count, snapshot.HighestFencingToken);
                return snapshot;
            }
            catch (Exception ex)
            {
                _loadFailure = ex;
                CloseLocked();
                throw;
            }
        }
    }

    private void OpenLocked()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(JournalPath)!);

        // Two pools restoring and granting from one journal would hand the same slices out twice.
        try
        {
            _directoryLock = new FileStream(JournalPath + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new InvalidOperationException($"The lease journal {JournalPath} is in use by another GpuPool process; each pool needs its own data directory.", ex);
        }

        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = JournalPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = false,
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(_options.BusyTimeout.TotalSeconds)),
        };
        _connection = new SqliteConnection(builder.ConnectionString);
        _connection.Open();
        Scalar($"PRAGMA busy_timeout = {(long)_options.BusyTimeout.TotalMilliseconds};");
        var mode = Scalar("PRAGMA journal_mode = WAL;");
        if (!string.Equals(Convert.ToString(mode, CultureInfo.InvariantCulture), "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"The lease journal {JournalPath} could not be switched to WAL mode (it reports '{mode}').");
        }

        Scalar($"PRAGMA synchronous = {(_options.FlushToDisk ? "FULL" : "NORMAL")};");
        if (_options.MaxJournalBytes > 0)
        {
            var pageSize = Convert.ToInt64(Scalar("PRAGMA page_size;"), CultureInfo.InvariantCulture);
            Scalar($"PRAGMA max_page_count = {Math.Max(1, _options.MaxJournalBytes / pageSize)};");
        }

        var version = Convert.ToInt64(Scalar("PRAGMA user_version;"), CultureInfo.InvariantCulture);
        if (version > SchemaVersion)
        {
            throw new InvalidOperationException($"The lease journal {JournalPath} has schema version {version}; this version of GpuPool reads up to {SchemaVersion}.");
        }

        // An existing journal is only read at start-up, so a start does not need the write lock.
        if (version < SchemaVersion)
        {
            using var transaction = _connection.BeginTransaction();
            using var create = _connection.CreateCommand();
            create.Transaction = transaction;
            create.CommandText = Schema + ModelSchema + DeviceSchema + $"PRAGMA user_version = {SchemaVersion};";
            create.ExecuteNonQuery();
            transaction.Commit();
        }

        _insert = Prepare(
            "INSERT INTO leases (id, tenant, fencing, node, devices, memory_bytes, milli, cpu_milli, host_memory_bytes, request, granted_at, ttl, expires_at) " +
            "VALUES ($id, $tenant, $fencing, $node, $devices, $memory, $milli, $cpu, $host, $request, $granted, $ttl, $expires)",
            "$id", "$tenant", "$fencing", "$node", "$devices", "$memory", "$milli", "$cpu", "$host", "$request", "$granted", "$ttl", "$expires");
        _renew = Prepare("UPDATE leases SET ttl = $ttl, expires_at = $expires WHERE id = $id", "$id", "$ttl", "$expires");
        _delete = Prepare("DELETE FROM leases WHERE id = $id", "$id");
        PrepareDeviceCommandsLocked();
    }

    private JournalSnapshot ReadLocked()
    {
        var fencing = Convert.ToInt64(Scalar("SELECT value FROM meta WHERE key = 'fencing';"), CultureInfo.InvariantCulture);
        var leases = new List<JournaledLease>();
        using var select = _connection!.CreateCommand();
        select.CommandText = "SELECT id, tenant, fencing, node, devices, memory_bytes, milli, cpu_milli, host_memory_bytes, request, granted_at, ttl, expires_at FROM leases ORDER BY fencing";
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            var id = reader.GetString(0);
            try
            {
                leases.Add(new JournaledLease
                {
                    Id = id,
                    Tenant = reader.GetString(1),
                    FencingToken = reader.GetInt64(2),
                    Node = reader.GetString(3),
                    DeviceIds = JsonSerializer.Deserialize(reader.GetString(4), JournalJsonContext.Default.StringArray) ?? [],
                    MemoryBytes = reader.GetInt64(5),
                    Milli = reader.GetInt32(6),
                    CpuMilli = reader.GetInt32(7),
                    HostMemoryBytes = reader.GetInt64(8),
                    Request = JsonSerializer.Deserialize(reader.GetString(9), JournalJsonContext.Default.SliceRequest)
                        ?? throw new JsonException("The request is null."),
                    GrantedAt = new DateTimeOffset(reader.GetInt64(10), TimeSpan.Zero),
                    TimeToLive = TimeSpan.FromTicks(reader.GetInt64(11)),
                    ExpiresAt = new DateTimeOffset(reader.GetInt64(12), TimeSpan.Zero),
                });
            }
            catch (Exception ex) when (ex is JsonException or ArgumentOutOfRangeException or InvalidCastException)
            {
                throw new InvalidOperationException($"The lease journal {JournalPath} holds an unreadable record for lease {id}: {ex.Message}", ex);
            }
        }

        return new JournalSnapshot(leases, Math.Max(fencing, leases.Count == 0 ? 0 : leases.Max(l => l.FencingToken)))
        {
            DrainedDevices = ReadDrainedLocked(),
        };
    }

    private object? Scalar(string sql)
    {
        using var command = _connection!.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var command = _connection!.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }

    private void CloseLocked()
    {
        _insert?.Dispose();
        _renew?.Dispose();
        _delete?.Dispose();
        _drain?.Dispose();
        _undrain?.Dispose();
        _insert = _renew = _delete = _drain = _undrain = null;
        _connection?.Dispose();
        _connection = null;
        _directoryLock?.Dispose();
        _directoryLock = null;
    }
}
