using System.Text.Json.Serialization;

namespace GpuPool.Server.Inference;

/// <summary>
/// A repository model's <c>gpupool.json</c>: the slice its versions run in and the tenant that owns it.
/// Enum values are written by name (<c>"priority": "High"</c>).
/// </summary>
internal sealed record RepositoryModelConfig
{
    /// <summary>The file name, next to the version directories.</summary>
    public const string FileName = "gpupool.json";

    /// <summary>The owning tenant: only its keys see and run the model. Defaults to the anonymous tenant of an open server.</summary>
    public string? Tenant { get; init; }

    /// <summary>Device memory of each version's lease, in bytes.</summary>
    public long MemoryBytes { get; init; }

    /// <summary>The compute share of each version's lease in thousandths of a device (1-1000); default 1000 unless <see cref="WholeDevices"/>.</summary>
    public int? ComputeMilli { get; init; }

    /// <summary>Whole devices instead of a share.</summary>
    public int? WholeDevices { get; init; }

    /// <summary>Scheduling priority of the lease.</summary>
    public LeasePriority Priority { get; init; } = LeasePriority.Normal;

    /// <summary>Shared (in the server) or Process (a worker process).</summary>
    public LeaseIsolation Isolation { get; init; } = LeaseIsolation.Shared;

    /// <summary>Dynamic batching of concurrent requests; none when absent.</summary>
    public RepositoryBatchingConfig? Batching { get; init; }

    /// <summary><c>latest</c> (default): only the highest version is served; <c>all</c>: every version directory.</summary>
    public string VersionPolicy { get; init; } = "latest";

    /// <summary>Whether the server loads the model when it starts (default true); otherwise only through the repository API.</summary>
    public bool LoadAtStart { get; init; } = true;

    [JsonIgnore]
    public bool ServesAllVersions => string.Equals(VersionPolicy, "all", StringComparison.OrdinalIgnoreCase);

    /// <summary>Every problem of the configuration, naming the offending values.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Tenant is { } tenant && (string.IsNullOrWhiteSpace(tenant) || tenant.Length > 128))
        {
            errors.Add($"tenant '{tenant}' must be 1-128 characters.");
        }

        if (!string.Equals(VersionPolicy, "latest", StringComparison.OrdinalIgnoreCase) && !ServesAllVersions)
        {
            errors.Add($"versionPolicy must be 'latest' or 'all'; got '{VersionPolicy}'.");
        }

        if (Batching is { } batching && (batching.MaxBatchSize < 1 || batching.MaxQueueDelayUs < 0))
        {
            errors.Add($"batching needs maxBatchSize >= 1 and maxQueueDelayUs >= 0; got {batching.MaxBatchSize} and {batching.MaxQueueDelayUs}.");
        }

        errors.AddRange(ToSlice(TimeSpan.FromMinutes(1), TimeSpan.Zero).Validate());
        return errors;
    }

    /// <summary>The slice each version's lease asks for.</summary>
    public SliceRequest ToSlice(TimeSpan timeToLive, TimeSpan waitTimeout) => new()
    {
        MemoryBytes = MemoryBytes,
        ComputeMilli = WholeDevices is null ? ComputeMilli ?? SliceRequest.FullDeviceMilli : null,
        WholeDevices = WholeDevices,
        Priority = Priority,
        Isolation = Isolation,
        TimeToLive = timeToLive,
        WaitTimeout = waitTimeout,
    };

    /// <summary>The load options of each version.</summary>
    public ModelOptions ToModelOptions(string name) => new()
    {
        Format = ModelFormat.Onnx,
        Name = name,
        Batching = Batching is { } b ? new BatchingOptions { MaxBatchSize = b.MaxBatchSize, MaxQueueDelay = TimeSpan.FromMicroseconds(b.MaxQueueDelayUs) } : null,
    };
}
