using System.Globalization;
using System.Runtime.InteropServices;

namespace GpuPool.Runtime.Models;

/// <summary>
/// The process's resident memory (what the kernel's OOM killer counts): heap, arenas, thread stacks, the
/// managed heap, and file-backed pages such as the code of native libraries as it is first used.
/// </summary>
internal static partial class ResidentMemory
{
    private static readonly bool HasStatm = File.Exists("/proc/self/statm");
    private static bool _trimUnavailable = !OperatingSystem.IsLinux();

    /// <summary>Resident bytes of this process (Linux: /proc/self/statm, one read of a few dozen bytes; elsewhere the working set).</summary>
    public static long ResidentBytes() => Sample().ResidentBytes;

    /// <summary>
    /// Resident bytes of this process and their file-backed part (Linux: /proc/self/statm; elsewhere the
    /// working set, with no file-backed part known).
    /// </summary>
    public static ResidentSample Sample()
    {
        if (!HasStatm)
        {
            return new ResidentSample(Environment.WorkingSet, 0);
        }

        // "size resident shared text lib data dt", in pages; "shared" is the file-backed (and shmem) resident part.
        var fields = File.ReadAllText("/proc/self/statm").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var page = Environment.SystemPageSize;
        return new ResidentSample(
            long.Parse(fields[1], CultureInfo.InvariantCulture) * page,
            long.Parse(fields[2], CultureInfo.InvariantCulture) * page);
    }

    /// <summary>
    /// Returns the C heap's free pages to the kernel (glibc <c>malloc_trim</c>), so that memory freed by an
    /// earlier model is not silently reused by the next one and hidden from its measured growth.
    /// </summary>
    public static void TrimNativeHeap()
    {
        if (Volatile.Read(ref _trimUnavailable))
        {
            return;
        }

        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (musl, macOS): freed memory may be reused unseen; the measurement is then a lower bound.
            Volatile.Write(ref _trimUnavailable, true);
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
