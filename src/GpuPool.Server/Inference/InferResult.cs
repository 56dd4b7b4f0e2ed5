namespace GpuPool.Server.Inference;

/// <summary>The outputs of one inference, in the order they are answered, and the version that ran.</summary>
internal sealed record InferResult(RepositoryModelVersion Version, IReadOnlyList<(string Name, TensorValue Value)> Outputs);
