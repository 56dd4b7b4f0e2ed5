using System.ComponentModel.DataAnnotations;

namespace InferenceService;

/// <summary>The slice the service leases for its model and the limits of a request (section <c>Embedder</c>).</summary>
public sealed class EmbedderOptions
{
    /// <summary>Device memory to lease, in MiB (the MiniLM model takes about 87 MiB).</summary>
    [Range(1, 1 << 20)]
    public int MemoryMiB { get; set; } = 256;

    /// <summary>Compute share to lease, in milli-units.</summary>
    [Range(1, 1000)]
    public int ComputeMilli { get; set; } = 250;

    /// <summary>The most texts one request may carry.</summary>
    [Range(1, 4096)]
    public int MaxTexts { get; set; } = 64;

    /// <summary>The longest text, in characters.</summary>
    [Range(1, 1_000_000)]
    public int MaxTextLength { get; set; } = 2000;
}
