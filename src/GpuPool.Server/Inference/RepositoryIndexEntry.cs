namespace GpuPool.Server.Inference;

/// <summary>One row of the repository index: a model version (empty when none is loaded), its state and why.</summary>
internal sealed record RepositoryIndexEntry(string Name, string Version, string State, string Reason);
