using Microsoft.Data.Sqlite;

namespace GpuPool.Runtime.Tests.Persistence;

/// <summary>
/// Another process's hold on a journal's write lock (an open write transaction): while it is held,
/// the journal can be read but not written.
/// </summary>
internal sealed class JournalWriteLock : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;

    public JournalWriteLock(string databasePath)
    {
        _connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        _connection.Open();
        _transaction = _connection.BeginTransaction(System.Data.IsolationLevel.Serializable);
        using var touch = _connection.CreateCommand();
        touch.Transaction = _transaction;
        touch.CommandText = "UPDATE meta SET value = value WHERE key = 'fencing'";
        touch.ExecuteNonQuery();
    }

    /// <summary>Lets the journal be written again.</summary>
    public void Release() => _transaction.Rollback();

    public void Dispose()
    {
        _transaction.Dispose();
        _connection.Dispose();
    }
}
