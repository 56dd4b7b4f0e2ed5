using System.Collections.Concurrent;
using System.Security.Cryptography;
using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Models;
using Microsoft.Extensions.Logging;

namespace GpuPool.Runtime.Persistence;

/// <summary>
/// Models that survive a restart with their lease. Loading stores the bytes once per content hash in the
/// data directory and journals the model under an id that stays the same across restarts;
/// <see cref="ReloadAll"/> loads every journaled model of every restored lease again, eagerly, at start-up,
/// so a reconnecting client finds its models ready and their memory charged to its lease as before.
/// </summary>
internal sealed class DurableModels : ILeaseEndObserver
{
    private readonly ModelHost _host;
    private readonly LeaseTable _leases;
    private readonly SqliteLeaseJournal _journal;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<(string LeaseId, string ModelId), LoadedModel> _models = new();

    /// <summary>Creates the durable view over the model host, the lease table and its journal.</summary>
    public DurableModels(ModelHost host, LeaseTable leases, SqliteLeaseJournal journal, ILogger<DurableModels> logger)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(leases);
        ArgumentNullException.ThrowIfNull(journal);
        ArgumentNullException.ThrowIfNull(logger);
        _host = host;
        _leases = leases;
        _journal = journal;
        _logger = logger;
        Store = new ModelBlobStore(Path.Combine(journal.DataDirectory, "models"));
        leases.AddEndObserver(this);
    }

    /// <summary>Where the model bytes are kept.</summary>
    public ModelBlobStore Store { get; }

    /// <summary>Loads a model into a lease and records it; returns its durable id and the loaded model.</summary>
    /// <exception cref="PoolUnavailableException">The bytes or the record cannot be written; nothing stays loaded.</exception>
    public (string ModelId, LoadedModel Model) Load(LeaseEntry lease, ReadOnlyMemory<byte> bytes, ModelOptions options, string name)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(options);
        var model = _host.Load(lease, bytes, options, name);
        var id = "dm_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        try
        {
            Store.Put(bytes.Span);
            _journal.ModelLoaded(new JournaledModel { LeaseId = lease.Id, ModelId = id, Name = model.Name, ContentHash = model.ContentHash, Options = options });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException or InvalidOperationException)
        {
            model.Unload();
            throw new PoolUnavailableException("The model could not be recorded for restarts; it is not loaded.", TimeSpan.FromSeconds(5), ex);
        }

        _models[(lease.Id, id)] = model;
        return (id, model);
    }

    /// <summary>Finds a loaded model by lease and durable id.</summary>
    public LoadedModel? Find(string leaseId, string modelId) =>
        _models.TryGetValue((leaseId, modelId), out var model) && !model.IsUnloaded ? model : null;

    /// <summary>Unloads a model and forgets it. Returns <see langword="false"/> when it was not loaded.</summary>
    public bool Unload(string leaseId, string modelId)
    {
        if (!_models.TryRemove((leaseId, modelId), out var model))
        {
            return false;
        }

        model.Unload();
        try
        {
            _journal.ModelUnloaded(leaseId, modelId);
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or InvalidOperationException)
        {
            // Reloaded after a restart and charged to the lease until it ends; harmless but reported.
            RuntimeLog.JournalWriteFailed(_logger, "model unload", leaseId, ex);
        }

        return true;
    }

    /// <summary>
    /// Loads every journaled model of every restored lease again (call once at start-up, before serving).
    /// A model whose bytes are missing or damaged, or that no longer loads, is forgotten and reported.
    /// Stored bytes no live model needs are deleted.
    /// </summary>
    public ModelReloadResult ReloadAll()
    {
        var reloaded = 0;
        var failed = new List<string>();
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (var record in _journal.Models)
        {
            if (!_leases.TryGet(record.LeaseId, out var lease))
            {
                continue;
            }

            try
            {
                if (!Store.TryRead(record.ContentHash, out var bytes))
                {
                    throw new InvalidDataException($"the stored bytes of {record.ContentHash} are missing or damaged");
                }

                _models[(record.LeaseId, record.ModelId)] = _host.Load(lease, bytes, record.Options, record.Name);
                keep.Add(record.ContentHash);
                reloaded++;
            }
            catch (Exception ex)
            {
                RuntimeLog.ModelNotReloaded(_logger, record.ModelId, record.LeaseId, ex);
                failed.Add(record.ModelId);
                TryForget(record);
            }
        }

        var pruned = Store.Prune(keep);
        RuntimeLog.ModelsReloaded(_logger, reloaded, failed.Count, pruned);
        return new ModelReloadResult(reloaded, failed);
    }

    private void TryForget(JournaledModel record)
    {
        try
        {
            _journal.ModelUnloaded(record.LeaseId, record.ModelId);
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or InvalidOperationException)
        {
            RuntimeLog.JournalWriteFailed(_logger, "model unload", record.LeaseId, ex);
        }
    }

    /// <inheritdoc />
    LeaseEndStage ILeaseEndObserver.Stage => LeaseEndStage.DurableModels;

    /// <inheritdoc />
    void ILeaseEndObserver.OnLeaseEnded(LeaseEntry lease)
    {
        foreach (var key in _models.Keys.Where(k => string.Equals(k.LeaseId, lease.Id, StringComparison.Ordinal)))
        {
            _models.TryRemove(key, out _);
        }
    }
}
