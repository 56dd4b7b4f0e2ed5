using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Models;
using GpuPool.Runtime.Persistence;

namespace GpuPool.Server.Models;

/// <summary>
/// Loads, finds and unloads the models of leases. With persistence on, models go through
/// <see cref="DurableModels"/>: their ids (<c>dm_…</c>) survive restarts and they are reloaded at start-up;
/// otherwise straight through the <see cref="ModelHost"/>.
/// </summary>
internal sealed class ServerModels(ModelHost host, DurableModels? durable = null)
{
    /// <summary>True when models are journaled and survive restarts.</summary>
    public bool IsDurable => durable is not null;

    /// <summary>Loads a model into the lease; returns the id clients address it by and the model.</summary>
    public (string Id, LoadedModel Model) Load(LeaseEntry lease, ReadOnlyMemory<byte> bytes, ModelOptions options, string name)
    {
        if (durable is not null)
        {
            return durable.Load(lease, bytes, options, name);
        }

        var model = host.Load(lease, bytes, options, name);
        return (model.Id, model);
    }

    /// <summary>The live model <paramref name="modelId"/> of the lease, or null.</summary>
    public LoadedModel? Find(string leaseId, string modelId)
    {
        var model = durable?.Find(leaseId, modelId) ?? host.Find(leaseId, modelId);
        return model is { IsUnloaded: false } ? model : null;
    }

    /// <summary>Unloads the model (and forgets it across restarts).</summary>
    public void Unload(string leaseId, string modelId, LoadedModel model)
    {
        if (durable is null || !durable.Unload(leaseId, modelId))
        {
            model.Unload();
        }
    }
}
