namespace GpuPool.Runtime.Persistence;

/// <summary>What <see cref="DurableModels.ReloadAll"/> did.</summary>
/// <param name="Reloaded">Models loaded again.</param>
/// <param name="Failed">Durable ids of the models that could not be loaded again (and were forgotten).</param>
internal sealed record ModelReloadResult(int Reloaded, IReadOnlyList<string> Failed);
