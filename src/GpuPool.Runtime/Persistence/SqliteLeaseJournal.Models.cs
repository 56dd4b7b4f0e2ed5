using System.Text.Json;
using GpuPool.Runtime.Persistence.Internal;

namespace GpuPool.Runtime.Persistence;

internal sealed partial class SqliteLeaseJournal
{
    private const string ModelSchema = """
        CREATE TABLE IF NOT EXISTS lease_models (
            lease_id TEXT NOT NULL,
            model_id TEXT NOT NULL,
            name TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            options TEXT NOT NULL,
            PRIMARY KEY (lease_id, model_id)) WITHOUT ROWID;
        CREATE TRIGGER IF NOT EXISTS leases_models_end AFTER DELETE ON leases
        BEGIN
            DELETE FROM lease_models WHERE lease_id = OLD.id;
        END;
        """;

    private IReadOnlyList<JournaledModel> _models = [];

    /// <summary>The models recorded for live leases when the journal was loaded.</summary>
    public IReadOnlyList<JournaledModel> Models
    {
        get
        {
            lock (_lock)
            {
                return _models;
            }
        }
    }

    /// <summary>The directory that holds the journal and the model store.</summary>
    public string DataDirectory => Path.GetDirectoryName(JournalPath)!;

    /// <summary>Records a model loaded into a lease. A lease's models are forgotten when the lease ends.</summary>
    /// <exception cref="Microsoft.Data.Sqlite.SqliteException">The journal cannot be written.</exception>
    public void ModelLoaded(JournaledModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        lock (_lock)
        {
            var command = Writable(_connection?.CreateCommand());
            using (command)
            {
                command.CommandText = "INSERT OR REPLACE INTO lease_models (lease_id, model_id, name, content_hash, options) VALUES ($lease, $model, $name, $hash, $options)";
                command.Parameters.AddWithValue("$lease", model.LeaseId);
                command.Parameters.AddWithValue("$model", model.ModelId);
                command.Parameters.AddWithValue("$name", model.Name);
                command.Parameters.AddWithValue("$hash", model.ContentHash);
                command.Parameters.AddWithValue("$options", JsonSerializer.Serialize(model.Options, JournalJsonContext.Default.ModelOptions));
                Execute(command, "model load", model.LeaseId);
            }
        }
    }

    /// <summary>Forgets a model that was unloaded.</summary>
    /// <exception cref="Microsoft.Data.Sqlite.SqliteException">The journal cannot be written.</exception>
    public void ModelUnloaded(string leaseId, string modelId)
    {
        ArgumentNullException.ThrowIfNull(leaseId);
        ArgumentNullException.ThrowIfNull(modelId);
        lock (_lock)
        {
            var command = Writable(_connection?.CreateCommand());
            using (command)
            {
                command.CommandText = "DELETE FROM lease_models WHERE lease_id = $lease AND model_id = $model";
                command.Parameters.AddWithValue("$lease", leaseId);
                command.Parameters.AddWithValue("$model", modelId);
                Execute(command, "model unload", leaseId);
            }
        }
    }

    private void ReadModelsLocked()
    {
        var models = new List<JournaledModel>();
        using var select = _connection!.CreateCommand();
        select.CommandText = "SELECT lease_id, model_id, name, content_hash, options FROM lease_models ORDER BY lease_id, model_id";
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            models.Add(new JournaledModel
            {
                LeaseId = reader.GetString(0),
                ModelId = reader.GetString(1),
                Name = reader.GetString(2),
                ContentHash = reader.GetString(3),
                Options = JsonSerializer.Deserialize(reader.GetString(4), JournalJsonContext.Default.ModelOptions) ?? new ModelOptions(),
            });
        }

        _models = models;
    }
}
