namespace GpuPool.Dashboard.Pools;

/// <summary>How an operator's action went, in words for the page.</summary>
internal sealed record ActionOutcome(bool Succeeded, string Message);
