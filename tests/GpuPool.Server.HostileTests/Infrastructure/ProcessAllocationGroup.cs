namespace GpuPool.Server.HostileTests.Infrastructure;

/// <summary>
/// Tests that measure the process's allocated bytes run alone: the in-process server allocates on pool threads, so only a
/// process-wide count sees it, and that count includes whatever other tests allocate in parallel.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessAllocationGroup
{
    /// <summary>The collection's name.</summary>
    public const string Name = "process-allocation";
}
