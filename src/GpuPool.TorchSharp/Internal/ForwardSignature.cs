namespace GpuPool.TorchSharp.Internal;

/// <summary>forward()'s parameter names after <c>self</c>, and its return annotation where the source has one.</summary>
internal sealed record ForwardSignature(IReadOnlyList<string> Parameters, string? ReturnType);
