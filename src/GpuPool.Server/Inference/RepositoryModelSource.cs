namespace GpuPool.Server.Inference;

/// <summary>What the repository directory holds for one model: its configuration and the version files to serve.</summary>
internal sealed record RepositoryModelSource(string Name, RepositoryModelConfig Config, IReadOnlyList<RepositoryVersionFile> Versions);
