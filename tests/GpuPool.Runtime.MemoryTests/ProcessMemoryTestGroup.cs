namespace GpuPool.Runtime.Tests.Memory;

/// <summary>
/// Tests that measure this process's resident memory with the real meter: run alone, after the parallel
/// tests, since other tests' allocations in the same process land in the measured growth.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessMemoryTestGroup
{
    public const string Name = "process memory";
}
