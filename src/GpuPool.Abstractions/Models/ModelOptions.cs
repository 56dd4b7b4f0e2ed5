namespace GpuPool;

/// <summary>How a model is loaded into a lease.</summary>
public sealed record ModelOptions
{
    /// <summary>The model's format; <see cref="ModelFormat.Auto"/> detects it from the content.</summary>
    public ModelFormat Format { get; init; } = ModelFormat.Auto;

    /// <summary>A display name; defaults to the source's name.</summary>
    public string? Name { get; init; }

    /// <summary>Dynamic batching for this model; <see langword="null"/> runs every request on its own.</summary>
    public BatchingOptions? Batching { get; init; }
}
