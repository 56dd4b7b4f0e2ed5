namespace GpuPool.Server.Inference;

/// <summary>One version directory of a repository model: <c>&lt;model&gt;/&lt;version&gt;/model.onnx</c>.</summary>
internal sealed record RepositoryVersionFile(long Version, string Path);
