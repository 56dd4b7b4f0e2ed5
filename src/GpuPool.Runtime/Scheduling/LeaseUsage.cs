namespace GpuPool.Runtime.Scheduling;

/// <summary>What one lease has consumed on its device through the scheduler.</summary>
/// <param name="LeaseId">The lease.</param>
/// <param name="ExecutionTime">Measured execution time of its completed runs.</param>
/// <param name="Runs">Its completed runs.</param>
/// <param name="Queued">Its runs waiting now.</param>
internal sealed record LeaseUsage(string LeaseId, TimeSpan ExecutionTime, long Runs, int Queued);
