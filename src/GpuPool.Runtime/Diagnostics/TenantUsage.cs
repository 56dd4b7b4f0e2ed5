namespace GpuPool.Runtime.Diagnostics;

/// <summary>A tenant's runs and refusals counted by the <see cref="UsageLedger"/>.</summary>
/// <param name="Runs">Its finished runs and their measured time.</param>
/// <param name="Rejections">Its refused requests by reason (<c>quota</c>, <c>capacity</c>, <c>timeout</c>, <c>queue_full</c>, …).</param>
internal sealed record TenantUsage(RunUsage Runs, IReadOnlyDictionary<string, long> Rejections);
