using System.Runtime.InteropServices;

namespace GpuPool.Worker;

/// <summary>libc calls the worker makes at start.</summary>
internal static partial class NativeMethods
{
    /// <summary>
    /// Starts a new session. On Linux with scheduler autogroups, the OS then accounts the worker's CPU
    /// time separately from the pool's process, so a tenant's busy worker does not slow the pool's own
    /// threads; signals sent to the pool's process group do not reach it either.
    /// </summary>
    [LibraryImport("libc", EntryPoint = "setsid", SetLastError = true)]
    internal static partial int SetSid();

    /// <summary><c>RLIMIT_DATA</c> on Linux: private writable memory (heap, anonymous mappings), enforced since Linux 4.7.</summary>
    internal const int RlimitData = 2;

    /// <summary>Sets a resource limit (soft and hard) of this process.</summary>
    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    internal static partial int SetRLimit(int resource, in ResourceLimit limit);

    /// <summary>struct rlimit on 64-bit Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal readonly record struct ResourceLimit(ulong Current, ulong Maximum);
}
