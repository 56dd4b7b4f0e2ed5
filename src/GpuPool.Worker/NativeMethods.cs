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
}
