namespace GpuPool.Server.Inference;

/// <summary>
/// One model of the repository: the owning tenant, the versions served now, and why it is not ready.
/// Loads and unloads of one model are serialized by <see cref="Gate"/>; readers see an immutable version list.
/// </summary>
internal sealed class RepositoryModel(string name)
{
    private volatile State _state = new(null, [], "not loaded");

    public string Name { get; } = name;

    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>The owning tenant as last read from its configuration; null while it could not be read.</summary>
    public string? Tenant => _state.Tenant;

    /// <summary>The versions served, highest first.</summary>
    public IReadOnlyList<RepositoryModelVersion> Versions => _state.Versions;

    /// <summary>Why no version is served (empty when some are).</summary>
    public string Reason => _state.Reason;

    public bool IsReady => _state.Versions.Any(v => v.IsReady);

    /// <summary>The version, or the highest ready one for an empty <paramref name="version"/>; null when none.</summary>
    public RepositoryModelVersion? Find(string version) => version.Length == 0
        ? _state.Versions.FirstOrDefault(v => v.IsReady) ?? (_state.Versions.Count > 0 ? _state.Versions[0] : null)
        : _state.Versions.FirstOrDefault(v => string.Equals(v.Version, version, StringComparison.Ordinal));

    public void Set(string? tenant, IReadOnlyList<RepositoryModelVersion> versions, string reason) => _state = new(tenant, versions, reason);

    private sealed record State(string? Tenant, IReadOnlyList<RepositoryModelVersion> Versions, string Reason);
}
