using System.ComponentModel.DataAnnotations;

namespace GpuPool.Server.Inference;

/// <summary>
/// The model repository served over the Open Inference Protocol (KServe v2 / Triton), bound from
/// <c>GpuPoolServer:ModelRepository</c>. Without a <see cref="Path"/> the protocol is still served, with no models.
/// </summary>
internal sealed class ModelRepositoryOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "GpuPoolServer:ModelRepository";

    /// <summary>The repository directory, in Triton's layout: <c>&lt;path&gt;/&lt;model&gt;/&lt;version&gt;/model.onnx</c> plus <c>&lt;model&gt;/gpupool.json</c>.</summary>
    public string? Path { get; set; }

    /// <summary>The time-to-live of the lease each loaded model version runs in; the server renews it well before.</summary>
    [Range(typeof(TimeSpan), "00:00:03", "1.00:00:00")]
    public TimeSpan LeaseTimeToLive { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long loading a model waits for a free slice before it fails with RESOURCE_EXHAUSTED.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan LoadWaitTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The largest tensor (input or output) in bytes one inference request may carry.</summary>
    [Range(1024L, 2_000_000_000L)]
    public long MaxTensorBytes { get; set; } = 256L << 20;
}
