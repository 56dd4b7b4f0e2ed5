using System.ComponentModel.DataAnnotations;

namespace InferenceService;

/// <summary>The model the service serves and the slice it leases for it (section <c>Embedder</c>).</summary>
public sealed class EmbedderOptions
{
    /// <summary>An ONNX model file with input <c>x</c> [batch, InputFeatures] and output <c>y</c> [batch, OutputFeatures]; empty uses a built-in linear projection.</summary>
    public string? ModelPath { get; set; }

    /// <summary>The width of an input vector.</summary>
    [Range(1, 65536)]
    public int InputFeatures { get; set; } = 16;

    /// <summary>The width of an embedding.</summary>
    [Range(1, 65536)]
    public int OutputFeatures { get; set; } = 8;

    /// <summary>Device memory to lease, in MiB.</summary>
    [Range(1, 1 << 20)]
    public int MemoryMiB { get; set; } = 256;

    /// <summary>Compute share to lease, in milli-units.</summary>
    [Range(1, 1000)]
    public int ComputeMilli { get; set; } = 250;
}
