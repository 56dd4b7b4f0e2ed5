using System.Globalization;
using System.Runtime.InteropServices;

namespace GpuPool.Runtime.Models;

/// <summary>
/// The process's anonymous resident memory: heap, arenas, thread stacks, the managed heap — what loading a
/// model makes resident and what the kernel's OOM killer counts. File-backed pages (the code of native
/// libraries, mapped files) are left out: they are shared with the page cache and are the process's, not
/// one model's.
/// </summary>
internal static partial class ResidentMemory
{
    private static readonly bool HasStatm = File.Exists("/proc/self/statm");
    private static bool _trimUnavailable = !OperatingSystem.IsLinux();

    /// <summary>Anonymous resident bytes of this process (Linux: resident − file-backed pages of /proc/self/statm; elsewhere the working set).</summary>
    public static long AnonymousBytes()
    {
        if (!HasStatm)
        {
            return Environment.WorkingSet;
        }

        // "size resident shared text lib data dt", in pages; "shared" is the file-backed and shmem part.
        var fields = File.ReadAllText("/proc/self/statm").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var resident = long.Parse(fields[1], CultureInfo.InvariantCulture);
        var shared = long.Parse(fields[2], CultureInfo.InvariantCulture);
        return (resident - shared) * Environment.SystemPageSize;
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
