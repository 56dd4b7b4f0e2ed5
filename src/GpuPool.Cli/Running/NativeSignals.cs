using System.Runtime.InteropServices;

namespace GpuPool.Cli.Running;

/// <summary>kill(2): .NET can end a child (SIGKILL) but not send it SIGINT or SIGTERM.</summary>
internal static partial class NativeSignals
{
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    /// <summary>Sends <paramref name="signal"/> to process <paramref name="pid"/>; false when it is gone or not ours.</summary>
    public static bool Send(int pid, int signal) => OperatingSystem.IsWindows() ? false : Kill(pid, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
