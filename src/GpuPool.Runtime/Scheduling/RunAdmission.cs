using GpuPool.Runtime.Models;

namespace GpuPool.Runtime.Scheduling;

/// <summary>A granted run slot: what the run may use and what was charged for it in advance.</summary>
internal readonly record struct RunAdmission(LeaseFlow Flow, double ChargedSeconds, RunContext Context);
