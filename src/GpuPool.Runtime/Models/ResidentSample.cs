namespace GpuPool.Runtime.Models;

/// <summary>One reading of the process's resident memory (<see cref="ResidentMemory.Sample"/>).</summary>
/// <param name="ResidentBytes">All resident bytes.</param>
/// <param name="FileBackedBytes">The file-backed part: mapped files and the code of loaded libraries.</param>
internal readonly record struct ResidentSample(long ResidentBytes, long FileBackedBytes)
{
    /// <summary>The anonymous part: heaps, arenas, stacks, the managed heap.</summary>
    public long AnonymousBytes => ResidentBytes - FileBackedBytes;
}
