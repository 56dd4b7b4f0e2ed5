using System.Globalization;

namespace GpuPool.Benchmarks.Memory;

/// <summary>This process's resident memory from /proc/self/statm: all of it, and its anonymous part.</summary>
internal readonly record struct ProcessMemory(long ResidentBytes, long AnonymousBytes)
{
    /// <summary>Collects garbage twice (with finalizers between), then reads the figures.</summary>
    public static ProcessMemory Settled()
    {

        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        Runtime.Models.ResidentMemory.TrimNativeHeap();
        var fields = File.ReadAllText("/proc/self/statm").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var resident = long.Parse(fields[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize;
        var shared = long.Parse(fields[2], CultureInfo.InvariantCulture) * Environment.SystemPageSize;
        return new ProcessMemory(resident, resident - shared);
    }
}
