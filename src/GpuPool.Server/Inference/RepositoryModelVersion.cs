using GpuPool.Runtime.Leasing;
using GpuPool.Runtime.Models;

namespace GpuPool.Server.Inference;

/// <summary>A loaded version of a repository model: the configuration it was loaded with, the lease it runs in, the loaded model and its counters.</summary>
internal sealed class RepositoryModelVersion(string modelName, long version, LeaseEntry lease, string modelId, LoadedModel model, RepositoryModelConfig config)
{
    public string ModelName { get; } = modelName;

    public long Number { get; } = version;

    public string Version { get; } = version.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public LeaseEntry Lease { get; } = lease;

    /// <summary>The id the server's model table knows the model by (durable when persistence is on).</summary>
    public string ModelId { get; } = modelId;

    public LoadedModel Model { get; } = model;

    /// <summary>The model's <c>gpupool.json</c> as read when this version was loaded.</summary>
    public RepositoryModelConfig Config { get; } = config;

    public InferenceStatistics Statistics { get; } = new();

    /// <summary>True while the lease is live and the model loaded.</summary>
    public bool IsReady => Lease.IsActive && !Model.IsUnloaded;

    /// <summary>Why the version is not ready, or empty.</summary>
    public string Reason => IsReady ? "" : Lease.IsActive ? "unloaded" : $"its lease {Lease.Id} ended: {Lease.LostReason}";
}
