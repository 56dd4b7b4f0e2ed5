namespace GpuPool.Runtime.Persistence;

/// <summary>A model loaded into a journaled lease: what is needed to load it again after a restart.</summary>
internal sealed record JournaledModel
{
    /// <summary>The lease it is loaded into.</summary>
    public required string LeaseId { get; init; }

    /// <summary>The model id clients use; it stays the same across restarts.</summary>
    public required string ModelId { get; init; }

    /// <summary>The display name.</summary>
    public required string Name { get; init; }

    /// <summary>SHA-256 of the model bytes, lower-case hex: the key of the bytes in the <see cref="ModelBlobStore"/>.</summary>
    public required string ContentHash { get; init; }

    /// <summary>The options it was loaded with.</summary>
    public required ModelOptions Options { get; init; }
}
